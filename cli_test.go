package main

// Tests of the CLI as a user meets it (issue 14): what it accepts, what it
// says, what scripts and shells get from it. They run the binary that
// TestMain builds, against a Pixiv double on loopback where they need Pixiv.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

// writeFile writes content to a file of the test's own and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cookieEditorJSON is Cookie-Editor's JSON export of one Pixiv cookie, as
// the extension writes it from a www.pixiv.net tab.
func cookieEditorJSON(domain string, hostOnly bool, name, value string, expires time.Time) string {
	c := map[string]any{
		"domain": domain, "hostOnly": hostOnly, "httpOnly": true, "name": name, "path": "/",
		"sameSite": "lax", "secure": true, "session": expires.IsZero(), "storeId": "0", "value": value,
	}
	if !expires.IsZero() {
		c["expirationDate"] = float64(expires.Unix()) + 0.5
	}
	data, _ := json.MarshalIndent([]any{c}, "", "    ")
	return string(data)
}

// TestCookiesInBadFilesSayWhy: what is wrong with a --cookies file is said
// before any browser starts, in the user's words, with no cookie value.
func TestCookiesInBadFilesSayWhy(t *testing.T) {
	const value = "11111111_NotForStderrAtAll"
	tests := []struct {
		name, file string
		code       int
		want       string
	}{
		{"cookies.txt with spaces for tabs", ".pixiv.net TRUE / TRUE 0 PHPSESSID " + value + "\n",
			exitUsage, "cookies.txt line 1: fields must be separated by tabs"},
		{"cookies.txt with no PHPSESSID", ".pixiv.net\tTRUE\t/\tFALSE\t0\tp_ab_id\t" + value + "\n",
			exitUsage, "holds no PHPSESSID cookie"},
		{"extension JSON with no PHPSESSID", cookieEditorJSON("www.pixiv.net", true, "a_type", value, time.Time{}),
			exitUsage, "holds no PHPSESSID cookie"},
		{"extension JSON with an expired PHPSESSID", cookieEditorJSON(".pixiv.net", false, "PHPSESSID", value, time.Now().Add(-time.Hour)),
			exitPerson, "has expired: its PHPSESSID cookie expired at"},
		{"an expired export is to be exported again", cookieEditorJSON(".pixiv.net", false, "PHPSESSID", value, time.Now().Add(-time.Hour)),
			exitPerson, "(export a fresh one where you log in: `pixivauth session export`)"},
		{"extension JSON of another site only", cookieEditorJSON(".example.com", false, "PHPSESSID", value, time.Time{}),
			exitUsage, "holds no cookie of pixiv.net"},
		{"extension JSON broken", `[{"name":"PHPSESSID","value":"` + value + `",`,
			exitUsage, "cookie extension JSON (Cookie-Editor, EditThisCookie): not valid JSON"},
		{"extension JSON of another site only, with the fix", cookieEditorJSON(".example.com", false, "PHPSESSID", value, time.Time{}),
			exitUsage, "holds no cookie of pixiv.net: export the cookies of www.pixiv.net from a browser that is logged in to Pixiv"},
		{"an empty file", " \n", exitUsage, "is empty: export the cookies of www.pixiv.net"},
		{"UTF-16, as PowerShell's > writes", utf16LE(".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + value + "\r\n"),
			exitUsage, "UTF-16 text (as PowerShell's > writes it): save it as UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "cookies", tt.file)
			// No browser is given or found: the error must come first.
			r := runPixivauth(t, []string{"PIXIVAUTH_BROWSER=/nonexistent"}, "",
				"login", "--headless", "--cookies", file, "--config-dir", t.TempDir(), "--timeout", long,
				"--pixiv-server", closedPort(t), "--insecure")
			expectCode(t, r, tt.code)
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%v", tt.want, r)
			}
			if strings.Contains(r.Stderr, value) {
				t.Errorf("stderr holds the cookie's value:\n%v", r)
			}
		})
	}
}

// utf16LE is s as UTF-16 text, little-endian with its byte order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestLoginFromCookieEditorExport logs in headless, with a real browser,
// with the session as Cookie-Editor and EditThisCookie export it, its
// PHPSESSID host-only on www.pixiv.net (not sent to accounts.pixiv.net as
// it is).
func TestLoginFromCookieEditorExport(t *testing.T) {
	for _, tt := range []struct {
		name     string
		domain   string
		hostOnly bool
	}{
		{"host-only www.pixiv.net", "www.pixiv.net", true},
		{".pixiv.net", ".pixiv.net", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowserRun(t)
			c := b.srv.NewSession(b.account.ID)
			file := writeFile(t, "cookies.json", cookieEditorJSON(tt.domain, tt.hostOnly, c.Name, c.Value, c.Expires))
			r := b.run(nil, "", "login", "--headless", "--json", "--cookies", file, "--timeout", long)
			got := b.expectIssued(r)
			b.expectSaved(got.AccessToken)
			b.expectNoSecrets(r.Stderr)
		})
	}
}

// completionCase is a command line typed up to the cursor and what
// completion must offer there.
type completionCase struct {
	line string
	want []string
}

// completionCases hold for every shell; CFG stands for a config dir with the
// profiles "home" and "work", DIR for a directory with the files
// "cookies.json" and "cookies.txt" and the directory "sub".
var completionCases = []completionCase{
	{"pixivauth completion ", []string{"bash", "fish", "powershell", "zsh"}},
	{"pixivauth token --format ", []string{"env", "json", "text"}},
	{"pixivauth check --format ", []string{"json", "text"}},
	{"pixivauth session export --format ", []string{"cookies.txt", "json"}},
	{"pixivauth logout --config-dir CFG --profile ", []string{"home", "work"}},
	{"pixivauth --config-dir CFG token --profile w", []string{"work"}},
	{"pixivauth login --cookies DIR/cookies.", []string{"DIR/cookies.json", "DIR/cookies.txt"}},
	{"pixivauth re", []string{"refresh"}},
	{"pixivauth session ex", []string{"export"}},
	{"pixivauth login --head", []string{"--headless"}},
	{"pixivauth --profile w session export --f", []string{"--format"}},
}

