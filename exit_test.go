package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain error", errors.New("boom"), 1},
		{"usage", usageErrorf("bad"), 2},
		{"wrapped usage", fmt.Errorf("x: %w", usageErrorf("bad")), 2},
		{"needs a person", needsPersonf("log in"), 3},
		{"rejected refresh token", &exchange.Error{Op: exchange.OpRefresh, Status: 400, Err: exchange.ErrRejected}, 3},
		{"retired password grant", exchange.ErrPasswordGrantRetired, 3},
		{"capture needs a person", fmt.Errorf("login: %w", capture.ErrNeedsPerson), 3},
		{"pixiv unavailable", &exchange.Error{Op: exchange.OpRefresh, Status: 503, Err: exchange.ErrUnavailable}, 4},
		{"stalled", fmt.Errorf("on page X: %w", capture.ErrStalled), 4},
		{"timeout", fmt.Errorf("waiting: %w", context.DeadlineExceeded), 4},
		{"browser", fmt.Errorf("chrome: %w", capture.ErrBrowser), 5},
		{"tokens printed, not saved", &saveError{err: errors.New("read-only")}, 1},
		{"save error joined with another", errors.Join(&saveError{err: errors.New("a")}, &saveError{err: errors.New("b")}), 1},
		{"doctor", &exitError{code: exitFailure, err: errors.New("2 checks failed")}, 1},
		{"reason beats sentinel", reason.Mark(fmt.Errorf("x: %w", capture.ErrNeedsPerson), reason.WrongPassword), 3},
		{"cache busy beats the deadline", fmt.Errorf("lock: %w (%w)", reason.CacheBusy, context.DeadlineExceeded), 1},
		{"other user's profile", fmt.Errorf("save: %w", reason.OtherUser), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestSignalExitCodes(t *testing.T) {
	if got := (signalError{os.Interrupt}).exitCode(); got != 130 {
		t.Errorf("SIGINT exit code %d, want 130", got)
	}
	if got := (signalError{syscall.SIGTERM}).exitCode(); got != 143 {
		t.Errorf("SIGTERM exit code %d, want 143", got)
	}
}

// runInProcess runs pixivauth in this process, as main does (runIn).
func runInProcess(ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	r := runIn(ctx, stdin, args...)
	return r.Code, r.Stdout, r.Stderr
}

// A run canceled by a signal exits with the signal's status, whatever the
// command was doing.
func TestRunCanceledBySignal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a closed loopback port: nothing leaves this machine
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalError{sig})
		code, stdout, stderr := runInProcess(ctx, "", "refresh", "TOKEN", "--pixiv-server", addr, "--insecure")
		want := signalError{sig}.exitCode()
		if code != want || stdout != "" || !strings.Contains(stderr, "interrupted") {
			t.Errorf("after %v: exit %d, stdout %q, stderr %q; want %d, no output, \"interrupted\"", sig, code, stdout, stderr, want)
		}
	}
}

