package main

// The browser flows of pixivauth, run as a user runs them: the built binary,
// a real Chromium (headless, or a window under Xvfb), and the Pixiv double
// on loopback in place of Pixiv.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
)

// browserRun is a double and the world of the runs (testenv.Run: a config
// dir, HOME and TMPDIR of the test's own): the browser's temporary profiles
// land in its TMPDIR, so the process-table and leftover checks see only
// this test's browsers. It holds one of browserSlots for the test.
type browserRun struct {
	*testenv.Run
	t       *testing.T
	srv     *pixivtest.Server
	account pixivtest.Account
	dir     string // --config-dir
}

// inShell makes the runs' browser Chromium's headless shell
// (useHeadlessShell), for a test about the login and not the full browser.
func (b *browserRun) inShell() *browserRun {
	useHeadlessShell(b.Run)
	return b
}

func newBrowserRun(t *testing.T, opts ...pixivtest.Option) *browserRun {
	t.Helper()
	return newBrowserRunAs(t, pixivtest.DemoAccount(), opts...)
}

// newBrowserRunAs is newBrowserRun with account as the double's first
// account: the one its self-filling pages (WithAutoLogin) log in as.
func newBrowserRunAs(t *testing.T, account pixivtest.Account, opts ...pixivtest.Option) *browserRun {
	t.Helper()
	_, err := capture.FindBrowser("", false)
	testenv.Need(t, err == nil, fmt.Sprint(err))
	holdBrowserSlot(t)
	srv := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(account)}, opts...)...)
	t.Cleanup(srv.Close)
	r := testenv.NewRun(t)
	b := &browserRun{Run: r, t: t, srv: srv, account: account, dir: r.Config}
	t.Cleanup(func() { b.CheckClean(capture.ProfilePrefix) })
	return b
}

// useHeadlessShell makes Chromium's headless shell the browser of r's
// runs, for runs about the login's pages and not the full browser: its
// start costs well under half the full one's. Where there is no shell
// (testenv.HeadlessShell), pixivauth picks its browser as usual.
func useHeadlessShell(r *testenv.Run) {
	r.TB.Helper()
	r.Browser = headlessShell(r.TB)
}

// headlessShell is the path of Chromium's headless shell, or "" where
// there is none (testenv.HeadlessShell).
func headlessShell(tb testing.TB) string {
	tb.Helper()
	return testenv.HeadlessShell(tb, capture.BrowserLocations(false), capture.BrowserLocations(true))
}

// withDisplay gives the runs a virtual display, for a window.
func (b *browserRun) withDisplay() *browserRun {
	b.Display = testenv.StartXvfb(b.t)
	return b
}

// command prepares a run of the binary at the double.
func (b *browserRun) command(env []string, stdin string, args ...string) *testenv.Process {
	return b.Command(binary, env, stdin, false, append([]string{"--pixiv-server", b.srv.Addr(), "--insecure", "--config-dir", b.dir}, args...)...)
}

func (b *browserRun) run(env []string, stdin string, args ...string) result {
	b.t.Helper()
	p := b.command(env, stdin, args...)
	p.Start(b.t)
	return p.Wait(b.t)
}

// password logs in headless with the demo account's password on stdin.
func (b *browserRun) password(args ...string) result {
	b.t.Helper()
	return b.run(nil, b.account.Password, append([]string{"login", "--headless", "--username", b.account.Username, "--password-stdin", "--json", "--timeout", long}, args...)...)
}

// expectIssued checks that the printed tokens are the ones the double
// issued, that it saw exactly one token request, and that the request's
// verifier answers the challenge of the login that produced the code.
func (b *browserRun) expectIssued(r result) printedToken {
	b.t.Helper()
	expectCode(b.t, r, 0)
	got := decodeToken(b.t, r)
	issued := b.srv.Issued()
	if len(issued) != 1 || issued[0].AccessToken != got.AccessToken || issued[0].RefreshToken != got.RefreshToken {
		b.t.Fatalf("printed tokens are not the ones the double issued (%d issued)", len(issued))
	}
	reqs := b.srv.TokenRequests()
	if len(reqs) != 1 {
		b.t.Fatalf("the double saw %d token requests, want 1", len(reqs))
	}
	challenge := ""
	for _, req := range b.srv.Requests() {
		if req.Host == pixiv.AppAPIHost && req.Path == pixiv.LoginPath {
			challenge = req.Query.Get("code_challenge")
		}
	}
	if v := reqs[0].Form.Get("code_verifier"); challenge == "" || exchange.Challenge(v) != challenge {
		b.t.Errorf("the token request's verifier does not answer the login's challenge %q", challenge)
	}
	return got
}