// completionDirs makes the CFG and DIR of completionCases.
func completionDirs(t *testing.T) (cfg, dir string) {
	t.Helper()
	cfg, dir = t.TempDir(), t.TempDir()
	for _, name := range []string{"home", "work"} {
		p, err := (&store.Store{Dir: cfg}).Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.SaveToken(context.Background(), &exchange.Token{AccessToken: "a-" + name, RefreshToken: "r-" + name,
			Expiry: time.Now().Add(time.Hour), User: exchange.User{ID: "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"cookies.json", "cookies.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// completionScript writes pixivauth's script for shell to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	r := runPixivauth(t, nil, "", "completion", shell)
	expectCode(t, r, 0)
	return writeFile(t, "completion."+shell, r.Stdout)
}

// shellEnv runs a shell with pixivauth on its PATH, as a user's would be.
func shellEnv(t *testing.T) []string {
	return append(testenv.NewRun(t).Env(), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func needShell(t *testing.T, shell string) {
	t.Helper()
	_, err := exec.LookPath(shell)
	testenv.Need(t, err == nil, shell+" is not installed: `make test` installs it (scripts/deps.sh)")
}

func sortedFields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}

// TestCompletionBash loads the bash script into bash and asks its function
// for each case, as bash's programmable completion does on TAB.
func TestCompletionBash(t *testing.T) {
	needShell(t, "bash")
	script, env := completionScript(t, "bash"), shellEnv(t)
	cfg, dir := completionDirs(t)
	// It registers itself for pixivauth.
	out, err := exec.Command("bash", "-c", `source "$1" && complete -p pixivauth`, "bash", script).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-F _pixivauth pixivauth") {
		t.Fatalf("complete -p: %s, %v", out, err)
	}
	for _, tt := range completionCases {
		t.Run(tt.line, func(t *testing.T) {
			line := strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(tt.line)
			words := strings.Split(line, " ") // a trailing space leaves an empty word: the cursor's
			complete := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pixivauth; printf '%s\n' "${COMPREPLY[@]}"`
			cmd := exec.Command("bash", append([]string{"-c", complete, "bash", script}, words...)...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			want := strings.Fields(strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(strings.Join(tt.want, " ")))
			if got := sortedFields(string(out)); err != nil || !slices.Equal(got, want) {
				t.Errorf("bash offers %q (%v), want %q", got, err, want)
			}
		})
	}
}

// TestCompletionFish loads the fish script into fish and asks fish itself
// what it completes (complete -C).
func TestCompletionFish(t *testing.T) {
	needShell(t, "fish")
	script, env := completionScript(t, "fish"), shellEnv(t)
	cfg, dir := completionDirs(t)
	for _, tt := range completionCases {
		t.Run(tt.line, func(t *testing.T) {
			line := strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(tt.line)
			cmd := exec.Command("fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2] | cut -f1`, script, line)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			want := strings.Fields(strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(strings.Join(tt.want, " ")))
			if got := sortedFields(string(out)); err != nil || !slices.Equal(got, want) {
				t.Errorf("fish offers %q (%v), want %q", got, err, want)
			}
		})
	}
}

// zshDriver types a line and TAB into an interactive zsh on a pseudo-
// terminal (zsh's own zpty), with the completion script loaded the way its
// comment says, and prints what the terminal shows. Its arguments: the
// dump compinit made ($1), the completion script ($2), the line to type
// ($3) and the words that must show (the rest).
const zshDriver = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='%% '; autoload -U compinit && compinit -u -C -d ${(q)1}; source ${(q)2}; setopt nobeep; print -r -- READY\$((6*7))"
zpty -r z line '*READY42*'
zpty -w -n z "$3"$'\t'
# Read until every wanted word shows, or 60 s have passed: the completion
# may run pixivauth, which a loaded machine starts slowly.
out=""
for i in {1..600}; do
  while zpty -r -t z chunk; do out+=$chunk; done
  all=1
  for w in "${@[4,-1]}"; do [[ $out == *"$w"* ]] || all=0; done
  (( all )) && break
  sleep 0.1
done
print -r -- "$out"
zpty -d z
`

// ansiRE matches a terminal's control sequences.
var ansiRE = regexp.MustCompile(`\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])`)

// TestCompletionZsh types each case into an interactive zsh and reads what
// its completion shows or inserts.
func TestCompletionZsh(t *testing.T) {
	t.Parallel()
	needShell(t, "zsh")
	script, env := completionScript(t, "zsh"), shellEnv(t)
	driver := writeFile(t, "driver.zsh", zshDriver)
	// compinit reads every completion function zsh has, and writes what
	// it found to a dump: once here, then each case loads the dump (-C).
	dump := filepath.Join(t.TempDir(), "zcompdump")
	initCmd := exec.Command("zsh", "-f", "-c", `autoload -U compinit && compinit -u -d "$1"`, "zsh", dump)
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("compinit: %v\n%s", err, out)
	}
	cfg, dir := completionDirs(t)
	for _, tt := range completionCases {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			line := strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(tt.line)
			var want []string
			for _, w := range tt.want {
				w = strings.NewReplacer("CFG", cfg, "DIR", dir).Replace(w)
				if len(tt.want) > 1 {
					w = filepath.Base(w) // a list shows names without their directory
				}
				want = append(want, w)
			}
			cmd := exec.Command("zsh", append([]string{"-f", driver, dump, script, line}, want...)...)
			cmd.Env = append(slices.Clip(env), "TERM=dumb")
			out, err := cmd.CombinedOutput()
			// No wanted word is part of the line as typed, so it shows
			// only if zsh completed it or listed it.
			shown := ansiRE.ReplaceAllString(string(out), "")
			for _, w := range want {
				if !strings.Contains(shown, w) {
					t.Errorf("zsh does not offer %q (%v); the terminal shows:\n%q", w, err, shown)
				}
			}
		})
	}
}

// TestCompletionPowerShell checks the PowerShell script's syntax with
// tree-sitter's PowerShell grammar: no PowerShell can be had from Debian or
// npm here (npm's "pwsh" downloads a build from outside), so the script is
// parsed, not run. It also checks that the script holds each case's words,
// and that the parser does catch a broken script.
func TestCompletionPowerShell(t *testing.T) {
	t.Parallel()
	checker, err := filepath.Abs("scripts/pscheck/check.mjs")
	if err != nil {
		t.Fatal(err)
	}
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(filepath.Dir(checker), "node_modules", "tree-sitter-powershell"))
	testenv.Need(t, nodeErr == nil && modErr == nil, "node and scripts/pscheck/node_modules are needed: `make test` installs them (scripts/deps.sh)")
	script := completionScript(t, "powershell")
	parse := func(file string) (string, error) {
		out, err := exec.Command("node", "--no-deprecation", checker, file).CombinedOutput()
		return string(out), err
	}
	if out, err := parse(script); err != nil {
		t.Errorf("the PowerShell script does not parse: %v\n%s", err, out)
	}
	broken := writeFile(t, "broken.ps1", strings.Replace(readFile(t, script), "Register-ArgumentCompleter -Native -CommandName 'pixivauth' -ScriptBlock {", "Register-ArgumentCompleter -ScriptBlock { if (", 1))
	if _, err := parse(broken); err == nil {
		t.Error("the checker accepts a script with an unclosed if: it checks nothing")
	}
	text := readFile(t, script)
	for _, want := range []string{"'completion' = @{", "'bash', 'zsh', 'fish', 'powershell'", "'session export' = @{",
		"Formats = @('json', 'cookies.txt')", "Profiles = @('--profile')", "'--cookies'", "__complete', 'profiles'"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PowerShell script lacks %q", want)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestCompletionFormatsAreAccepted: each --format value a script offers is
// one its command accepts, and every command with --format has its list.
func TestCompletionFormatsAreAccepted(t *testing.T) {
	p := &program{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	spec := completionSpecOf(p.newApp())
	for _, e := range spec.entries[1:] {
		hasFormat := slices.ContainsFunc(e.options, func(o completionOption) bool { return o.long == optFormat })
		if hasFormat && len(e.formats) == 0 && e.path != "logout" && e.path != "session" {
			t.Errorf("%s takes --format but completion offers no format for it", e.path)
		}
		for _, f := range e.formats {
			// A negative timeout is refused right after the format is
			// checked: the run stops there, having accepted the format.
			// The commands without --timeout touch nothing off this test.
			args := append(strings.Fields(e.path), "--format", f)
			takesTimeout := slices.ContainsFunc(e.options, func(o completionOption) bool { return o.long == optTimeout })
			if takesTimeout {
				args = append(args, "--timeout=-1s")
			}
			_, _, stderr := runInProcess(context.Background(), "", append(args, "--config-dir", t.TempDir())...)
			if takesTimeout && !strings.Contains(stderr, "--timeout must not be negative") ||
				strings.Contains(stderr, "prints") || strings.Contains(stderr, "unknown format") {
				t.Errorf("%s --format %s: %s; want the format accepted", e.path, f, stderr)
			}
		}
	}
}

// fakeAptTools are the stand-ins for apt, snap, npm and id that
// TestDepsScript puts on the script's PATH, each logging its arguments. The
// fake apt-cache knows only the packages in $FAKE_APT_HAS; installing one
// puts its program on PATH, as the real package would.
var fakeAptTools = map[string]string{
	"id": `[ "$1" = -u ] && echo "${FAKE_UID:-0}"`,
	"apt-cache": `echo "apt-cache $*" >> "$FAKE_LOG"
[ "$1" = show ] || exit 1
case " $FAKE_APT_HAS " in *" $2 "*) exit 0 ;; esac
echo "E: No packages found" >&2; exit 100`,
	"apt-get": `echo "apt-get $*" >> "$FAKE_LOG"
