#!/bin/sh
# Installs what pixivauth's demo and tests need and the machine lacks:
# Chromium (and, for the tests, its headless shell and Xvfb) from Debian's
# packages when running as root with apt; otherwise prints the command.
#   scripts/deps.sh demo   - a browser
#   scripts/deps.sh test   - a browser, the headless shell, Xvfb, and for
#                            --cookies-from-browser's tests firefox-esr,
#                            certutil, GNOME Keyring and a D-Bus session bus
set -eu
want=${1:-test}

have_browser() {
	for b in chromium chromium-browser google-chrome google-chrome-stable; do
		command -v "$b" >/dev/null 2>&1 && return 0
	done
	return 1
}

missing=""
have_browser || missing="$missing chromium"
if [ "$want" = test ]; then
	command -v chromium-headless-shell >/dev/null 2>&1 || missing="$missing chromium-headless-shell"
	command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
	command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || missing="$missing firefox-esr"
	command -v certutil >/dev/null 2>&1 || missing="$missing libnss3-tools"
	command -v gnome-keyring-daemon >/dev/null 2>&1 || missing="$missing gnome-keyring"
	command -v dbus-daemon >/dev/null 2>&1 || missing="$missing dbus-daemon"
	command -v dbus-send >/dev/null 2>&1 || missing="$missing dbus-bin"
	command -v secret-tool >/dev/null 2>&1 || missing="$missing libsecret-tools"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing from Debian's packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >&2
	exit 0
fi
echo "pixivauth needs:$missing" >&2
echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
