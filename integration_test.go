package main

// The tests in this file build pixivauth once and run it as a user would,
// against a Pixiv double (pixivtest) on loopback, reached with
// --pixiv-server ADDR --insecure, or through a local CONNECT proxy. Nothing
// here ever reaches the real Pixiv.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
	"github.com/urfave/cli/v2"
)

// binary is the pixivauth built by TestMain.
var binary string

// envRead are the environment variables pixivauth reads. TestMain clears
// them, so that a run in this process (runIn) sees no setting of the
// machine's or the developer's: a run that needs one is a run of the binary
// with an environment of its own.
var envRead = []string{
	"PIXIV_REFRESH_TOKEN", "PIXIV_PASSWORD", "PIXIVAUTH_CONFIG_DIR", "PIXIVAUTH_PROFILE", "PIXIVAUTH_PIXIV_SERVER",
	"PIXIVAUTH_INSECURE", "PIXIVAUTH_BROWSER", "PIXIV_PHPSESSID", "PIXIV_TOTP_SECRET", "GITHUB_ACTIONS",
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
	envTestStall, envTestBackoff,
}

// copiedBoolFlag is a cli.BoolFlag that applies a copy of itself at each
// parse. urfave/cli/v2 adds its package-level HelpFlag and VersionFlag to
// every app and command, and BoolFlag.Apply writes to the flag: harmless in
// a process that parses once, a data race when tests call run() in
// parallel. Everything else (names, help text) is the flag's own.
type copiedBoolFlag struct{ *cli.BoolFlag }

func (f copiedBoolFlag) Apply(set *flag.FlagSet) error {
	c := *f.BoolFlag
	return c.Apply(set)
}

func TestMain(m *testing.M) {
	for _, name := range envRead {
		os.Unsetenv(name)
	}
	for _, global := range []*cli.Flag{&cli.HelpFlag, &cli.VersionFlag} {
		if bf, ok := (*global).(*cli.BoolFlag); ok {
			*global = copiedBoolFlag{bf}
		}
	}
	dir, err := os.MkdirTemp("", "pixivauth-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "pixivauth")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building pixivauth: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := testenv.MainTrappingLog(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// long is a --timeout that no failure the tool can recognise should come
// near: a run that ends well before it ended because it recognised the
// failure, not because it gave up waiting.
const long = "10m"

// wellBefore is "well before long".
const wellBefore = 2 * time.Minute

// result is one finished run, of the binary or in this process.
type result = testenv.Result

// browserSlots bounds the browsers the tests of this package run at once:
// the machine has two cores, and Chromium is heavy. Every test that starts
// one (a login, the demo, doctor) holds a slot while its browser runs.
var browserSlots = make(chan struct{}, 4)

// holdBrowserSlot takes a slot of browserSlots for the rest of the test.
func holdBrowserSlot(t testing.TB) {
	browserSlots <- struct{}{}
	t.Cleanup(func() { <-browserSlots })
}

// runIn runs pixivauth in this process, with run(), as main does: for a
// run that starts no browser and needs no environment of its own (TestMain
// cleared the one pixivauth reads). It is what most tests use: no process
// to start, and the race detector sees the CLI's code.
func runIn(ctx context.Context, stdin string, args ...string) result {
	return runInWith(ctx, deps{}, stdin, args...)
}

// runInWith is runIn with d in place of what a run takes from outside: a
// fake browser (authtest.Coder), so that a login runs in this process too.
func runInWith(ctx context.Context, d deps, stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(ctx, d, append([]string{programName}, args...), strings.NewReader(stdin), &stdout, &stderr)
	return result{Code: code, Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start)}
}

// runPixivauth runs the built pixivauth with args, env added to a clean
// environment of its own (testenv.Run), and stdin.
func runPixivauth(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	r := testenv.NewRun(t).Exec(binary, env, stdin, args...)
	if r.Signal != "" {
		t.Fatalf("pixivauth died of %s\n%v", r.Signal, r)
	}
	return r
}

// fixture is a Pixiv double with the demo account, a refresh token it
// knows, and the world of the runs (a config dir, HOME, TMPDIR).
type fixture struct {
	*testenv.Run
	t       *testing.T
	srv     *pixivtest.Server
	account pixivtest.Account
	rt      string
	dir     string // --config-dir
}

func newFixture(t *testing.T, opts ...pixivtest.Option) *fixture {
	t.Helper()
	account := pixivtest.DemoAccount()
	srv := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(account)}, opts...)...)
	t.Cleanup(srv.Close)
	r := testenv.NewRun(t)
	f := &fixture{Run: r, t: t, srv: srv, account: account, dir: r.Config}
	f.rt = f.newRefreshToken()
	return f
}