// Usage errors end with status 2, one line and a hint on stderr, and
// nothing on stdout: never the help.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantMsg string
	}{
		{"no command", nil, nil, "no command given"},
		{"unknown command", nil, []string{"refrsh"}, `unknown command "refrsh". Did you mean "refresh"?`},
		{"unknown help topic", nil, []string{"help", "bogus"}, `unknown command "bogus"`},
		{"a token where the command goes", nil, []string{"hNalhGZ8sQ2xYk1p0_4rT9vWmLq3JdZcBfUeH6aIoKy"}, "the first argument is not a command"},
		{"unknown option", nil, []string{"token", "--bogus"}, "unknown option --bogus"},
		// A short secret beginning with "-" is not echoed as an option name:
		// no option of pixivauth has a capital letter.
		{"a short token that begins with a dash", nil, []string{"refresh", "-BadTok123"}, `an argument that begins with "-" is not an option for refresh: if it is a token, put "--" before it`},
		{"bad duration", nil, []string{"token", "--timeout", "soon"}, "timeout"},
		// Options of one kind of login given to the other are said, not
		// ignored.
		{"choose the account headless", nil, []string{"login", "--headless", "--choose-account"}, "--choose-account is for a window"},
		{"a fallback window for a window", nil, []string{"login", "--fallback-window"}, "--fallback-window is for a headless login"},
		{"negative duration", nil, []string{"token", "--timeout=-1s"}, "negative"},
		{"json and format disagree", nil, []string{"token", "--json", "--format", "env"}, "--json and --format env disagree"},
		{"format the command does not print", nil, []string{"check", "--format", "env"}, `check prints text or json, not "env"`},
		{"session format on token", nil, []string{"token", "--format", "cookies.txt"}, "not \"cookies.txt\""},
		{"pixiv server not loopback", nil, []string{"token", "--pixiv-server", "192.0.2.1:443"}, "loopback"},
		{"pixiv server without port", nil, []string{"token", "--pixiv-server", "127.0.0.1"}, "HOST:PORT"},
		{"pixiv server from env, not loopback", map[string]string{"PIXIVAUTH_PIXIV_SERVER": "example.com:443"}, []string{"token"}, "loopback"},
		{"insecure alone", nil, []string{"token", "--insecure"}, "only together with --pixiv-server"},
		{"insecure from env alone", map[string]string{"PIXIVAUTH_INSECURE": "1"}, []string{"token"}, "only together with --pixiv-server"},
		{"proxy with pixiv server", nil, []string{"token", "--pixiv-server", "127.0.0.1:1", "--proxy", "http://127.0.0.1:2"}, "cannot be used together"},
		{"bad proxy scheme", nil, []string{"token", "--proxy", "ftp://127.0.0.1:2"}, "unsupported proxy scheme"},
		{"an unknown browser to take cookies from", nil, []string{"login", "--headless", "--cookies-from-browser", "netscape"}, `unknown browser "netscape"`},
		{"a browser profile with a space, unquoted", nil, []string{"login", "--headless", "--cookies-from-browser", "chromium:Profile", "1"}, `login takes no arguments (a browser profile whose name has spaces needs quotes: --cookies-from-browser "chromium:Profile 1")`},
		{"an empty --profile", nil, []string{"token", "--profile", ""}, `--profile is empty: give a profile name, or leave the option out for "default"`},
		{"an empty --profile=", nil, []string{"logout", "--profile="}, "--profile is empty"},
		{"bad profile name", nil, []string{"token", "--profile", "../etc"}, "--profile: invalid profile name"},
		{"bad profile name from the environment", map[string]string{"PIXIVAUTH_PROFILE": "../etc"}, []string{"token"}, "$PIXIVAUTH_PROFILE: invalid profile name"},
		{"two refresh tokens", nil, []string{"refresh", "a", "b"}, "one refresh token, not 2 arguments"},
		{"options after --", nil, []string{"refresh", "--", "-aToken", "--json"}, `not 2 arguments (every word after "--" is an argument: put options before it)`},
		{"an option after -- on a command without arguments", nil, []string{"login", "--", "--headless"}, `login takes no arguments (every word after "--" is an argument`},
		{"an option after -- where a hint comes first", nil, []string{"token", "--", "--json"}, `token takes no arguments (to refresh a given token: pixivauth refresh TOKEN) (every word after "--" is an argument`},
		{"an argument to a command without arguments", nil, []string{"logout", "work"}, "logout takes no arguments (the profile is --profile NAME)"},
		{"blank refresh token", nil, []string{"refresh", "  "}, "is empty"},
		{"refresh token with a space", nil, []string{"refresh", "a b"}, "whitespace"},
		{"blank env token", map[string]string{envRefreshToken: " \n"}, []string{"refresh"}, "$PIXIV_REFRESH_TOKEN is empty"},
		{"missing token file", nil, []string{"refresh", "--refresh-token-file", "/nonexistent/token"}, "--refresh-token-file"},
		{"headless with nothing", nil, []string{"login", "--headless"}, "needs something to log in with"},
		{"username without password", nil, []string{"login", "--headless", "--username", "me"}, "needs a password"},
		{"two password sources", nil, []string{"login", "--headless", "--username", "me", "--password-stdin", "--password-file", "/nonexistent"}, "--password-stdin and --password-file both give the password"},
		{"a password on the command line", nil, []string{"login", "--headless", "--username", "me", "--password", "hunter2-password"}, "unknown option --password for login; a password is never taken from the command line, where other users can read it: use --password-stdin, $PIXIV_PASSWORD or --password-file FILE"},
		{"a password on the command line, with =", nil, []string{"login", "--password=hunter2-password"}, "use --password-stdin, $PIXIV_PASSWORD or --password-file FILE"},
		{"two password sources, at a double with --insecure", nil, []string{"login", "--headless", "--pixiv-server", "127.0.0.1:1", "--insecure", "--username", "me", "--password-stdin", "--password-file", "/nonexistent"}, "--password-stdin and --password-file both give the password"},
		{"a secret and its file", nil, []string{"login", "--headless", "--phpsessid", "x", "--phpsessid-file", "/nonexistent"}, "--phpsessid and --phpsessid-file give the same secret"},
		{"a TOTP secret and its file", map[string]string{envPassword: "pw"}, []string{"login", "--headless", "--username", "me", "--totp-secret", "JBSWY3DPEHPK3PXP", "--totp-secret-file", "/nonexistent"}, "--totp-secret and --totp-secret-file give the same secret"},
		{"session without subcommand", nil, []string{"session"}, "session needs a command"},
		{"unknown session subcommand", nil, []string{"session", "import"}, `unknown session command "import"`},
		{"completion without shell", nil, []string{"completion"}, "one shell"},
		{"completion for an unknown shell", nil, []string{"completion", "tcsh"}, `no completion for "tcsh"`},
		{"demo with a pixiv server", nil, []string{"demo", "--pixiv-server", "127.0.0.1:1"}, "unknown option --pixiv-server for demo"},
		{"test setting without a pixiv server", map[string]string{envTestStall: "1s"}, []string{"token"}, "accepted only together with --pixiv-server"},
		{"test setting that is not a duration", map[string]string{envTestBackoff: "soon"}, []string{"token", "--pixiv-server", "127.0.0.1:1"}, "positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PIXIVAUTH_CONFIG_DIR", t.TempDir())
			d := deps{secretEnv: secretEnv{}}
			for k, v := range tt.env {
				if slices.Contains(secretEnvVars[:], k) {
					d.secretEnv[k] = v // main takes these out of the environment
				} else {
					t.Setenv(k, v)
				}
			}
			r := runInWith(context.Background(), d, "", tt.args...)
			code, stdout, stderr := r.Code, r.Stdout, r.Stderr
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], tt.wantMsg) || !strings.HasPrefix(lines[1], "Run 'pixivauth") {
				t.Errorf("stderr %q; want one line with %q and a hint", stderr, tt.wantMsg)
			}
			if strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr repeats the password given: %q", stderr)
			}
			for _, a := range tt.args {
				if len(a) > 32 && strings.Contains(stderr, a) {
					t.Errorf("stderr repeats the token-like argument %q", a)
				}
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"refresh", "--help"}, {"help", "refresh"}, {"session", "export", "-h"}} {
		code, stdout, stderr := runInProcess(context.Background(), "", args...)
		if code != 0 || !strings.Contains(stdout, "USAGE") || stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want the help on stdout", args, code, stdout, stderr)
		}
	}
	_, stdout, _ := runInProcess(context.Background(), "", "--help")
	for _, want := range []string{"EXIT STATUS", "130", "EXAMPLES", "--verbose, -v", "--version"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}, {"version", "-v"}} {
		code, stdout, _ := runInProcess(context.Background(), "", args...)
		if code != 0 || !strings.HasPrefix(stdout, "pixivauth ") {
			t.Errorf("%q: exit %d, stdout %q; want the version", args, code, stdout)
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runInProcess(context.Background(), "", "completion", shell)
		if code != 0 || !strings.Contains(stdout, "refresh") || !strings.Contains(stdout, "refresh-token-file") {
			t.Errorf("completion %s: exit %d, stderr %q, script lacks the commands", shell, code, stderr)
		}
	}
	// The bash script completes, run by bash as a shell would.
	_, script, _ := runInProcess(context.Background(), "", "completion", "bash")
	file := filepath.Join(t.TempDir(), "completion.bash")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"pixivauth re":                             "refresh",
		"pixivauth session ex":                     "export",
		"pixivauth --profile w session export --f": "--format",
		"pixivauth login --head":                   "--headless",
	} {
		words := strings.Fields(line)
		complete := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pixivauth; echo "${COMPREPLY[*]}"`
		out, err := exec.Command("bash", append([]string{"-c", complete, "bash", file}, words...)...).Output()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("completing %q: %q, %v; want %q", line, out, err, want)
		}
	}
}

// TestEveryReasonHasAnExit reads the reasons declared in package reason and
// checks that the CLI's one table gives each an exit status: a reason added
// there without an entry here would exit 1 unexplained.
func TestEveryReasonHasAnExit(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("reason", "reason.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					t.Fatalf("a Reason that is not a string literal: %v", vs.Names)
				}
				r := reason.Reason(lit.Value[1 : len(lit.Value)-1])
				n++
				e, ok := reasons[r]
				switch {
				case !ok:
					t.Errorf("reason %v (%q) has no entry in the exit table", vs.Names, r)
				case e.code < exitFailure || e.code > exitBrowser:
					t.Errorf("reason %q exits %d", r, e.code)
				}
				if err := fmt.Errorf("x: %w", r); exitCode(err) != e.code {
					t.Errorf("exitCode of an error wrapping %q is %d, want %d", r, exitCode(err), e.code)
				}
			}
		}
	}
	if n != len(reasons) {
		t.Errorf("reason.go declares %d reasons, the table has %d entries", n, len(reasons))
	}
}

// TestHintJoins: a hint that is another way out continues the message's
// sentence (", or …"); any other follows a colon.
func TestHintJoins(t *testing.T) {
	for _, tt := range []struct {
		name  string
		given string // an option on the command line
		err   error
		want  string
	}{
		{"a way out", "", reason.Mark(errors.New("firefox:work has no live PHPSESSID cookie of pixiv.net: log in to pixiv.net in that browser first"), reason.NoBrowserSession),
			"pixivauth: firefox:work has no live PHPSESSID cookie of pixiv.net: log in to pixiv.net in that browser first, or log in here with a window (`pixivauth login`)\n"},
		{"another way out of a store", "", reason.Mark(errors.New("chromium's v11 cookies are encrypted with …; start and unlock the keyring the browser uses in this session"), reason.BrowserStoreUnreadable),
			"pixivauth: chromium's v11 cookies are encrypted with …; start and unlock the keyring the browser uses in this session, or export the browser's Pixiv cookies as a cookies.txt and give --cookies FILE\n"},
		{"another step", "", reason.Mark(errors.New("Pixiv refused the one-time code"), reason.WrongCode),
			"pixivauth: Pixiv refused the one-time code: check --totp-secret and this machine's clock\n"},
		{"a dead session from the browser", optCookiesFromBrowser, reason.Mark(errors.New("the session has expired: Pixiv shows the login form"), reason.SessionExpired),
			"pixivauth: the session has expired: Pixiv shows the login form: log in to pixiv.net in that browser again, or log in here with a window (`pixivauth login`)\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			p := &program{stderr: &stderr, command: "login", given: map[string]bool{tt.given: tt.given != ""}}
			p.report(tt.err)
			if stderr.String() != tt.want {
				t.Errorf("report wrote\n%q\nwant\n%q", stderr.String(), tt.want)
			}
		})
	}
}