[ "$1" = install ] || exit 0
shift
for p; do
	case $p in -*) continue ;; esac
	case " $FAKE_APT_HAS " in *" $p "*) ;; *) echo "E: Unable to locate package $p" >&2; exit 100 ;; esac
done
for p; do
	case $p in -*) continue ;; xvfb) p=Xvfb ;; nodejs) p=node ;; esac
	printf '#!/bin/sh\n' > "$FAKE_BIN/$p"; chmod +x "$FAKE_BIN/$p"
done`,
	"snap": `echo "snap $*" >> "$FAKE_LOG"`,
	"npm": `echo "npm $*" >> "$FAKE_LOG"
mkdir -p "$5/node_modules/tree-sitter-powershell"`,
}

// TestDepsScript runs scripts/deps.sh on a PATH that holds only fake apt,
// snap and npm (and the few tools the script uses), for a Debian and an
// Ubuntu machine, with and without the packages apt can have.
func TestDepsScript(t *testing.T) {
	t.Parallel()
	realSh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	script := readFile(t, "scripts/deps.sh")
	debian := "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\n"
	ubuntu := "PRETTY_NAME=\"Ubuntu 24.04 LTS\"\nID=ubuntu\nID_LIKE=debian\n"
	// The packages of --cookies-from-browser's tests, after the others.
	const cookieTools = " libnss3-tools gnome-keyring dbus-daemon dbus-bin libsecret-tools"
	all := "chromium chromium-headless-shell xvfb zsh fish nodejs firefox-esr" + cookieTools
	tests := []struct {
		name, osRelease, aptHas, uid string
		tools                        []string // what the fake apt needs to be missing: the rest is there
		noSnap                       bool
		code                         int
		log                          []string // lines the log must have, in order
		notLog                       []string // words no log line may have
		stderr                       []string
	}{
		{name: "Debian, all there", osRelease: debian, aptHas: all,
			log:    []string{"apt-get update -qq", "apt-get install -y -qq chromium xvfb zsh fish nodejs" + cookieTools + " firefox-esr chromium-headless-shell", "npm install --no-audit --no-fund --prefix"},
			notLog: []string{"snap"}},
		{name: "Debian without the headless shell", osRelease: debian, aptHas: "chromium xvfb zsh fish nodejs firefox-esr" + cookieTools,
			log:    []string{"apt-cache show chromium-headless-shell", "apt-get install -y -qq chromium xvfb zsh fish nodejs" + cookieTools + " firefox-esr"},
			stderr: []string{"apt has no package chromium-headless-shell: skipped"}},
		{name: "Debian without fish", osRelease: debian, aptHas: "chromium chromium-headless-shell xvfb zsh nodejs firefox-esr" + cookieTools,
			code:   1,
			log:    []string{"apt-get install -y -qq chromium xvfb zsh nodejs" + cookieTools + " firefox-esr chromium-headless-shell"},
			notLog: []string{"npm install"},
			stderr: []string{"apt has no package fish, which the tests need", "not installed: fish"}},
		{name: "Debian without chromium", osRelease: debian, aptHas: "xvfb zsh fish nodejs chromium-headless-shell firefox-esr" + cookieTools,
			code:   1,
			stderr: []string{"apt has no package chromium: add Debian's main repository", "not installed: chromium"}},
		{name: "Ubuntu: Chromium from snap, no headless shell asked for", osRelease: ubuntu, aptHas: "xvfb zsh fish nodejs" + cookieTools,
			log:    []string{"apt-get install -y -qq xvfb zsh fish nodejs" + cookieTools, "snap install chromium"},
			stderr: []string{"apt has no package firefox-esr: skipped"},
			notLog: []string{"chromium-headless-shell", "apt-cache show chromium"}},
		{name: "Ubuntu without snap (a container)", osRelease: ubuntu, aptHas: "xvfb zsh fish nodejs" + cookieTools, noSnap: true,
			code:   1,
			stderr: []string{"Ubuntu's Chromium is a snap", "not installed: chromium"}},
		{name: "not root", osRelease: debian, aptHas: all, uid: "1000",
			code:   1,
			notLog: []string{"apt-get"},
			stderr: []string{"sudo apt-get install -y chromium", "sudo apt-get update && sudo apt-get install -y xvfb zsh fish nodejs" + cookieTools + " firefox-esr chromium-headless-shell"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			scripts := filepath.Join(dir, "repo", "scripts")
			for _, d := range []string{bin, scripts} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(scripts, "deps.sh"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range fakeAptTools {
				if name == "snap" && tt.noSnap {
					continue
				}
				if err := os.WriteFile(filepath.Join(bin, name), []byte("#!"+realSh+"\n"+body+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, tool := range []string{"sed", "tr", "dirname", "mkdir", "chmod"} {
				real, err := exec.LookPath(tool)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(real, filepath.Join(bin, tool)); err != nil {
					t.Fatal(err)
				}
			}
			osRelease := writeFile(t, "os-release", tt.osRelease)
			logFile := filepath.Join(dir, "log")
			uid := tt.uid
			if uid == "" {
				uid = "0"
			}
			cmd := exec.Command(realSh, filepath.Join(scripts, "deps.sh"), "test")
			cmd.Env = []string{"PATH=" + bin, "PIXIVAUTH_OS_RELEASE=" + osRelease, "FAKE_LOG=" + logFile,
				"FAKE_BIN=" + bin, "FAKE_APT_HAS=" + tt.aptHas, "FAKE_UID=" + uid}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			logData, _ := os.ReadFile(logFile)
			log := string(logData)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s\nlog:\n%s", code, tt.code, stderr.String(), log)
			}
			rest := log
			for _, want := range tt.log {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("the log lacks %q (in this order):\n%s", want, log)
					break
				}
				rest = rest[i+len(want):]
			}
			for _, not := range tt.notLog {
				if strings.Contains(log, not) {
					t.Errorf("the log has %q:\n%s", not, log)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}

// TestManPage makes the man page as `make man` does and has groff (and
// man, which packagers' users run) read it: no warning, every command and
// the exit statuses in it.
func TestManPage(t *testing.T) {
	r := runPixivauth(t, nil, "", "__man")
	expectCode(t, r, 0)
	page := writeFile(t, "pixivauth.1", r.Stdout)
	if !strings.HasPrefix(r.Stdout, ".nh\n.TH pixivauth 1") && !strings.Contains(r.Stdout, ".TH pixivauth 1") {
		t.Errorf("not a section 1 man page:\n%.200s", r.Stdout)
	}
	_, err := exec.LookPath("groff")
	testenv.Need(t, err == nil, "groff is not installed (Debian: groff-base)")
	cmd := exec.Command("groff", "-k", "-man", "-Tutf8", "-ww", page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("groff: %v\n%s", err, stderr.String())
	}
	text := regexp.MustCompile(".\b").ReplaceAllString(string(out), "") // groff's overstrikes
	for _, want := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "EXIT STATUS", "GLOBAL OPTIONS", "COMMANDS",
		"pixivauth session export", "--refresh-token-file", "143  terminated (SIGTERM)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered man page lacks %q", want)
		}
	}
	for _, cmd := range commandNames(testApp().VisibleCommands()) {
		if !strings.Contains(text, "pixivauth "+cmd) {
			t.Errorf("the man page does not describe %s", cmd)
		}
	}
	for _, hidden := range []string{completeCommandName, manCommandName} {
		if strings.Contains(text, hidden) {
			t.Errorf("the man page shows the hidden %s", hidden)
		}
	}
	if _, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command("man", "-l", page)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "MANWIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "EXIT STATUS") {
			t.Errorf("man -l: %v\n%.300s", err, out)
		}
	}
}

// TestCheckJSONFailsWithEmptyStdout: the contract says stdout is empty on
// an error, check --json included; the exit status says what happened.
// (Issue 14 asked for an {"ok":false,…} object on stdout: that would change
// the contract, which only the contract's owner does.)
func TestCheckJSONFailsWithEmptyStdout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.Inject(pixivtest.EndpointToken, pixivtest.CloudflareBlock())
	tests := []struct {
		name string
		r    result
		code int
		say  string
	}{
		{"token rejected", newFixture(t).run(nil, "", "check", "unknown-token", "--json", "--timeout", long), exitPerson, "rejected"},
		{"Pixiv unreachable", runPixivauth(t, nil, "", "check", "TOKEN", "--json", "--pixiv-server", closedPort(t), "--insecure", "--timeout", long),
			exitUnavailable, "refused"},
		{"Cloudflare", f.run(nil, "", "check", f.rt, "--json", "--timeout", long), exitUnavailable, "Cloudflare"},
		{"no token anywhere", runPixivauth(t, nil, "", "check", "--json", "--config-dir", t.TempDir()), exitPerson, "no token"},
		{"token: no token at a double", runPixivauth(t, nil, "", "token", "--json", "--pixiv-server", closedPort(t), "--insecure"), exitPerson,
			"no token: $PIXIV_REFRESH_TOKEN is not set, and with --pixiv-server no profile is read unless --config-dir DIR is given; log in"},
		{"a token with a space", runPixivauth(t, nil, "", "check", "a b", "--json", "--config-dir", t.TempDir()), exitUsage, "whitespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.r.Code != tt.code || tt.r.Stdout != "" || !strings.Contains(tt.r.Stderr, tt.say) {
				t.Errorf("want exit %d, empty stdout and stderr saying %q:\n%v", tt.code, tt.say, tt.r)
			}
		})
	}
}

// TestCheckNoticesAnIncompleteAnswer: a token answer that holds an access
// token but no user or lifetime is not Pixiv's: check, the smoke test, fails
// (exit 4) instead of reporting an empty user as ok, and the profile keeps
// its token, whatever refresh token the answer holds.
func TestCheckNoticesAnIncompleteAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	expectCode(t, f.run(nil, "", "refresh", f.rt, "--timeout", long), 0)
	cached, err := os.ReadFile(filepath.Join(f.dir, "default", "token.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ format, body string }{
		{"text", `{"access_token":"incomplete-access-token"}`},
		{"json", `{"access_token":"incomplete-access-token"}`},
		{"text", `{"response":{"access_token":"incomplete-access-token","refresh_token":"another-refresh-token"}}`},
	} {
		format := tc.format
		f.srv.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 200, Body: tc.body, Times: 1})
		r := f.run(nil, "", "check", "--format", format, "--timeout", long)
		expectCode(t, r, exitUnavailable)
		if r.Stdout != "" || !strings.Contains(r.Stderr, "the token endpoint's answer holds an access token but no user and no lifetime (expires_in)") ||
			strings.Contains(r.Stderr, "incomplete-access-token") {
			t.Errorf("%s: want empty stdout and the answer's lack named:\n%v", format, r)
		}
	}
	if now, err := os.ReadFile(filepath.Join(f.dir, "default", "token.json")); err != nil || !bytes.Equal(now, cached) {
		t.Errorf("the cached token changed (%v)", err)
	}
}

// TestCheckSaysWhatWasNotSaved: a check that passes but cannot save its new
// tokens exits 1 with its report printed, and says that it passed: it
// prints no tokens.
func TestCheckSaysWhatWasNotSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "default"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := f.run(nil, "", "check", f.rt, "--timeout", long)
	expectCode(t, r, exitFailure)
	if !strings.HasPrefix(r.Stdout, "ok: ") || !strings.Contains(r.Stderr, "the check passed, but its new tokens could not be saved") ||
		strings.Contains(r.Stderr, "printed") {
		t.Errorf("want the report, and the check said to have passed:\n%v", r)
	}
}

// TestCIFormFailsTheStep runs the README's CI step the way GitHub Actions
// runs a step (bash --noprofile --norc -eo pipefail): with a token the
// exports reach the next command; without one the step fails with
// pixivauth's status and the next command never runs. The eval form the
// README used to show goes on with an empty token, which is why it is gone.
func TestCIFormFailsTheStep(t *testing.T) {
	t.Parallel()
	needShell(t, "bash")
	f := newFixture(t)
	step := func(script string, env ...string) result {
		t.Helper()
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
		cmd.Env = append(shellEnv(t), append([]string{"RUNNER_TEMP=" + t.TempDir()}, env...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		r := result{Stdout: stdout.String(), Stderr: stderr.String()}
		if exit, ok := err.(*exec.ExitError); ok {
			r.Code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	server := strings.Join(quoteAll(f.server()), " ")
	readme := readFile(t, "README.md")
	form := `pixivauth token --format env > "$RUNNER_TEMP/pixiv.env"`
	if !strings.Contains(readme, form) || !strings.Contains(readme, `. "$RUNNER_TEMP/pixiv.env"`) {
		t.Fatalf("the README does not show the CI form %q", form)
	}
	ciStep := `umask 077