// newRefreshToken is a new refresh token of the account from the double.
// Tests pass it as an argument before options; one that begins with "-"
// (one in 64 of them) would need "--" (TestRefreshTokenBeginningWithDash
// covers that), so it never does.
func (f *fixture) newRefreshToken() string {
	rt := f.srv.NewRefreshToken(f.account.ID)
	for strings.HasPrefix(rt, "-") {
		rt = f.srv.NewRefreshToken(f.account.ID)
	}
	return rt
}

// server is the options that point pixivauth at the double, with the
// fixture's config dir.
func (f *fixture) server() []string {
	return []string{"--pixiv-server", f.srv.Addr(), "--insecure", "--config-dir", f.dir}
}

// run runs pixivauth at the double: its options first, then args. A run
// with no environment of its own runs in this process (runIn); one with
// env runs the binary, since run() reads the process's environment.
func (f *fixture) run(env []string, stdin string, args ...string) result {
	f.t.Helper()
	args = append(f.server(), args...)
	if len(env) == 0 {
		return runIn(context.Background(), stdin, args...)
	}
	return f.exec(env, stdin, args...)
}

// exec runs the built binary, whatever env is.
func (f *fixture) exec(env []string, stdin string, args ...string) result {
	f.t.Helper()
	r := f.Exec(binary, env, stdin, args...)
	if r.Signal != "" {
		f.t.Fatalf("pixivauth died of %s\n%v", r.Signal, r)
	}
	return r
}

// issued is the last access token the double issued.
func (f *fixture) issued() exchange.Token {
	f.t.Helper()
	all := f.srv.Issued()
	if len(all) == 0 {
		f.t.Fatal("the double issued no token")
	}
	last := all[len(all)-1]
	return exchange.Token{AccessToken: last.AccessToken, RefreshToken: last.RefreshToken}
}

func (f *fixture) tokenRequests() int { return len(f.srv.TokenRequests()) }

// profile opens the fixture's default profile, to seed or inspect it.
func (f *fixture) profile() *store.Profile {
	f.t.Helper()
	p, err := (&store.Store{Dir: f.dir}).Profile("default")
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func decodeToken(t *testing.T, r result) printedToken {
	t.Helper()
	var p printedToken
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
		t.Fatalf("stdout is not the token JSON: %v\n%v", err, r)
	}
	return p
}

func expectCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d, got\n%v", code, r)
	}
	if code != 0 && code != 1 && r.Stdout != "" {
		t.Errorf("a failed run printed on stdout:\n%v", r)
	}
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRefreshTokenSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   func(f *fixture) []string
		stdin func(f *fixture) string
		args  func(f *fixture) []string
	}{
		{name: "argument", args: func(f *fixture) []string { return []string{"refresh", f.rt, "--json"} }},
		{name: "options around the argument", args: func(f *fixture) []string { return []string{"--json", "refresh", "-v", f.rt, "--profile", "default"} }},
		{name: "stdin", stdin: func(f *fixture) string { return f.rt + "\n" },
			args: func(f *fixture) []string { return []string{"refresh", "-", "--json"} }},
		{name: "environment", env: func(f *fixture) []string { return []string{"PIXIV_REFRESH_TOKEN=" + f.rt} },
			args: func(f *fixture) []string { return []string{"refresh", "--json"} }},
		{name: "file", args: func(f *fixture) []string {
			file := filepath.Join(f.t.TempDir(), "token")
			if err := os.WriteFile(file, []byte(f.rt+"\n"), 0o600); err != nil {
				f.t.Fatal(err)
			}
			return []string{"refresh", "--refresh-token-file", file, "--json"}
		}},
		{name: "argument beats environment", env: func(f *fixture) []string { return []string{"PIXIV_REFRESH_TOKEN=not-this-one"} },
			args: func(f *fixture) []string { return []string{"refresh", f.rt, "--json"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var env []string
			stdin := ""
			if tt.env != nil {
				env = tt.env(f)
			}
			if tt.stdin != nil {
				stdin = tt.stdin(f)
			}
			r := f.run(env, stdin, tt.args(f)...)
			expectCode(t, r, 0)
			got := decodeToken(t, r)
			if got.AccessToken != f.issued().AccessToken || got.RefreshToken != f.rt {
				t.Errorf("printed %+v; want the issued access token and the refresh token", got)
			}
			if got.User.ID != f.account.ID || got.User.Account != f.account.Account || got.ExpiresIn < 3500 || got.ExpiresIn > 3600 {
				t.Errorf("printed %+v; want the demo user and about an hour", got)
			}
			reqs := f.srv.TokenRequests()
			if len(reqs) != 1 || reqs[0].Form.Get("refresh_token") != f.rt || reqs[0].Form.Get("grant_type") != pixiv.GrantRefreshToken {
				t.Errorf("the double saw %d token requests; want one refresh with the token", len(reqs))
			}
			// The cache now serves as the last source.
			r = f.run(nil, "", "refresh", "--json")
			expectCode(t, r, 0)
			if reqs := f.srv.TokenRequests(); len(reqs) != 2 || reqs[1].Form.Get("refresh_token") != f.rt {
				t.Errorf("refresh from the cache did not send the cached refresh token")
			}
		})
	}
}