// expectSaved checks the profile's token and session files and modes.
func (b *browserRun) expectSaved(accessToken string) {
	b.t.Helper()
	for name, want := range map[string]os.FileMode{"token.json": 0o600, "session.json": 0o600, ".": 0o700} {
		fi, err := os.Stat(filepath.Join(b.dir, "default", name))
		if err != nil {
			b.t.Fatalf("profile file %s: %v", name, err)
		}
		if got := fi.Mode().Perm(); got != want {
			b.t.Errorf("%s has mode %o, want %o", name, got, want)
		}
	}
	p, err := (&store.Store{Dir: b.dir}).Profile("default")
	if err != nil {
		b.t.Fatal(err)
	}
	tok, err := p.LoadToken()
	if err != nil || tok.AccessToken != accessToken {
		b.t.Errorf("cached token is not the printed one (%v)", err)
	}
	s, err := p.LoadSession()
	if err != nil || !s.Live(time.Now()) {
		b.t.Errorf("no live session saved: %v", err)
	}
}

// expectNoSecrets: none of the secrets the double issued or was sent, nor
// the account's password, is on stderr.
func (b *browserRun) expectNoSecrets(stderr string) {
	b.t.Helper()
	secrets := testenv.SecretsOf(b.srv, b.dir)
	secrets.Add("the account's password", b.account.Password)
	if found := secrets.In(stderr); len(found) > 0 {
		b.t.Errorf("stderr holds %s:\n%s", strings.Join(found, ", "), stderr)
	}
}

func TestLoginHeadlessWithPassword(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t)
	// A proxy in the environment is not the double's way: the browser,
	// like pixivauth, goes to the double directly (it used to ask this
	// proxy for Pixiv's hosts by name).
	proxy := "HTTPS_PROXY=http://" + closedPort(t)
	r := b.run([]string{proxy}, b.account.Password, "login", "--headless", "--username", b.account.Username, "--password-stdin", "--json", "--timeout", long, "-v")
	got := b.expectIssued(r)
	if got.User.ID != b.account.ID {
		t.Errorf("user %+v", got.User)
	}
	b.expectSaved(got.AccessToken)
	b.expectNoSecrets(r.Stderr)
	if !strings.Contains(r.Stderr, "code captured") {
		t.Errorf("-v does not log the capture:\n%s", r.Stderr)
	}
}

func TestLoginWindowThenHeadlessWithTheSavedSession(t *testing.T) {
	t.Parallel()
	// The double's login page acts as the person at the window: it types
	// the demo account in and submits after a moment.
	b := newBrowserRun(t, pixivtest.WithAutoLogin(300*time.Millisecond)).withDisplay()
	r := b.run(nil, "", "login", "--json", "--timeout", long)
	first := b.expectIssued(r)
	b.expectSaved(first.AccessToken)
	if !strings.Contains(r.Stderr, "log in to Pixiv in the browser window") {
		t.Errorf("the window login did not tell the person what to do:\n%s", r.Stderr)
	}

	// Headless now, with no password: the saved session carries it.
	before := len(b.srv.Issued())
	r = b.run(nil, "", "login", "--headless", "--json", "--timeout", long)
	expectCode(t, r, 0)
	second := decodeToken(t, r)
	issued := b.srv.Issued()
	if len(issued) != before+1 || issued[before].AccessToken != second.AccessToken {
		t.Fatalf("the headless login printed a token the double did not issue")
	}
	if second.User.ID != first.User.ID {
		t.Errorf("logged in as %q, then %q", first.User.ID, second.User.ID)
	}
	for _, req := range b.srv.Requests()[len(b.srv.Requests())/2:] {
		if req.Method == http.MethodPost && req.Path == pixiv.AccountsLoginPath {
			t.Error("the headless login posted the login form: it should have used the session")
		}
	}
}