pixivauth ` + server + ` token --format env > "$RUNNER_TEMP/pixiv.env"
. "$RUNNER_TEMP/pixiv.env"
echo "next step with a token of ${#PIXIV_ACCESS_TOKEN} characters"`

	r := step(ciStep, "PIXIV_REFRESH_TOKEN="+f.rt)
	if r.Code != 0 || !regexp.MustCompile(`next step with a token of [1-9][0-9]* characters`).MatchString(r.Stdout) {
		t.Errorf("with a refresh token the step did not go on with a token:\n%v", r)
	}
	r = step(ciStep, "PIXIV_REFRESH_TOKEN=unknown-token")
	if r.Code != exitPerson || strings.Contains(r.Stdout, "next step") {
		t.Errorf("with a rejected token the step went on, or did not end with exit 3:\n%v", r)
	}
	// What the README no longer shows: eval swallows the failure.
	r = step(`eval "$(pixivauth `+server+` token --format env)"
echo "next step with a token of ${#PIXIV_ACCESS_TOKEN} characters"`, "PIXIV_REFRESH_TOKEN=unknown-token")
	if r.Code != 0 || !strings.Contains(r.Stdout, "next step with a token of 0 characters") {
		t.Errorf("the eval form no longer hides a failure (update the README's note):\n%v", r)
	}
}

// TestSessionExportOutput: --output writes the session 0600 whatever the
// umask, replacing a looser file, and prints nothing on stdout.
// TestSessionExportWithNothing: a profile with no session says so, and
// names a config dir that does not exist (a mistyped --config-dir).
func TestSessionExportWithNothing(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-config")
	r := runIn(context.Background(), "", "session", "export", "--config-dir", missing)
	expectCode(t, r, exitPerson)
	if !strings.Contains(r.Stderr, `profile "default" holds no session (the config dir `+missing+` does not exist)`) {
		t.Errorf("want the missing config dir named:\n%v", r)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("session export made %s", missing)
	}
}

// TestSessionExportOfAnExpiredSession: an expired session is exported, as
// asked, with a warning that a login with it will fail.
func TestSessionExportOfAnExpiredSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := cookieOf(f.srv.NewSession(f.account.ID))
	c.Expires = time.Now().Add(-time.Hour)
	if err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{c}}); err != nil {
		t.Fatal(err)
	}
	r := f.run(nil, "", "session", "export")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stdout, c.Value) || !strings.Contains(r.Stderr, `warning: the session of profile "default" has expired`) ||
		!strings.Contains(r.Stderr, "a login with it will fail") {
		t.Errorf("want the session exported, with a warning:\n%v", r)
	}
}

func TestSessionExportOutput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.srv.NewSession(f.account.ID)
	if err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{cookieOf(c)}}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "cookies.txt"} {
		out := filepath.Join(t.TempDir(), "session."+format)
		if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runPixivauth(t, nil, "", append(f.server(), "session", "export", "--format", format, "--output", out)...)
		expectCode(t, r, 0)
		if r.Stdout != "" || strings.Contains(r.Stderr, c.Value) {
			t.Errorf("--output printed the session, or stderr holds its value:\n%v", r)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", out, fi.Mode().Perm())
		}
		s, err := session.ParseFile([]byte(readFile(t, out)))
		if err != nil || !s.Live(time.Now()) {
			t.Errorf("the written %s does not read back as a live session: %v", format, err)
		}
		leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp*"))
		if len(leftovers) > 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	}
	// Under a umask of 0 the file is 0600 all the same.
	out := filepath.Join(t.TempDir(), "s.json")
	r := step0(t, `umask 0; exec "$@"`, append([]string{binary}, append(f.server(), "session", "export", "--output", out)...)...)
	if r.Code != 0 {
		t.Fatalf("%v", r)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("under umask 0: %v, %v", fi.Mode(), err)
	}
	// A directory that is not there is named, and no temporary file is.
	missing := filepath.Join(t.TempDir(), "no-such-dir", "s.json")
	r = runPixivauth(t, nil, "", append(f.server(), "session", "export", "--output", missing)...)
	if r.Code == 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "the directory "+filepath.Dir(missing)+" does not exist") ||
		strings.Contains(r.Stderr, ".tmp-") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("--output into a missing directory:\n%v", r)
	}
	// A directory as --output is named as one, and nothing is written in it.
	dir := t.TempDir()
	r = runPixivauth(t, nil, "", append(f.server(), "session", "export", "--output", dir)...)
	if entries, _ := os.ReadDir(dir); r.Code == 0 || !strings.Contains(r.Stderr, dir+" is a directory") || strings.Contains(r.Stderr, ".tmp-") || len(entries) != 0 {
		t.Errorf("--output a directory (it holds %v):\n%v", entries, r)
	}
}

// step0 runs script in sh with args, in a clean environment.
func step0(t *testing.T, script string, args ...string) result {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Env = testenv.NewRun(t).Env()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.Code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHelpExitStatusTable: the --help table names every case of the CLI
// contract's exit status table that issue 14 found missing.
func TestHelpExitStatusTable(t *testing.T) {
	r := runPixivauth(t, nil, "", "--help")
	expectCode(t, r, 0)
	table := strings.Join(strings.Fields(r.Stdout[strings.Index(r.Stdout, "EXIT STATUS"):]), " ")
	for _, want := range []string{"window login that timed out", "not a browser", "no token anywhere", "130 interrupted", "143 terminated"} {
		if !strings.Contains(table, want) {
			t.Errorf("--help's exit status table lacks %q:\n%s", want, table)
		}
	}
}

// TestReadmeDescribesTheFiles: the README's token.json keys are the file's,
// and its Files table names what a headless failure leaves.
func TestReadmeDescribesTheFiles(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "README.md")
	m := regexp.MustCompile(`<!-- token.json keys: ([a-z_ ]+) -->`).FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no token.json keys line")
	}
	documented := strings.Fields(m[1])
	f := newFixture(t)
	expectCode(t, f.run(nil, "", "refresh", f.rt), 0)
	var file map[string]json.RawMessage
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(f.dir, "default", "token.json"))), &file); err != nil {
		t.Fatal(err)
	}
	for key := range file {
		if !slices.Contains(documented, key) {
			t.Errorf("token.json has %q, which the README does not describe", key)
		}
	}
	for _, key := range documented {
		if _, ok := file[key]; !ok && key != "device_token" {
			t.Errorf("the README describes %q, which token.json lacks", key)
		}
	}
	for _, want := range []string{"last-failure/screenshot.png`, `page.html`, `url.txt`", `"version": 1`, `"saved_at"`,
		"`--totp-secret SECRET`", "`--phpsessid VALUE`"} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README lacks %q", want)
		}
	}
}