func TestRefreshTokenBeginningWithDash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", "refresh", "--json", "--", "-weird")
	expectCode(t, r, exitPerson) // the double does not know it: rejected
	if reqs := f.srv.TokenRequests(); len(reqs) != 1 || reqs[0].Form.Get("refresh_token") != "-weird" {
		t.Errorf("the double did not see the token -weird")
	}
}

func TestRefreshRejected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", "refresh", "unknown-token", "--timeout", long)
	expectCode(t, r, exitPerson)
	if !strings.Contains(r.Stderr, "rejected") || !strings.Contains(r.Stderr, "pixivauth login") {
		t.Errorf("stderr does not say the token was rejected and what to do:\n%v", r)
	}
	if r.Took > wellBefore {
		t.Errorf("a rejection took %s", r.Took)
	}
}

func TestPixivFailing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    pixivtest.Fault
		requests int
		say      string
	}{
		{"503 after retries", pixivtest.Fault{Status: 503, Body: `{"has_error":true}`}, 4, "failing"},
		{"Cloudflare's block page", pixivtest.CloudflareBlock(), 1, "Cloudflare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.srv.Inject(pixivtest.EndpointToken, tt.fault)
			r := f.run(nil, "", "refresh", f.rt, "--timeout", long)
			expectCode(t, r, exitUnavailable)
			if got := f.tokenRequests(); got != tt.requests {
				t.Errorf("the double saw %d token requests, want %d", got, tt.requests)
			}
			if !strings.Contains(r.Stderr, tt.say) {
				t.Errorf("stderr does not say %q:\n%v", tt.say, r)
			}
			if r.Took > wellBefore {
				t.Errorf("took %s with --timeout %s", r.Took, long)
			}
		})
	}
}

func TestPixivUnreachable(t *testing.T) {
	t.Parallel()
	r := runPixivauth(t, []string{envTestBackoff + "=10ms"}, "", "refresh", "TOKEN", "--pixiv-server", closedPort(t), "--insecure", "--timeout", long)
	expectCode(t, r, exitUnavailable)
	if !strings.Contains(r.Stderr, "connection refused") || r.Took > wellBefore {
		t.Errorf("want a quick 'connection refused':\n%v", r)
	}
	if strings.Contains(r.Stderr, "--timeout") {
		t.Errorf("a failure long before --timeout blames it:\n%v", r)
	}
}

// A run that fails once its --timeout is used up says the timeout may be
// what was short, not only the network.
func TestShortTimeoutNamed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.Inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true})
	r := f.run(nil, "", "refresh", f.rt, "--timeout", "300ms")
	expectCode(t, r, exitUnavailable)
	if !strings.Contains(r.Stderr, "did not answer in time") || !strings.Contains(r.Stderr, "the run used all of its --timeout 300ms: if Pixiv is only slow, give a longer one") ||
		strings.Count(r.Stderr, "\n") != 2 { // beside --insecure's warning
		t.Errorf("want one line that names --timeout:\n%v", r)
	}
}

// Bad input ends the run with status 2 before any request.
func TestBadInputMakesNoRequest(t *testing.T) {
	t.Parallel()
	blank := filepath.Join(t.TempDir(), "blank")
	if err := os.WriteFile(blank, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		env   []string
		stdin string
		args  []string
	}{
		{"empty argument", nil, "", []string{"refresh", ""}},
		{"blank argument", nil, "", []string{"refresh", " \t"}},
		{"space inside", nil, "", []string{"refresh", "abc def"}},
		{"control character inside", nil, "", []string{"refresh", "abc\x01def"}},
		{"blank stdin", nil, "\n", []string{"refresh", "-"}},
		{"blank environment", []string{"PIXIV_REFRESH_TOKEN= "}, "", []string{"refresh"}},
		{"blank file", nil, "", []string{"refresh", "--refresh-token-file", blank}},
		{"blank environment for token", []string{"PIXIV_REFRESH_TOKEN=a\tb"}, "", []string{"token"}},
		{"blank argument for check", nil, "", []string{"check", " "}},
		{"no token at all", nil, "", []string{"refresh"}},
		{"unknown option", nil, "", []string{"refresh", "--bogus", "TOKEN"}},
		{"unknown command", nil, "", []string{"refrsh", "TOKEN"}},
		{"headless login with nothing to log in with", nil, "", []string{"login", "--headless"}},
		{"headless login without a password", nil, "", []string{"login", "--headless", "--username", "demo"}},
		{"password without a username", nil, "pw\n", []string{"login", "--headless", "--password-stdin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := f.run(tt.env, tt.stdin, append(tt.args, "--timeout", long)...)
			expectCode(t, r, exitUsage)
			if n := len(f.srv.Requests()); n != 0 {
				t.Errorf("the double saw %d requests", n)
			}
			if lines := strings.Count(r.Stderr, "\n"); lines > 3 || strings.Contains(r.Stderr, "USAGE") {
				t.Errorf("want a short error, not the help:\n%v", r)
			}
			if r.Took > wellBefore {
				t.Errorf("took %s", r.Took)
			}
		})
	}
	t.Run("suggestion", func(t *testing.T) {
		r := runIn(context.Background(), "", "refrsh")
		if !strings.Contains(r.Stderr, `Did you mean "refresh"?`) {
			t.Errorf("no suggestion:\n%v", r)
		}
	})
}

func TestTokenUsesTheCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run([]string{"PIXIV_REFRESH_TOKEN=" + f.rt}, "", "token")
	expectCode(t, r, 0)
	first := f.issued().AccessToken
	if r.Stdout != first+"\n" {
		t.Fatalf("token printed %q, want the issued access token alone", r.Stdout)
	}
	for _, env := range [][]string{nil, {"PIXIV_REFRESH_TOKEN=" + f.rt}} {
		r = f.run(env, "", "token")
		expectCode(t, r, 0)
		if r.Stdout != first+"\n" {
			t.Errorf("a cache hit printed %q, want %q", r.Stdout, first)
		}
	}
	if got := f.tokenRequests(); got != 1 {
		t.Errorf("the double saw %d token requests; cache hits must make none", got)
	}
	// Another refresh token in the environment names another account: the
	// cached access token is not its.
	other := f.srv.NewRefreshToken(f.account.ID)
	r = f.run([]string{"PIXIV_REFRESH_TOKEN=" + other}, "", "token")
	expectCode(t, r, 0)
	if got := f.tokenRequests(); got != 2 || f.srv.TokenRequests()[1].Form.Get("refresh_token") != other {
		t.Errorf("want a refresh with the environment's token; %d requests", got)
	}
}

func TestTokenRefreshesWhenExpiring(t *testing.T) {
	t.Parallel()
	// Tokens that live 30 s have less than the minute of leeway left.
	f := newFixture(t, pixivtest.WithAccessTokenTTL(30*time.Second))
	r := f.run([]string{"PIXIV_REFRESH_TOKEN=" + f.rt}, "", "token")
	expectCode(t, r, 0)
	first := r.Stdout
	r = f.run(nil, "", "token", "--json")
	expectCode(t, r, 0)
	if got := decodeToken(t, r); got.AccessToken+"\n" == first || got.AccessToken != f.issued().AccessToken {
		t.Errorf("an expiring token was not refreshed")
	}
	if got := f.tokenRequests(); got != 2 {
		t.Errorf("the double saw %d token requests, want 2", got)
	}
}

// Ten token runs at once with a stale cache make one refresh: the lock
// makes the others wait and find the fresh token.
func TestTokenParallelRefreshesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	err := f.profile().SaveToken(context.Background(), &exchange.Token{AccessToken: "stale", RefreshToken: f.rt, TokenType: "bearer",
		Expiry: time.Now().Add(-time.Hour), User: exchange.User{ID: f.account.ID}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = f.run(nil, "", "token", "--timeout", long)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || r.Stdout != results[0].Stdout {
			t.Errorf("run %d:\n%v", i, r)
		}
	}
	if got := f.tokenRequests(); got != 1 {
		t.Errorf("the double saw %d token requests, want exactly 1", got)
	}
	if results[0].Stdout != f.issued().AccessToken+"\n" {
		t.Errorf("printed %q, want the issued token", results[0].Stdout)
	}
}

func TestNoTokenAnywhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, cmd := range []string{"token", "check"} {
		r := f.run(nil, "", cmd, "--timeout", long)
		expectCode(t, r, exitPerson)
		if !strings.Contains(r.Stderr, "pixivauth login") {
			t.Errorf("%s does not say to log in:\n%v", cmd, r)
		}
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("the double saw %d requests", n)
	}
}

