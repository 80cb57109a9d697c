package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestCheckSecret(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        string
	}{
		{"plain", "abc_DEF-123", "abc_DEF-123", ""},
		{"trailing newline", "abc\n", "abc", ""},
		{"windows newline", "abc\r\n", "abc", ""},
		{"surrounding spaces and tabs", " \tabc \t", "abc", ""},
		{"empty", "", "", "is empty"},
		{"only whitespace", " \n\t", "", "is empty"},
		{"inner space", "ab c", "", "whitespace"},
		{"inner newline", "ab\nc", "", "whitespace"},
		{"inner tab", "ab\tc", "", "whitespace"},
		{"inner NUL", "ab\x00c", "", "control"},
		{"inner escape", "ab\x1bc", "", "control"},
		{"inner no-break space", "ab\u00a0c", "", "whitespace"},
		{"inner DEL", "ab\x7fc", "", "control"},
		{"non-ASCII letters are fine", "tökén", "tökén", ""},
		{"a byte order mark before it", "\ufeffabc\r\n", "abc", ""},
		{"inner byte order mark", "ab\ufeffc", "", "invisible"},
		{"inner zero-width space", "ab\u200bc", "", "invisible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkSecret("the token", tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("checkSecret(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			var usage *usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("checkSecret(%q) = %q, %v; want a usage error about %q", tt.in, got, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), strings.TrimSpace(tt.in)) && strings.TrimSpace(tt.in) != "" {
				t.Errorf("the error %q quotes the secret", err)
			}
		})
	}
}