// TestSuggestionsForSlips: a command or option a slip away gets a
// suggestion, a swap of two letters ("tokne") as much as a missing one.
func TestSuggestionsForSlips(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"logn"}, `Did you mean "login"?`},
		{[]string{"tokne"}, `Did you mean "token"?`},
		{[]string{"rferesh"}, `Did you mean "refresh"?`},
		{[]string{"token", "--jsno"}, "did you mean --json?"},
		{[]string{"login", "--haedless"}, "did you mean --headless?"},
	} {
		r := runPixivauth(t, nil, "", tt.args...)
		expectCode(t, r, exitUsage)
		if !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("%q: stderr %q, want %q", tt.args, r.Stderr, tt.want)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"tokne", "token", 1}, {"token", "token", 0}, {"logn", "login", 1}, {"ab", "ba", 1},
		{"abc", "", 3}, {"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a swapped pair
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestArgvSecretWarning: --phpsessid and --totp-secret on the command line
// work, with one warning each that other users can see them and what to use
// instead; their environment and file forms get none.
func TestArgvSecretWarning(t *testing.T) {
	const sessid, totp = "11111111_ArgvSecretValue", "JBSWY3DPEHPK3PXP"
	pw := writeFile(t, "pw", "secret-password\n")
	tests := []struct {
		name string
		env  []string
		args []string
		want []string // warnings; none when empty
	}{
		{"--phpsessid", nil, []string{"--phpsessid", sessid},
			[]string{"--phpsessid puts a secret in the command line", "$PIXIV_PHPSESSID or --phpsessid-file"}},
		{"--totp-secret", nil, []string{"--username", "me", "--password-file", pw, "--totp-secret", totp},
			[]string{"--totp-secret puts a secret in the command line", "$PIXIV_TOTP_SECRET or --totp-secret-file"}},
		{"$PIXIV_PHPSESSID", []string{"PIXIV_PHPSESSID=" + sessid}, nil, nil},
		{"--totp-secret-file", nil, []string{"--username", "me", "--password-file", pw, "--totp-secret-file", writeFile(t, "totp", totp)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A browser that is not there, or a double that is not
			// running, ends the run once the options are read.
			r := runPixivauth(t, append(tt.env, "PIXIVAUTH_BROWSER=/nonexistent/chrome"), "",
				append([]string{"login", "--headless", "--config-dir", t.TempDir(), "--timeout", long,
					"--pixiv-server", closedPort(t), "--insecure"}, tt.args...)...)
			if r.Code != exitBrowser && r.Code != exitUnavailable {
				t.Fatalf("want the browser's or the double's failure (exit 5 or 4):\n%v", r)
			}
			if strings.Contains(r.Stderr, sessid) || strings.Contains(r.Stderr, totp) {
				t.Errorf("stderr holds the secret:\n%v", r)
			}
			if len(tt.want) == 0 && strings.Contains(r.Stderr, "command line") {
				t.Errorf("a warning without a secret in argv:\n%v", r)
			}
			for _, w := range tt.want {
				if strings.Count(r.Stderr, w) != 1 {
					t.Errorf("stderr does not say %q once:\n%v", w, r)
				}
			}
		})
	}
}

// TestEachCommandListsTheOptionsItUses: a command's help lists the options
// it uses and no other (issue 14 found --pixiv-server on version and
// completion, --profile on profiles, --format "accepted for uniformity"),
// every description says something before its examples, and a
// subcommand's help is its own.
func TestEachCommandListsTheOptionsItUses(t *testing.T) {
	t.Parallel()
	network := []string{optTimeout, optPixivServer, optInsecure, optProxy}
	tests := []struct {
		path       string
		has, lacks []string
	}{
		{"refresh", append([]string{optConfigDir, optProfile, optFormat, optRefreshTokenFile}, network...), nil},
		{"token", append([]string{optConfigDir, optProfile, optFormat}, network...), []string{optRefreshTokenFile}},
		{"login", append([]string{optHeadless, optCookies, optUsername, optBrowser}, network...), nil},
		{"demo", []string{optVisible, optBrowser, optTimeout, optConfigDir, optFormat}, []string{optPixivServer, optInsecure, optProxy, optProfile}},
		// --pixiv-server decides whether a profile is read at all.
		{"profiles", []string{optConfigDir, optFormat, optPixivServer}, []string{optProfile, optTimeout, optProxy}},
		{"logout", []string{optConfigDir, optProfile, optPixivServer}, []string{optFormat, optJSON, optTimeout, optProxy}},
		{"session", nil, append([]string{optConfigDir, optProfile, optFormat}, network...)},
		{"session export", []string{optConfigDir, optProfile, optFormat, optOutput, optPixivServer}, []string{optTimeout, optProxy}},
		{"doctor", []string{optBrowser, optPixivServer, optProxy, optFormat}, []string{optProfile}},
		{"version", []string{optFormat, optJSON}, append([]string{optConfigDir, optProfile}, network...)},
		{"completion", nil, append([]string{optConfigDir, optProfile, optFormat, optVerbose}, network...)},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := runPixivauth(t, nil, "", append(strings.Fields(tt.path), "--help")...)
			expectCode(t, r, 0)
			options := r.Stdout[strings.Index(r.Stdout, "OPTIONS:"):]
			for _, o := range tt.has {
				if !strings.Contains(options, "--"+o+" ") && !strings.Contains(options, "--"+o+",") {
					t.Errorf("%s --help does not list --%s", tt.path, o)
				}
			}
			for _, o := range tt.lacks {
				if strings.Contains(options, "--"+o+" ") || strings.Contains(options, "--"+o+",") {
					t.Errorf("%s --help lists --%s, which it does not use", tt.path, o)
				}
			}
			if strings.Contains(r.Stdout, "accepted for uniformity") {
				t.Errorf("%s --help lists an option it ignores", tt.path)
			}
			// The description says what the command does before examples.
			desc := r.Stdout[strings.Index(r.Stdout, "DESCRIPTION:")+len("DESCRIPTION:"):]
			if first := strings.TrimSpace(desc); strings.HasPrefix(first, "EXAMPLES") {
				t.Errorf("%s --help's description is only examples", tt.path)
			}
			// "help PATH" is the same help.
			h := runPixivauth(t, nil, "", append([]string{"help"}, strings.Fields(tt.path)...)...)
			if h.Code != 0 || h.Stdout != r.Stdout {
				t.Errorf("help %s differs from %s --help:\n%v", tt.path, tt.path, h)
			}
		})
	}
	// The top-level help: lower-case lines, and the options work anywhere.
	r := runPixivauth(t, nil, "", "--help")
	if strings.Contains(r.Stdout, "Shows a list") {
		t.Errorf("the help command's line is urfave/cli's capitalised one:\n%s", r.Stdout)
	}
	// An option given before its command still works.
	r = runPixivauth(t, nil, "", "--json", "version")
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.Stdout, "{") {
		t.Errorf("--json before version: %v", r)
	}
	r = runPixivauth(t, nil, "", "completion", "bash", "--pixiv-server", "127.0.0.1:1", "--proxy", "x")
	expectCode(t, r, exitUsage)
	if !strings.Contains(r.Stderr, "unknown option --pixiv-server for completion") {
		t.Errorf("completion with network options: %v", r)
	}
}