// Once Pixiv has issued a token it reaches the user, even when the cache
// cannot be written: a file stands where the config dir should be.
func TestUnwritableCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	notADir := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(notADir, []byte("a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	server := []string{"--pixiv-server", f.srv.Addr(), "--insecure", "--config-dir", notADir}

	r := runIn(context.Background(), "", append(server, "refresh", f.rt, "--json")...)
	expectCode(t, r, exitFailure)
	if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
		t.Errorf("printed %q, want the issued token", got.AccessToken)
	}
	if !strings.Contains(r.Stderr, "could not be saved") {
		t.Errorf("stderr does not report the save failure:\n%v", r)
	}

	r = runPixivauth(t, []string{"PIXIV_REFRESH_TOKEN=" + f.rt}, "", append(server, "token")...)
	expectCode(t, r, exitFailure)
	if r.Stdout != f.issued().AccessToken+"\n" {
		t.Errorf("token printed %q, want the issued token:\n%v", r.Stdout, r)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	source := func(t *testing.T, out string) (access, refresh string) {
		t.Helper()
		file := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command("sh", "-c", `. "$1"; printf '%s\n%s' "$PIXIV_ACCESS_TOKEN" "$PIXIV_REFRESH_TOKEN"`, "sh", file).Output()
		if err != nil {
			t.Fatalf("sourcing %q: %v", out, err)
		}
		access, refresh, _ = strings.Cut(string(got), "\n")
		return access, refresh
	}
	for _, cmd := range []string{"refresh", "token"} {
		args := func(more ...string) []string {
			if cmd == "refresh" {
				return append([]string{cmd, f.rt}, more...)
			}
			return append([]string{cmd}, more...)
		}
		r := f.run(nil, "", args("--format", "env")...)
		expectCode(t, r, 0)
		if a, rt := source(t, r.Stdout); a != f.issued().AccessToken || rt != f.rt {
			t.Errorf("%s --format env sourced to %q, %q", cmd, a, rt)
		}
		r = f.run(nil, "", args("--format", "json")...)
		expectCode(t, r, 0)
		if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
			t.Errorf("%s --format json: %v", cmd, r)
		}
		r = f.run(nil, "", args("--json")...)
		expectCode(t, r, 0)
		decodeToken(t, r)
		r = f.run(nil, "", args("--format", "text")...)
		expectCode(t, r, 0)
		if cmd == "token" && r.Stdout != f.issued().AccessToken+"\n" {
			t.Errorf("token text %q, want the access token alone", r.Stdout)
		}
		if cmd == "refresh" && (!strings.Contains(r.Stdout, "access_token:  "+f.issued().AccessToken) || !strings.Contains(r.Stdout, f.rt)) {
			t.Errorf("refresh text %q lacks the tokens", r.Stdout)
		}
		r = f.run(nil, "", args("--json", "--format", "env")...)
		expectCode(t, r, exitUsage)
	}
}

func TestGitHubActionsMasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run([]string{"GITHUB_ACTIONS=true"}, "", "refresh", f.rt, "--json")
	expectCode(t, r, 0)
	got := decodeToken(t, r) // stdout stays valid JSON
	for _, secret := range []string{got.AccessToken, got.RefreshToken} {
		if !strings.Contains(r.Stderr, "::add-mask::"+secret+"\n") {
			t.Errorf("no mask for a printed token on stderr:\n%v", r)
		}
	}
	if strings.Contains(r.Stdout, "::") {
		t.Errorf("a workflow command on stdout:\n%v", r)
	}
	r = f.run(nil, "", "refresh", f.rt, "--json")
	if strings.Contains(r.Stderr, "::add-mask::") {
		t.Errorf("masks outside GitHub Actions:\n%v", r)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", "check", f.rt)
	expectCode(t, r, 0)
	if strings.Count(r.Stdout, "\n") != 1 || !strings.HasPrefix(r.Stdout, "ok: Demo User (@pixivauth_demo") ||
		!strings.Contains(r.Stdout, "not premium") || !regexp.MustCompile(`Pixiv answered in \d+(\.\d)? ms\n$`).MatchString(r.Stdout) ||
		strings.Contains(r.Stdout, "in 0 ms") {
		t.Errorf("check text is not one line with user, premium, expiry and latency:\n%v", r)
	}

	r = f.run([]string{"PIXIV_REFRESH_TOKEN=" + f.rt}, "", "check", "--json")
	expectCode(t, r, 0)
	var report map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Stdout), &report); err != nil {
		t.Fatalf("check --json: %v\n%v", err, r)
	}
	for _, key := range []string{"ok", "user", "expires_at", "latency_ms"} {
		if _, ok := report[key]; !ok || len(report) != 4 {
			t.Errorf("check --json %s lacks %q or has more", r.Stdout, key)
		}
	}
	if string(report["ok"]) != "true" {
		t.Errorf("ok is %s", report["ok"])
	}

	r = f.run(nil, "", "check", "unknown-token", "--timeout", long)
	expectCode(t, r, exitPerson)

	r = runPixivauth(t, []string{envTestBackoff + "=10ms"}, "", "check", "TOKEN", "--pixiv-server", closedPort(t), "--insecure", "--timeout", long)
	expectCode(t, r, exitUnavailable)
	if r.Took > wellBefore {
		t.Errorf("unreachable check took %s", r.Took)
	}
}

func TestProfilesAndLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(nil, "", "profiles", "--json")
	expectCode(t, r, 0)
	if strings.TrimSpace(r.Stdout) != "[]" {
		t.Errorf("profiles --json with none: %q", r.Stdout)
	}
	expectCode(t, f.run(nil, "", "refresh", f.rt), 0)
	if err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{{Name: pixiv.SessionCookie,
		Value: "11111111_secretvalue", Domain: pixiv.CookieDomain, Path: "/"}}}); err != nil {
		t.Fatal(err)
	}

	r = f.run(nil, "", "profiles")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stdout, "default") || !strings.Contains(r.Stdout, "@pixivauth_demo") || !strings.Contains(r.Stdout, "yes") {
		t.Errorf("profiles does not list the default profile with its user and session:\n%v", r)
	}
	r = f.run(nil, "", "profiles", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list) != 1 ||
		list[0]["name"] != "default" || list[0]["token"] != true || list[0]["session"] != true {
		t.Errorf("profiles --json: %v\n%v", err, r)
	}

	r = f.run(nil, "", "session", "export")
	expectCode(t, r, 0)
	if s, err := session.ParseFile([]byte(r.Stdout)); err != nil || !s.Live(time.Now()) {
		t.Errorf("session export does not read back as a live session: %v\n%v", err, r)
	}
	r = f.run([]string{"GITHUB_ACTIONS=true"}, "", "session", "export", "--format", "cookies.txt")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stdout, "11111111_secretvalue") || !strings.Contains(r.Stderr, "::add-mask::11111111_secretvalue") {
		t.Errorf("session export --format cookies.txt:\n%v", r)
	}

	r = f.run(nil, "", "logout")
	expectCode(t, r, 0)
	r = f.run(nil, "", "profiles", "--json")
	if strings.TrimSpace(r.Stdout) != "[]" {
		t.Errorf("profiles after logout: %q", r.Stdout)
	}
	expectCode(t, f.run(nil, "", "token"), exitPerson)
	expectCode(t, f.run(nil, "", "session", "export"), exitPerson)
}

// A run at a double without --config-dir saves nothing, and says so:
// $PIXIVAUTH_CONFIG_DIR does not count.
func TestPixivServerWithoutConfigDirSavesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	envDir := t.TempDir()
	r := runPixivauth(t, []string{"PIXIVAUTH_CONFIG_DIR=" + envDir}, "", "refresh", f.rt, "--pixiv-server", f.srv.Addr(), "--insecure")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, "not saved") {
		t.Errorf("stderr does not say nothing was saved:\n%v", r)
	}
	entries, _ := os.ReadDir(envDir)
	if len(entries) != 0 {
		t.Errorf("%d entries were written to $PIXIVAUTH_CONFIG_DIR", len(entries))
	}
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	_, err := capture.FindBrowser("", false)
	testenv.Need(t, err == nil, fmt.Sprint(err))
	holdBrowserSlot(t)
	f := newFixture(t)
	t.Cleanup(func() { f.CheckClean(capture.ProfilePrefix) })
	// The binary: doctor starts a headless browser, whose profile must
	// land in the run's own TMPDIR.
	r := f.exec(nil, "", append(f.server(), "doctor", "--timeout", long)...)
	expectCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	checked := map[string]bool{}
	for _, line := range lines {
		if !strings.HasPrefix(line, "ok  ") {
			t.Errorf("not ok: %q", line)
		}
		for _, want := range append(pixiv.Hosts(), "browser", "headless start", "browser reaches Pixiv", "config dir") {
			if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(line, "ok")), want+":") {
				checked[want] = true
			}
		}
	}
	if len(checked) != len(pixiv.Hosts())+4 || !strings.Contains(r.Stdout, pixiv.AccountsHost+" answered the browser at the double "+f.srv.Addr()) {
		t.Errorf("doctor checked %v:\n%v", checked, r)
	}

	notADir := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The other two runs are about the config dir and the hosts: the
	// headless shell's start is enough for their browser check.
	shell := testenv.NewRun(t)
	useHeadlessShell(shell)
	r = shell.Exec(binary, nil, "", "doctor", "--json", "--pixiv-server", f.srv.Addr(), "--insecure", "--config-dir", notADir)
	expectCode(t, r, exitFailure)
	var checks []doctorCheck
	if err := json.Unmarshal([]byte(r.Stdout), &checks); err != nil {
		t.Fatalf("doctor --json: %v\n%v", err, r)
	}
	for _, c := range checks {
		if c.Check == "config dir" && (c.OK || c.Fix == "") {
			t.Errorf("a file as the config dir: %+v", c)
		}
	}

	// A server that logs in without a browser has none to check.
	r = shell.Exec(binary, []string{"PATH=", "PIXIVAUTH_BROWSER=/nonexistent"}, "", "doctor", "--no-browser", "--pixiv-server", f.srv.Addr(), "--insecure", "--timeout", long)
	expectCode(t, r, 0)
	if strings.Contains(r.Stdout, "browser") || !strings.Contains(r.Stdout, "ok      "+pixiv.OAuthHost) {
		t.Errorf("doctor --no-browser:\n%v", r)
	}

	r = shell.Exec(binary, []string{envTestBackoff + "=10ms"}, "", "doctor", "--pixiv-server", closedPort(t), "--insecure", "--config-dir", t.TempDir(), "--timeout", long)
	expectCode(t, r, exitFailure)
	if !strings.Contains(r.Stdout, "FAILED  "+pixiv.OAuthHost) || !strings.Contains(r.Stdout, "fix: ") ||
		!strings.Contains(r.Stdout, "ok      headless start") || !strings.Contains(r.Stdout, "FAILED  browser reaches Pixiv: the browser could not load https://"+pixiv.AccountsHost+"/ (net::ERR_CONNECTION_REFUSED)") {
		t.Errorf("doctor with the double gone:\n%v", r)
	}
}

