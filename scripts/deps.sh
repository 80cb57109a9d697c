#!/bin/sh
# Installs what pixivauth's demo and tests need and the machine lacks, on
# Debian and on Ubuntu, when running as root; otherwise prints the commands.
#   scripts/deps.sh demo   - a browser
#   scripts/deps.sh test   - a browser, Xvfb, zsh and fish (the completion
#                            tests), node and the PowerShell grammar that
#                            checks the PowerShell completion script, and
#                            for --cookies-from-browser's tests firefox-esr,
#                            certutil, GNOME Keyring and a D-Bus session bus
# Debian has Chromium and its headless shell as packages. Ubuntu has
# Chromium only as a snap (its chromium-browser package just installs the
# snap) and no chromium-headless-shell: there the browser comes from snap,
# and the headless shell, which pixivauth can do without, is skipped; so is
# firefox-esr, which Ubuntu does not package (its Firefox is a snap too).
# A package apt does not have is named, with what to do instead; only a
# missing browser, or a missing tool the tests need, fails the script.
# PIXIVAUTH_OS_RELEASE names the os-release file to read (for its tests).
set -eu
want=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)
os_release=${PIXIVAUTH_OS_RELEASE:-/etc/os-release}

distro=debian
if [ -r "$os_release" ]; then
	id=$(sed -n 's/^ID=//p' "$os_release" | tr -d '"')
	like=$(sed -n 's/^ID_LIKE=//p' "$os_release" | tr -d '"')
	case " $id $like " in
	*" ubuntu "*) distro=ubuntu ;;
	*" debian "*) distro=debian ;;
	*) distro=other ;;
	esac
fi

have() { command -v "$1" >/dev/null 2>&1; }

have_browser() {
	for b in chromium chromium-browser google-chrome google-chrome-stable /snap/bin/chromium; do
		have "$b" && return 0
	done
	return 1
}

# What is missing: Debian package names, and whether the browser is.
need_browser=no
have_browser || need_browser=yes
packages=""
optional=""
if [ "$want" = test ]; then
	have Xvfb || packages="$packages xvfb"
	have zsh || packages="$packages zsh"
	have fish || packages="$packages fish"
	have node || packages="$packages nodejs"
	have npm || packages="$packages npm"
	have certutil || packages="$packages libnss3-tools"
	have gnome-keyring-daemon || packages="$packages gnome-keyring"
	have dbus-daemon || packages="$packages dbus-daemon"
	have dbus-send || packages="$packages dbus-bin"
	have secret-tool || packages="$packages libsecret-tools"
	if ! have firefox-esr && ! have firefox; then
		if [ "$distro" = debian ]; then packages="$packages firefox-esr"; else optional="$optional firefox-esr"; fi
	fi
	if [ "$distro" = debian ] && ! have chromium-headless-shell; then
		optional="$optional chromium-headless-shell"
	fi
fi
# The grammar's npm install takes ~20 s of CPU, so a copy is kept in the
# user's cache dir, by the checksum of its package.json (exact versions), for the next
# clone of the project on this machine (nothing else is kept there).
grammar_cache=""
cache_home=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}}
if [ "$want" = test ] && [ -n "$cache_home" ] && have cksum && have cp && have mv; then
	set -- $(cksum < "$here/pscheck/package.json")
	grammar_cache="$cache_home/pixivauth-dev/pscheck-$1"
fi
if [ "$want" = test ] && [ ! -d "$here/pscheck/node_modules/tree-sitter-powershell" ] &&
	[ -n "$grammar_cache" ] && [ -d "$grammar_cache/node_modules/tree-sitter-powershell" ]; then
	echo "the PowerShell grammar from $grammar_cache" >&2
	cp -R "$grammar_cache/node_modules" "$here/pscheck/"
fi
need_grammar=no
if [ "$want" = test ] && [ ! -d "$here/pscheck/node_modules/tree-sitter-powershell" ]; then
	need_grammar=yes
fi
if [ "$need_browser" = no ] && [ -z "$packages$optional" ] && [ "$need_grammar" = no ]; then
	exit 0
fi

browser_hint() {
	case $distro in
	ubuntu) echo "sudo snap install chromium   (Ubuntu's Chromium is a snap; or install Google Chrome's .deb, or give pixivauth --browser PATH)" ;;
	*) echo "sudo apt-get install -y chromium   (or give pixivauth --browser PATH)" ;;
	esac
}

if [ "$(id -u)" != 0 ] || ! have apt-get; then
	[ "$need_browser" = yes ] && echo "pixivauth needs a browser: $(browser_hint)" >&2
	[ -n "$packages$optional" ] && echo "pixivauth's tests need:$packages$optional; install them with:  sudo apt-get update && sudo apt-get install -y$packages$optional" >&2
	[ "$need_grammar" = yes ] && echo "the PowerShell completion test needs its grammar: npm install --prefix scripts/pscheck" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
failed=""
if [ "$distro" = debian ] && [ "$need_browser" = yes ]; then
	packages="chromium$packages"
fi
if [ -n "$packages$optional" ]; then
	apt-get update -qq >&2 || echo "apt-get update failed; trying with the package lists there are" >&2
fi
# apt-get install fails as a whole when one package is unknown: ask apt
# first, and install what it has.
available=""
for p in $packages $optional; do
	if apt-cache show "$p" >/dev/null 2>&1; then
		available="$available $p"
		continue
	fi
	if case " $optional " in *" $p "*) true ;; *) false ;; esac; then
		echo "apt has no package $p: skipped (pixivauth runs Chromium headless without it)" >&2
	elif [ "$p" = chromium ]; then
		echo "apt has no package chromium: add Debian's main repository to apt's sources, or install Google Chrome, or give pixivauth --browser PATH" >&2
		failed="$failed chromium"
	else
		echo "apt has no package $p, which the tests need: add the distribution's main repository to apt's sources, or install $p another way" >&2
		failed="$failed $p"
	fi
done
if [ -n "$available" ]; then
	echo "installing from $distro's packages:$available" >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq $available >&2 || failed="$failed$available"
fi

if [ "$distro" != debian ] && [ "$need_browser" = yes ]; then
	if have snap && snap install chromium >&2; then
		:
	else
		echo "no browser installed: $(browser_hint)" >&2
		failed="$failed chromium"
	fi
fi

if [ "$need_grammar" = yes ] && [ -z "$failed" ]; then
	echo "installing the PowerShell grammar the completion test parses with (npm)" >&2
	if npm install --no-audit --no-fund --prefix "$here/pscheck" >&2; then
		if [ -n "$grammar_cache" ]; then
			# Kept whole or not at all: a copy beside it, renamed.
			tmp="$grammar_cache.tmp.$$"
			if ! { mkdir -p "$tmp" && cp -R "$here/pscheck/node_modules" "$tmp/" && mv "$tmp" "$grammar_cache"; } 2>/dev/null; then
				rm -rf "$tmp" 2>/dev/null || :
			fi
		fi
	else
		failed="$failed tree-sitter-powershell"
	fi
fi

if [ -n "$failed" ]; then
	echo "scripts/deps.sh: not installed:$failed" >&2
	exit 1
fi
exit 0