// TestHintsAboutTheDouble: a double that is not running is named by its
// address at once, without retries; a double reached without --insecure
// says to add it; the --insecure warning comes once, and only when a
// connection is made.
func TestHintsAboutTheDouble(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	r := runPixivauth(t, nil, "", "refresh", "TOKEN", "--pixiv-server", closed, "--insecure", "--timeout", long)
	expectCode(t, r, exitUnavailable)
	if !strings.Contains(r.Stderr, "nothing listens at "+closed) || strings.Contains(r.Stderr, "tries") {
		t.Errorf("a double that is not running is not named by its address, or was retried:\n%v", r)
	}
	if r.Took > wellBefore {
		t.Errorf("took %s", r.Took)
	}

	f := newFixture(t)
	r = runPixivauth(t, nil, "", "refresh", f.rt, "--pixiv-server", f.srv.Addr(), "--config-dir", f.dir, "--timeout", long)
	expectCode(t, r, exitUnavailable)
	if !strings.Contains(r.Stderr, "add --insecure") {
		t.Errorf("without --insecure, the hint is not to add it:\n%v", r)
	}

	r = f.run(nil, "", "refresh", f.rt, "--timeout", long)
	expectCode(t, r, 0)
	if n := strings.Count(r.Stderr, "--insecure: any certificate is accepted"); n != 1 {
		t.Errorf("the --insecure warning appears %d times:\n%v", n, r)
	}
	for _, args := range [][]string{
		{"refresh", "a b"},             // a usage error
		{"profiles"},                   // reads the cache only
		{"token", "--timeout", "soon"}, // a bad option
	} {
		r := f.run(nil, "", args...)
		if strings.Contains(r.Stderr, "--insecure: any certificate") {
			t.Errorf("%q warns about --insecure without connecting:\n%v", args, r)
		}
	}
}