// trustDouble writes the double's certificate where Go's TLS looks for
// roots ($SSL_CERT_FILE), since --insecure goes only with --pixiv-server.
func trustDouble(t *testing.T, addr string) string {
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: pixiv.OAuthHost, InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	file := filepath.Join(t.TempDir(), "double.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: conn.ConnectionState().PeerCertificates[0].Raw})
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return "SSL_CERT_FILE=" + file
}

func TestProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  func(proxy string) []string
		args func(proxy string) []string
	}{
		{"--proxy", func(string) []string { return nil }, func(proxy string) []string { return []string{"--proxy", proxy} }},
		{"HTTPS_PROXY", func(proxy string) []string { return []string{"HTTPS_PROXY=" + proxy} }, func(string) []string { return nil }},
		{"ALL_PROXY", func(proxy string) []string { return []string{"ALL_PROXY=" + proxy} }, func(string) []string { return nil }},
		{"NO_PROXY for others", func(proxy string) []string { return []string{"https_proxy=" + proxy, "NO_PROXY=localhost,example.com"} },
			func(string) []string { return nil }},
		// main takes a proxy variable with a password out of the
		// environment (no process pixivauth starts inherits it), and
		// still uses it.
		{"HTTPS_PROXY with a password", func(proxy string) []string {
			return []string{"HTTPS_PROXY=" + strings.Replace(proxy, "://", "://user:secret@", 1)}
		}, func(string) []string { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			proxy := pixivtest.NewProxy(f.srv.Addr())
			t.Cleanup(proxy.Close)
			if strings.Contains(tt.name, "password") {
				proxy.RequireAuth("user", "secret")
			}
			proxyURL := proxy.URL()
			env := append(tt.env(proxyURL), trustDouble(t, f.srv.Addr()))
			args := append([]string{"refresh", f.rt, "--json", "--config-dir", f.dir, "--timeout", long}, tt.args(proxyURL)...)
			r := runPixivauth(t, env, "", args...)
			expectCode(t, r, 0)
			if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
				t.Errorf("printed %q, want the issued token", got.AccessToken)
			}
			want := "CONNECT " + pixiv.OAuthHost + ":443"
			if seen := proxy.Requests(); len(seen) != 1 || seen[0] != want {
				t.Errorf("the proxy saw %q, want %q", seen, want)
			}
		})
	}
	t.Run("exclusive with --pixiv-server", func(t *testing.T) {
		r := runIn(context.Background(), "", "refresh", "TOKEN", "--proxy", "http://127.0.0.1:1", "--pixiv-server", "127.0.0.1:2")
		expectCode(t, r, exitUsage)
	})
}

// No token, code or cookie value reaches stderr, at any verbosity.
func TestNoSecretsOnStderr(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pixivtest.WithAccessTokenTTL(30*time.Second))
	var stderr strings.Builder
	for _, args := range [][]string{
		{"refresh", f.rt, "-v"},
		{"-v", "token", "--json"},
		{"check", "-v"},
		{"token", "-v", "--format", "env"},
		{"refresh", "unknown-token-value", "-v"},
	} {
		r := f.run(nil, "", args...)
		stderr.WriteString(r.Stderr)
	}
	if !strings.Contains(stderr.String(), "POST "+pixiv.TokenURL) {
		t.Errorf("-v logged no request:\n%s", stderr.String())
	}
	secrets := testenv.SecretsOf(f.srv, f.dir)
	secrets.Add("a refresh token given", f.rt, "unknown-token-value")
	if found := secrets.In(stderr.String()); len(found) > 0 {
		t.Errorf("stderr holds %s:\n%s", strings.Join(found, ", "), stderr.String())
	}
}