// refreshTokenOf runs a command with refresh's options and returns what
// refreshTokenInput makes of args, stdin and the environment's secrets.
func refreshTokenOf(t *testing.T, env secretEnv, stdin string, args ...string) (token, source string, err error) {
	t.Helper()
	p := &program{stdin: strings.NewReader(stdin), stdout: io.Discard, stderr: io.Discard, deps: deps{secretEnv: env}}
	app := &cli.App{
		Name:   programName,
		Writer: io.Discard, ErrWriter: io.Discard,
		Flags: []cli.Flag{refreshTokenFileFlag()},
		Action: func(c *cli.Context) error {
			token, source, err = p.refreshTokenInput(readRefresh(c))
			return nil
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	if runErr := app.Run(append([]string{programName}, args...)); runErr != nil {
		t.Fatalf("running %q: %v", args, runErr)
	}
	return token, source, err
}

func TestRefreshTokenPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blankFile := filepath.Join(dir, "blank")
	if err := os.WriteFile(blankFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const noEnv = "\x00unset"
	tests := []struct {
		name       string
		env, stdin string
		args       []string
		want, from string
		wantErr    bool
	}{
		{"argument wins over everything", "from-env", "", []string{"--refresh-token-file", file, "--", "from-arg"}, "from-arg", "the argument", false},
		{"stdin for -", "from-env", "from-stdin\n", []string{"--", "-"}, "from-stdin", "stdin", false},
		{"file wins over the environment", "from-env", "", []string{"--refresh-token-file", file}, "from-file", "--refresh-token-file", false},
		{"file - reads stdin", noEnv, " from-stdin ", []string{"--refresh-token-file", "-"}, "from-stdin", "--refresh-token-file", false},
		{"environment", "from-env\n", "", nil, "from-env", "$PIXIV_REFRESH_TOKEN", false},
		{"none: the cache comes next", noEnv, "", nil, "", "", false},
		{"a token may begin with a dash", noEnv, "", []string{"--", "-weird"}, "-weird", "the argument", false},
		{"blank argument", "from-env", "", []string{"--", " "}, "", "", true},
		{"blank stdin", "from-env", "\n", []string{"--", "-"}, "", "", true},
		{"blank file", "from-env", "", []string{"--refresh-token-file", blankFile}, "", "", true},
		{"set but empty environment", "", "", nil, "", "", true},
		{"environment with a space inside", "a b", "", nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := secretEnv{envRefreshToken: tt.env}
			if tt.env == noEnv {
				env = nil
			}
			got, from, err := refreshTokenOf(t, env, tt.stdin, tt.args...)
			if tt.wantErr {
				if exitCode(err) != exitUsage {
					t.Errorf("got %q, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil || got != tt.want || from != tt.from {
				t.Errorf("got %q from %q, %v; want %q from %q", got, from, err, tt.want, tt.from)
			}
		})
	}
}

func TestStdinIsReadOnce(t *testing.T) {
	p := &program{stdin: strings.NewReader("secret\n")}
	if got, err := p.readSecretFile("--password-stdin", "-"); err != nil || got != "secret" {
		t.Fatalf("first read: %q, %v", got, err)
	}
	_, err := p.readSecretFile("--phpsessid-file", "-")
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "cannot both read stdin") {
		t.Errorf("second read of stdin: %v; want a usage error", err)
	}
}

func TestSecretFileTooLarge(t *testing.T) {
	p := &program{stdin: strings.NewReader(strings.Repeat("x", maxSecretFile+1))}
	if _, err := p.readSecretFile("stdin", "-"); exitCode(err) != exitUsage {
		t.Errorf("an oversized secret: %v; want a usage error", err)
	}
}

// TestTakeSecretEnv: main takes the secret variables out of the process's
// environment, and every process pixivauth starts inherits that
// environment. (TestNoSecretLeaks checks a real browser's.)
func TestTakeSecretEnv(t *testing.T) {
	for _, name := range secretEnvVars {
		t.Setenv(name, "value of "+name)
	}
	t.Setenv("PIXIVAUTH_PROFILE", "work") // not a secret: it stays
	t.Setenv("HTTPS_PROXY", "http://user:value of the proxy password@127.0.0.1:1")
	t.Setenv("http_proxy", "http://127.0.0.1:2") // no password: it stays
	got := takeSecretEnv()
	if got["HTTPS_PROXY"] == "" || os.Getenv("HTTPS_PROXY") != "" || os.Getenv("http_proxy") == "" {
		t.Errorf("a proxy with a password was not taken, or one without was: %q", got)
	}
	delete(got, "HTTPS_PROXY")
	for _, name := range secretEnvVars {
		if got[name] != "value of "+name {
			t.Errorf("took %s = %q", name, got[name])
		}
		if _, ok := os.LookupEnv(name); ok {
			t.Errorf("%s is still in the environment", name)
		}
	}
	if len(got) != len(secretEnvVars) {
		t.Errorf("took %d variables, want %d", len(got), len(secretEnvVars))
	}
	out, err := exec.Command("env").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "value of ") || !strings.Contains(string(out), "PIXIVAUTH_PROFILE=work") {
		t.Errorf("a child's environment:\n%s", out)
	}
}

// TestProxyChoice: the proxy pixivauth uses, and that its browser follows
// the same choice: a browser given no proxy would take one from the
// environment or the desktop, and send a double's traffic (whose hosts it
// asks for by name) to the real Pixiv through it.
func TestProxyChoice(t *testing.T) {
	const envProxy = "http://127.0.0.1:3128"
	tests := []struct {
		name      string
		flag      string
		given     bool
		server    string
		env       []string
		wantProxy string // "" for direct
	}{
		{"nothing", "", false, "", nil, ""},
		{"$HTTPS_PROXY", "", false, "", []string{"HTTPS_PROXY=" + envProxy}, envProxy},
		{"--proxy", "http://127.0.0.1:8080", true, "", []string{"HTTPS_PROXY=" + envProxy}, "http://127.0.0.1:8080"},
		{`--proxy "" is no proxy, whatever the environment says`, "", true, "", []string{"HTTPS_PROXY=" + envProxy}, ""},
		{"$NO_PROXY excludes Pixiv", "", false, "", []string{"HTTPS_PROXY=" + envProxy, "NO_PROXY=.pixiv.net"}, ""},
		{"a double is reached directly", "", false, "127.0.0.1:8443", []string{"HTTPS_PROXY=" + envProxy}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range append([]string{"NO_PROXY", "no_proxy"}, browserProxyEnvVars...) {
				t.Setenv(name, "")
			}
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			o := &options{program: &program{stderr: io.Discard, given: map[string]bool{optProxy: tt.given}}, server: tt.server}
			if err := o.setProxy(tt.flag); err != nil {
				t.Fatal(err)
			}
			opts := o.browserOptions()
			if opts.Proxy != tt.wantProxy {
				t.Errorf("the browser's proxy is %q, want %q", opts.Proxy, tt.wantProxy)
			}
			if direct := opts.Flags["no-proxy-server"] == true; direct != (tt.wantProxy == "") {
				t.Errorf("--no-proxy-server is %v with the browser's proxy %q", direct, opts.Proxy)
			}
		})
	}
}