// TestConfigDirEnvUnderPixivServer: under --pixiv-server a profile is read
// and saved only in a --config-dir given on the command line (the CLI
// contract's isolation rule, which wins over issue 14's wish that
// $PIXIVAUTH_CONFIG_DIR count too); when $PIXIVAUTH_CONFIG_DIR is set and
// so not used, the run says so and why, in a sentence.
func TestConfigDirEnvUnderPixivServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	r := runPixivauth(t, []string{"PIXIVAUTH_CONFIG_DIR=" + dir}, "", "refresh", f.rt, "--pixiv-server", f.srv.Addr(), "--insecure")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, "the tokens were not saved: with --pixiv-server, only a --config-dir given on the command line keeps anything ($PIXIVAUTH_CONFIG_DIR does not count") {
		t.Errorf("the run does not say why $PIXIVAUTH_CONFIG_DIR was not used:\n%v", r)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d entries written to $PIXIVAUTH_CONFIG_DIR", len(entries))
	}
	r = runPixivauth(t, []string{"PIXIVAUTH_CONFIG_DIR=" + dir}, "", "token", "--pixiv-server", f.srv.Addr(), "--insecure")
	expectCode(t, r, exitPerson)
	if !strings.Contains(r.Stderr, "unless --config-dir DIR is given ($PIXIVAUTH_CONFIG_DIR does not count") {
		t.Errorf("token does not say why $PIXIVAUTH_CONFIG_DIR was not used:\n%v", r)
	}
	r = runPixivauth(t, []string{"PIXIVAUTH_CONFIG_DIR=" + dir}, "", "profiles", "--pixiv-server", f.srv.Addr())
	expectCode(t, r, exitUsage)
	if !strings.Contains(r.Stderr, "give one ($PIXIVAUTH_CONFIG_DIR does not count") {
		t.Errorf("profiles does not say why: %v", r)
	}
	// --config-dir is honoured.
	r = runPixivauth(t, nil, "", "refresh", f.newRefreshToken(), "--pixiv-server", f.srv.Addr(), "--insecure", "--config-dir", dir)
	expectCode(t, r, 0)
	if _, err := os.Stat(filepath.Join(dir, "default", "token.json")); err != nil {
		t.Errorf("--config-dir was not used: %v", err)
	}
}

// TestLogoutSaysWhatWasThere: logout names what it deleted and removes the
// profile's directory (lock file and all); a profile that held nothing says
// so instead of claiming a deletion.
func TestLogoutSaysWhatWasThere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", "logout")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, `profile "default" held nothing`) || strings.Contains(r.Stderr, "deleted") {
		t.Errorf("logout of nothing:\n%v", r)
	}
	expectCode(t, f.run(nil, "", "refresh", f.rt), 0)
	c := f.srv.NewSession(f.account.ID)
	if err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{cookieOf(c)}}); err != nil {
		t.Fatal(err)
	}
	r = f.run(nil, "", "logout")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, "deleted the tokens and the browser session, and the profile's directory") {
		t.Errorf("logout does not say what it deleted:\n%v", r)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "default")); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(filepath.Join(f.dir, "default"))
		t.Errorf("the profile directory is still there (%v): %v", err, entries)
	}
	// The profile works again after it.
	expectCode(t, f.run(nil, "", "refresh", f.newRefreshToken()), 0)

	// A file of the person's in the profile stays, and so does the
	// directory, and logout says so.
	notes := filepath.Join(f.dir, "default", "my-notes.txt")
	if err := os.WriteFile(notes, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = f.run(nil, "", "logout")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, "deleted the tokens; kept "+filepath.Join(f.dir, "default")+" and the file in it that pixivauth did not write") {
		t.Errorf("logout does not say what it kept:\n%v", r)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "keep" {
		t.Errorf("logout deleted or changed a file it did not write: %q, %v", b, err)
	}
}

// TestCacheRepairs: a token.json with a refresh token and an empty access
// token is refreshed with it, not moved aside; a config and a profile
// directory with loose permissions are repaired on a read, as files are.
func TestCacheRepairs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := filepath.Join(f.dir, "default")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(f.dir, 0o755)
	os.Chmod(dir, 0o755)
	data, _ := json.Marshal(map[string]any{"access_token": "", "refresh_token": f.rt, "expires_at": time.Now().Add(time.Hour)})
	if err := os.WriteFile(filepath.Join(dir, "token.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := f.run(nil, "", "token")
	expectCode(t, r, 0)
	if strings.Contains(r.Stderr, "corrupt") || f.tokenRequests() != 1 || strings.TrimSpace(r.Stdout) != f.issued().AccessToken {
		t.Errorf("an empty access token was not refreshed with the refresh token (%d requests):\n%v", f.tokenRequests(), r)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "token.json.corrupt-*")); len(matches) > 0 {
		t.Errorf("moved aside: %v", matches)
	}
	for _, d := range []string{f.dir, dir} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want 0700", d, fi.Mode(), err)
		}
	}
	// A read alone (token, with a valid cached token) repairs them too.
	os.Chmod(dir, 0o755)
	r = f.run(nil, "", "token")
	expectCode(t, r, 0)
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 || !strings.Contains(r.Stderr, "repaired permissions of "+dir) {
		t.Errorf("a read did not repair %s (%v):\n%v", dir, fi.Mode(), r)
	}
}

// TestFallbackWindowSaysWhatHappens: without a display, --fallback-window
// says before the login that it cannot open a window (with one, it says
// once that the login goes on in a window: TestLoginFallbackWindow).
func TestFallbackWindowSaysWhatHappens(t *testing.T) {
	t.Parallel()
	acct := pixivtest.Account{Username: "fallback", Password: "pw-fb", Name: "Fallback", Account: "fallback", TOTPSecret: "JBSWY3DPEHPK3PXP"}
	b := newBrowserRun(t, pixivtest.WithAccount(acct)).inShell()
	r := b.run(nil, acct.Password, "login", "--headless", "--fallback-window", "--username", acct.Username,
		"--password-stdin", "--timeout", long)
	expectCode(t, r, exitPerson)
	if !strings.Contains(r.Stderr, "--fallback-window: there is no display here") {
		t.Errorf("without a display, --fallback-window does not say it cannot open a window:\n%v", r)
	}
}

// TestMessagesInTheUsersWords: a value that does not parse is named by
// what the option takes, not by Go's parser.
func TestMessagesInTheUsersWords(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"token", "--timeout", "abc"}, "--timeout takes a duration, such as 90s, 5m or 1h30m"},
		{[]string{"PIXIVAUTH_INSECURE=yes"}, []string{"token", "--pixiv-server", "127.0.0.1:1"}, "$PIXIVAUTH_INSECURE (for --insecure) must be true or false (1 or 0)"},
	} {
		r := runPixivauth(t, tt.env, "", tt.args...)
		expectCode(t, r, exitUsage)
		if !strings.Contains(r.Stderr, tt.want) || strings.Contains(r.Stderr, "strconv") || strings.Contains(r.Stderr, "parse error") {
			t.Errorf("%q: %v; want %q", tt.args, r, tt.want)
		}
	}
	// A store error reaches the person without its package's name.
	file := writeFile(t, "not-a-dir", "")
	r := runPixivauth(t, []string{"PIXIV_REFRESH_TOKEN=x"}, "", "logout", "--config-dir", file)
	if r.Code == 0 || strings.Contains(r.Stderr, "store:") || !strings.Contains(r.Stderr, "not a directory") {
		t.Errorf("a config dir that is a file: %v", r)
	}
}