// A signal ends a run that is waiting on Pixiv with the signal's status,
// long before its timeout.
func TestSignals(t *testing.T) {
	t.Parallel()
	// SIGHUP: the terminal of a window login was closed. Each goes
	// through the one cancellation that tears the browser down (the fault
	// matrix's SIGTERM case shows it with a browser).
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.srv.Inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true})
			p := f.Command(binary, nil, "", false, append(f.server(), "refresh", f.rt, "--timeout", long)...)
			p.Start(t)
			start := time.Now()
			for f.tokenRequests() == 0 {
				if time.Since(start) > wellBefore {
					_ = p.Cmd.Process.Kill()
					t.Fatal("the request never reached the double")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := p.Cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			r := p.Wait(t)
			expectCode(t, r, want)
			if r.Took > wellBefore {
				t.Errorf("took %s", r.Took)
			}
		})
	}
}

// Tokens for another user than the profile holds are printed and not
// cached, and the run exits 1, as the README says: the cache is not what
// the script may think it is.
func TestRefreshOtherUsersProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := &exchange.Token{AccessToken: "others", RefreshToken: "others-refresh", TokenType: "bearer",
		Expiry: time.Now().Add(time.Hour), User: exchange.User{ID: "999", Name: "Other", Account: "other"}}
	if err := f.profile().SaveToken(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	r := f.run(nil, "", "refresh", f.rt, "--json", "--timeout", long)
	expectCode(t, r, exitFailure)
	if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
		t.Errorf("printed %q, want the issued token", got.AccessToken)
	}
	for _, want := range []string{"could not be saved", "Other (@other, id 999)", "--profile NAME"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not say %q:\n%v", want, r)
		}
	}
	if cached, err := f.profile().LoadToken(); err != nil || cached.AccessToken != "others" {
		t.Errorf("the other user's token was replaced: %v", err)
	}
}

// A regular file where the config dir should be is a failure of its own
// (exit 1, "not a directory"), not "no token: log in".
func TestConfigDirIsAFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	notADir := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(notADir, []byte("a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	server := []string{"--pixiv-server", f.srv.Addr(), "--insecure"}
	timeout := []string{"--timeout", long}
	for _, args := range [][]string{
		append(append(server, "token"), timeout...), append(append(server, "check"), timeout...),
		append(server, "profiles"), append(server, "session", "export"), append(server, "logout"),
		// A login says so before a browser opens and a person logs in
		// there (it used to after, when the session was lost), and a
		// headless one instead of "needs something to log in with".
		append(append(server, "login"), timeout...), append(append(server, "login", "--headless"), timeout...),
		// demo runs its own double; it says so before any login, once.
		{"demo"},
	} {
		r := runPixivauth(t, nil, "", append(args, "--config-dir", notADir)...)
		expectCode(t, r, exitFailure)
		if !strings.Contains(r.Stderr, notADir+" is not a directory") || strings.Contains(r.Stderr, "pixivauth login") ||
			!strings.Contains(r.Stderr, "move that file away") ||
			strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || r.Stdout != "" {
			t.Errorf("%v:\n%v", args, r)
		}
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("the double saw %d requests", n)
	}
}

// A run that cannot get the profile's lock within its --timeout ends
// then: refresh prints the tokens it has and exits 1, the cache busy;
// token, which has none, exits 1 without refreshing.
func TestLockHeldBeyondTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	err := f.profile().SaveToken(t.Context(), &exchange.Token{AccessToken: "stale", RefreshToken: f.rt, TokenType: "bearer",
		Expiry: time.Now().Add(-time.Hour), User: exchange.User{ID: f.account.ID}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.profile().Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()

	r := f.run(nil, "", "refresh", f.newRefreshToken(), "--timeout", "2s", "--json")
	expectCode(t, r, exitFailure)
	if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
		t.Errorf("printed %q, want the issued token", got.AccessToken)
	}
	if !strings.Contains(r.Stderr, "the cache is busy") || r.Took > wellBefore {
		t.Errorf("refresh:\n%v", r)
	}

	before := f.tokenRequests()
	r = f.run(nil, "", "token", "--timeout", "2s")
	expectCode(t, r, exitFailure)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "the cache is busy") || r.Took > wellBefore {
		t.Errorf("token:\n%v", r)
	}
	if f.tokenRequests() != before {
		t.Error("token refreshed without the lock")
	}

	// check prints a report, not the tokens: a refresh it could not save
	// would lose them, so it does not refresh without the lock.
	r = f.run(nil, "", "check", "--timeout", "2s", "--json")
	expectCode(t, r, exitFailure)
	if !strings.Contains(r.Stderr, "lock") || r.Took > wellBefore {
		t.Errorf("check:\n%v", r)
	}
	if f.tokenRequests() != before {
		t.Error("check refreshed without the lock: its tokens are lost")
	}
}