func TestLoginWindowShowsTheTimeOnATerminal(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t, pixivtest.WithAutoLogin(2500*time.Millisecond)).withDisplay()
	// script(1) gives the run a terminal, so stderr is one.
	cmd := b.command(nil, "", "login", "--timeout", long).Cmd
	line := strings.Join(quoteAll(cmd.Args), " ") + " 2>&1 >/dev/null"
	script := exec.Command("script", "-qfec", line, "/dev/null")
	script.Env = cmd.Env
	var stdout bytes.Buffer
	script.Stdout = &stdout
	if err := script.Run(); err != nil {
		t.Fatalf("login under a terminal: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "waiting for the login in the window: 1s") {
		t.Errorf("no live elapsed time on the terminal:\n%q", stdout.String())
	}
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

// Logins from an imported session (cookies.txt, session export JSON,
// --phpsessid from the environment or a file) are TestNoSecretLeaks's
// "login with imported cookies" and "login with an imported PHPSESSID",
// which check the tokens printed and saved as well as every secret.

func TestLoginWithTOTP(t *testing.T) {
	t.Parallel()
	const secret = "JBSWY3DPEHPK3PXP"
	acct := pixivtest.Account{Username: "two-factor", Password: "pw-2fa", Name: "Two Factor", Account: "two_factor", TOTPSecret: secret}
	b := newBrowserRun(t, pixivtest.WithAccount(acct)).inShell()
	secretFile := filepath.Join(t.TempDir(), "totp")
	os.WriteFile(secretFile, []byte("otpauth://totp/pixiv:two-factor?secret="+secret+"&issuer=pixiv\n"), 0o600)
	r := b.run(nil, acct.Password, "login", "--headless", "--username", acct.Username, "--password-stdin",
		"--totp-secret-file", secretFile, "--json", "-v", "--timeout", long)
	got := b.expectIssued(r)
	if got.User.Account != acct.Account {
		t.Errorf("logged in as %q", got.User.Account)
	}
	if strings.Contains(r.Stderr, secret) {
		t.Error("stderr holds the TOTP secret")
	}
}

// TestLoginFallbackWindow: a headless login that meets a two-factor prompt
// it has no secret for reopens in a window, where the person (the double's
// page) finishes it.
func TestLoginFallbackWindow(t *testing.T) {
	t.Parallel()
	acct := pixivtest.Account{Username: "fallback", Password: "pw-fb", Name: "Fallback", Account: "fallback", TOTPSecret: "JBSWY3DPEHPK3PXP"}
	// The page types the code in only after 3 s: the headless run gives up
	// on the prompt long before that. The account is the double's first,
	// so that a login form that fills itself in before pixivauth does (on
	// a busy machine) logs in as it too.
	b := newBrowserRunAs(t, acct, pixivtest.WithAutoLogin(3*time.Second)).withDisplay()
	r := b.run(nil, acct.Password, "login", "--headless", "--fallback-window", "--username", acct.Username,
		"--password-stdin", "--json", "--timeout", long)
	expectCode(t, r, 0)
	if got := decodeToken(t, r); got.User.Account != acct.Account {
		t.Errorf("logged in as %q", got.User.Account)
	}
	if n := strings.Count(r.Stderr, "finishing it in a window"); n != 1 || strings.Contains(r.Stderr, "log in once with a window") {
		t.Errorf("the move to a window is not said once, plainly:\n%s", r.Stderr)
	}
}

// TestLoginWindowClosed: the person closes the window. Xvfb has no window
// manager, so the test closes the page from a second DevTools connection,
// to a browser it started and pixivauth attached to.
func TestLoginWindowClosed(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t).withDisplay()
	devtools := startDevToolsBrowser(t, b)
	p := b.command(nil, "", "login", "--browser-url", devtools, "--timeout", long)
	// --pixiv-server does not reach an attached browser; --proxy does: the
	// login's browser context goes through it, and so would the token
	// client. This proxy reaches only the double.
	proxy := pixivtest.NewProxy(b.srv.Addr())
	t.Cleanup(proxy.Close)
	p.Cmd.Args = []string{binary, "--config-dir", b.dir, "--proxy", proxy.URL(),
		"login", "--browser-url", devtools, "--timeout", long}
	p.Start(t)
	id := waitForTarget(t, devtools, pixiv.AccountsHost)
	if seen := strings.Join(proxy.Requests(), " "); !strings.Contains(seen, "CONNECT "+pixiv.AppAPIHost+":443") {
		t.Errorf("the attached login did not go through --proxy (it saw %q)", seen)
	}
	resp, err := http.Get(devtools + "/json/close/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := p.Wait(t)
	expectCode(t, r, 5)
	if !strings.Contains(r.Stderr, "closed") {
		t.Errorf("stderr does not say the window was closed:\n%s", r.Stderr)
	}
	if r.Took > wellBefore {
		t.Errorf("took %s to notice", r.Took)
	}
}

// startDevToolsBrowser starts a visible Chromium with a DevTools port, as a
// person's own browser would run, and returns its http:// address.
func startDevToolsBrowser(t *testing.T, b *browserRun) string {
	t.Helper()
	path, err := capture.FindBrowser("", true)
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(b.Tmp, "own-browser")
	args := append([]string{"--remote-debugging-port=0", "--user-data-dir=" + profile, "--no-first-run",
		"--no-default-browser-check", "--disable-background-networking", "--disable-component-update"},
		testenv.ChromeArgs(b.srv.BrowserFlags())...)
	args = append(args, "about:blank")
	if os.Getuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	cmd := exec.Command(path, args...)
	// Its TMPDIR is the test's, and short: whatever it leaves there goes.
	tmp, err := os.MkdirTemp("/tmp", "pa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	cmd.Env = append(os.Environ(), "DISPLAY="+b.Display, "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		for _, pid := range testenv.BrowsersUnder(profile) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		os.RemoveAll(profile)
	})
	portFile := filepath.Join(profile, "DevToolsActivePort")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(portFile); err == nil {
			if port, _, ok := strings.Cut(string(data), "\n"); ok && port != "" {
				return "http://127.0.0.1:" + port
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the browser never opened its DevTools port")
	return ""
}

// waitForTarget returns the id of the first page whose URL is on host.
func waitForTarget(t *testing.T, devtools, host string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(devtools + "/json/list")
		if err == nil {
			var targets []struct{ ID, Type, URL string }
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" && strings.Contains(tg.URL, "://"+host+"/") {
					return tg.ID
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no page on %s appeared", host)
	return ""
}

func TestDemo(t *testing.T) {
	_, err := capture.FindBrowser("", false)
	testenv.Need(t, err == nil, fmt.Sprint(err))
	t.Parallel()
	holdBrowserSlot(t)
	run := testenv.NewRun(t)
	r := run.Exec(binary, nil, "", "demo")
	expectCode(t, r, 0)
	for _, step := range []string{capture.StepBrowserStarted.String(), capture.StepLoginPage.String(), capture.StepCodeCaptured.String(), "refreshed"} {
		if !strings.Contains(r.Stdout, step) {
			t.Errorf("demo output lacks the step %q:\n%s", step, r.Stdout)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	lines := 0
	for sc.Scan() {
		lines++
	}
	if lines < 5 {
		t.Errorf("demo printed %d lines", lines)
	}
	run.CheckClean(capture.ProfilePrefix)
	if entries, _ := os.ReadDir(run.Tmp); len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("demo left %v in TMPDIR", names)
	}

	// A --config-dir whose profile holds another user's token: the demo
	// runs, shows its steps, and says once, on one line, that it could
	// not save (it prints no tokens), with the demo's own way out.
	dir := t.TempDir()
	profile, err := (&store.Store{Dir: dir}).Profile("default")
	if err != nil {
		t.Fatal(err)
	}
	other := &exchange.Token{AccessToken: "others", RefreshToken: "others-refresh", TokenType: "bearer",
		Expiry: time.Now().Add(time.Hour), User: exchange.User{ID: "999", Name: "Other", Account: "other"}}
	if err := profile.SaveToken(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	useHeadlessShell(run)
	r = run.Exec(binary, nil, "", "demo", "--config-dir", dir)
	expectCode(t, r, exitFailure)
	if !strings.Contains(r.Stdout, "refreshed") {
		t.Errorf("the demo did not show its steps:\n%v", r)
	}
	want := "pixivauth: the demo logged in, but could not save its tokens: "
	if !strings.HasPrefix(r.Stderr, want) || strings.Count(r.Stderr, "\n") != 1 ||
		!strings.Contains(r.Stderr, "Other (@other, id 999)") || !strings.HasSuffix(r.Stderr, ": give the demo a --config-dir of its own\n") {
		t.Errorf("want one line %q…, naming the other user and the demo's way out:\n%v", want, r)
	}
	run.CheckClean(capture.ProfilePrefix)
}

func TestCheckLogin(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t)
	seed, _ := (&store.Store{Dir: b.dir}).Profile("default")
	c := b.srv.NewSession(b.account.ID)
	if err := seed.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{cookieOf(c)}}); err != nil {
		t.Fatal(err)
	}
	r := b.run(nil, "", "check", "--login", "--json", "--timeout", long)
	expectCode(t, r, 0)
	var report struct {
		OK        bool          `json:"ok"`
		User      exchange.User `json:"user"`
		LatencyMS *int64        `json:"latency_ms"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &report); err != nil || !report.OK || report.User.ID != b.account.ID || report.LatencyMS == nil {
		t.Fatalf("check --login printed %q (%v)", r.Stdout, err)
	}
	if len(b.srv.Issued()) != 1 {
		t.Errorf("issued %d tokens", len(b.srv.Issued()))
	}
}

func cookieOf(c *http.Cookie) session.Cookie {
	return session.Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Expires: c.Expires, Secure: c.Secure, HTTPOnly: c.HttpOnly}
}