// TestHintsNameOptionsTheCommandHas: every hint a command can end with
// names only options that command takes (issue 14: check --login was told
// to give --username, demo --visible to use --headless). An option inside
// a quoted command (`pixivauth login`) belongs to that command.
func TestHintsNameOptionsTheCommandHas(t *testing.T) {
	exchangeReasons := []reason.Reason{reason.Rejected, reason.NoToken, reason.Unreachable, reason.Blocked,
		reason.Failing, reason.CacheBusy, reason.OtherUser, reason.NotADirectory}
	browserReasons := []reason.Reason{reason.BrowserMissing, reason.BrowserFailed, reason.BrowserCrashed,
		reason.WindowClosed, reason.NoDisplay, reason.HeadlessBrowser, reason.ProfileInUse}
	loginReasons := []reason.Reason{reason.SessionExpired, reason.NoCredentials, reason.NoSession, reason.WrongPassword,
		reason.AccountLocked, reason.Captcha, reason.OneTimeCode, reason.WrongCode, reason.EmailCode,
		reason.TimedOut, reason.Stalled}
	all := slices.Concat(exchangeReasons, browserReasons, loginReasons)
	without := func(rs []reason.Reason, drop ...reason.Reason) []reason.Reason {
		return slices.DeleteFunc(slices.Clone(rs), func(r reason.Reason) bool { return slices.Contains(drop, r) })
	}
	can := map[string][]reason.Reason{
		"refresh": exchangeReasons,
		"token":   exchangeReasons,
		// check --login is a headless login, in a browser of its own.
		"check": without(all, reason.NoDisplay, reason.HeadlessBrowser, reason.ProfileInUse),
		"login": all,
		// demo logs in to its own double's demo account.
		"demo":   slices.Concat(exchangeReasons, browserReasons, []reason.Reason{reason.Stalled, reason.TimedOut}),
		"doctor": without(slices.Concat(exchangeReasons, browserReasons), reason.OtherUser, reason.NoDisplay),
	}
	app := testApp()
	quoted := regexp.MustCompile("`[^`]*`")
	option := regexp.MustCompile(`--[a-z][a-z-]*`)
	for name, rs := range can {
		cmd := app.Command(name)
		for _, r := range rs {
			h := commandHint(name, fmt.Errorf("x: %w", r))
			for _, o := range option.FindAllString(quoted.ReplaceAllString(h, ""), -1) {
				if !hasOption(cmd.Flags, strings.TrimPrefix(o, "--")) {
					t.Errorf("%s ending with %q hints %q, which names %s: %s does not take it", name, r, h, o, name)
				}
			}
		}
	}
}

// TestCheckLoginDeadSessionHint: check --login with a session Pixiv has
// ended says what check can do, not "give --username", which check
// refuses.
func TestCheckLoginDeadSessionHint(t *testing.T) {
	b := newBrowserRun(t)
	c := b.srv.NewSession(b.account.ID)
	b.srv.ExpireSessions()
	file := writeFile(t, "cookies.json", cookieEditorJSON(".pixiv.net", false, c.Name, c.Value, time.Time{}))
	r := b.run(nil, "", "check", "--login", "--cookies", file, "--timeout", long)
	expectCode(t, r, exitPerson)
	if strings.Contains(r.Stderr, "--username") || !strings.Contains(r.Stderr, "pixivauth login") {
		t.Errorf("check --login's hint names an option check lacks, or no way out:\n%v", r)
	}
}

// TestNoBrowserHints: --no-browser refuses --username, so neither its
// "nothing to log in with" error nor a dead session's names it; a refused
// refresh token says "log in again" once.
func TestNoBrowserHints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", append(f.server(), "login", "--no-browser", "--config-dir", t.TempDir())...)
	expectCode(t, r, exitUsage)
	if strings.Contains(r.Stderr, "--username") || !strings.Contains(r.Stderr, "--no-browser needs a session") {
		t.Errorf("login --no-browser with nothing to log in with:\n%v", r)
	}

	c := f.srv.NewSession(f.account.ID)
	f.srv.ExpireSessions()
	r = f.run(nil, "", append(f.server(), "login", "--no-browser", "--phpsessid", c.Value, "--timeout", long)...)
	expectCode(t, r, exitPerson)
	if strings.Contains(r.Stderr, "--username") || !strings.Contains(r.Stderr, "pixivauth login") || strings.Contains(r.Stderr, "httplogin:") {
		t.Errorf("login --no-browser with a dead session:\n%v", r)
	}

	// check has no --username: check --login's hints do not name it.
	r = f.run(nil, "", append(f.server(), "check", "--login", "--config-dir", t.TempDir())...)
	expectCode(t, r, exitUsage)
	if strings.Contains(r.Stderr, "--username") || !strings.Contains(r.Stderr, "check --login needs a session") {
		t.Errorf("check --login with nothing to log in with:\n%v", r)
	}
	dir := t.TempDir()
	cookies := filepath.Join(dir, "cookies.txt")
	if err := os.WriteFile(cookies, []byte(".pixiv.net\tTRUE\t/\tTRUE\t1\tPHPSESSID\t"+c.Value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = f.run(nil, "", append(f.server(), "check", "--login", "--cookies", cookies, "--config-dir", dir)...)
	expectCode(t, r, exitPerson)
	if strings.Contains(r.Stderr, "--username") || !strings.Contains(r.Stderr, "pixivauth login") {
		t.Errorf("check --login with an expired cookies file:\n%v", r)
	}

	r = f.run(nil, "", append(f.server(), "refresh", "--", "-not-a-token")...)
	expectCode(t, r, exitPerson)
	if strings.Count(r.Stderr, "log in again") != 1 {
		t.Errorf("refresh with a refused token says 'log in again' %d times:\n%v", strings.Count(r.Stderr, "log in again"), r)
	}
}

// TestBrowserURLChecked: a --browser-url that is no DevTools address is a
// usage error, and one that cannot be reached is a browser problem; neither
// error repeats a password or a query value the address carries (a
// DevTools address can hold a token), and the reason is said once.
func TestBrowserURLChecked(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	const password, token = "BrowserPW123", "SecretQ456"
	tests := []struct {
		name, url string
		code      int
		say       string
	}{
		{"no scheme", "not-a-url", exitUsage, "--browser-url is not a DevTools address"},
		{"no port", "ws://bob:" + password + "@127.0.0.1/devtools/browser/x", exitUsage, "--browser-url is not a DevTools address"},
		{"another scheme", "ftp://127.0.0.1:9222/?token=" + token, exitUsage, "--browser-url is not a DevTools address"},
		{"a password, unreachable", "http://bob:" + password + "@" + closed, exitBrowser, "cannot attach to the browser at http://bob:xxxxx@" + closed},
		{"a token, unreachable", "ws://" + closed + "/devtools/browser/x?token=" + token, exitBrowser, "cannot attach to the browser at ws://" + closed + "/devtools/browser/x?token=…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runIn(context.Background(), "", "login", "--browser-url", tt.url, "--config-dir", t.TempDir(), "--timeout", long)
			expectCode(t, r, tt.code)
			if !strings.Contains(r.Stderr, tt.say) {
				t.Errorf("stderr does not say %q:\n%v", tt.say, r)
			}
			for _, secret := range []string{password, token, tt.url} {
				if strings.Contains(r.Stderr, secret) {
					t.Errorf("stderr repeats %q:\n%v", secret, r)
				}
			}
			if n := strings.Count(r.Stderr, closed); n > 1 {
				t.Errorf("the address is said %d times:\n%v", n, r)
			}
		})
	}
}
