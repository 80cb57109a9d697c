package capture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// needBrowser fails the test under CI=true when no browser is installed
// (a missing install step must not pass as a skip), and skips it elsewhere.
func needBrowser(t testing.TB, visible bool) {
	t.Helper()
	_, err := FindBrowser("", visible)
	testenv.Need(t, err == nil, fmt.Sprint(err))
}

// fixture is a double and the options that point a login at it.
type fixture struct {
	srv      *pixivtest.Server
	verifier string
	opts     Options
	tmp      string
}

// browserSlots bounds the browsers this package's tests run at once (they
// run in parallel): the machine has two cores, and Chromium is heavy.
var browserSlots = make(chan struct{}, 3)

func newFixture(t testing.TB, srvOpts ...pixivtest.Option) *fixture {
	t.Helper()
	needBrowser(t, false)
	browserSlots <- struct{}{}
	t.Cleanup(func() { <-browserSlots })
	srv := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(pixivtest.DemoAccount())}, srvOpts...)...)
	t.Cleanup(srv.Close)
	v := exchange.NewVerifier()
	tmp := t.TempDir()
	return &fixture{
		srv:      srv,
		verifier: v,
		tmp:      tmp,
		opts: Options{
			LoginURL: exchange.LoginURL(v),
			Flags:    srv.BrowserFlags(),
			TempDir:  tmp,
			Timeout:  60 * time.Second,
		},
	}
}

// inShell makes the login's browser Chromium's headless shell, for a test
// about the login's pages and not the full browser: its start costs well
// under half the full one's.
func (f *fixture) inShell(t *testing.T) *fixture {
	f.opts.Browser = headlessShell(t)
	return f
}

// started starts the login, which is closed when the test ends.
func (f *fixture) started(t *testing.T) *Login {
	t.Helper()
	l, err := Start(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func (f *fixture) withPassword() *fixture {
	a := pixivtest.DemoAccount()
	f.opts.Username, f.opts.Password = a.Username, a.Password
	return f
}

// login runs a login to its end, exchanges the code, and checks that the
// browser and its profile are gone afterwards.
func (f *fixture) login(t testing.TB) (*exchange.Token, []session.Cookie, error) {
	t.Helper()
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		f.checkClean(t)
		return nil, nil, err
	}
	code, err := l.Code(ctx)
	if err != nil {
		l.Close()
		f.checkClean(t)
		return nil, nil, err
	}
	ex := &exchange.Client{HTTPClient: f.srv.Client()}
	tok, err := ex.Exchange(ctx, code, f.verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	cookies, err := l.Cookies(ctx)
	if err != nil {
		t.Fatalf("Cookies: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	f.checkClean(t)
	return tok, cookies, nil
}

// checkClean asserts that no browser runs with a profile of this test, and
// that no temporary profile is left.
func (f *fixture) checkClean(t testing.TB) {
	t.Helper()
	testenv.CheckClean(t, f.tmp, ProfilePrefix)
}

func TestHeadlessLoginWithPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword()
	var steps []StepName
	f.opts.Progress = func(s Step) { steps = append(steps, s.Name) }
	tok, cookies, err := f.login(t)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	issued := f.srv.Issued()
	if len(issued) != 1 || issued[0].AccessToken != tok.AccessToken || issued[0].RefreshToken != tok.RefreshToken {
		t.Fatalf("token %q is not the one the double issued (%+v)", tok.AccessToken, issued)
	}
	reqs := f.srv.TokenRequests()
	if len(reqs) != 1 || reqs[0].Form.Get("code_verifier") != f.verifier {
		t.Fatalf("double saw %d token requests, want exactly one with the verifier", len(reqs))
	}
	if !hasSession(cookies) {
		t.Errorf("cookies %v lack a %s on %s", cookieNames(cookies), pixiv.SessionCookie, pixiv.CookieDomain)
	}
	want := []StepName{StepBrowserStarted, StepLoginPage, StepFormFilled, StepCodeCaptured}
	if !slices.Equal(steps, want) {
		t.Errorf("steps = %v, want %v", steps, want)
	}
}

// TestCallbackAnsweredInTheBrowser: the tab ends on pixivauth's own page,
// not Chrome's "no handler for pixiv://", and the double never sees the
// callback request (the code stays in the browser and the exchange).
// TestCallbackAnsweredInTheBrowser: the callback never reaches the network;
// the browser is sent on to DoneURL, so the code does not stay in the
// address bar, and the page says "finishing" until Finish tells it how the
// exchange ended, in plain words.
func TestCallbackAnsweredInTheBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword().inShell(t)
	ctx := context.Background()
	l := f.started(t)
	code, err := l.Code(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			shown, err := chromedpEval(l, expr)
			if err == nil && shown {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the tab never showed %s (last error %v)", what, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the finishing page", `location.href === "`+DoneURL+`" && document.body.innerText.includes("Finishing")`)
	if shown, _ := chromedpEval(l, `location.href.includes(`+strconv.Quote(code)+`) || document.body.innerText.includes("Logged in")`); shown {
		t.Error("the page shows the code, or says logged in before the tokens are in hand")
	}
	l.Finish(ctx, errors.New("Pixiv is failing (HTTP 503)"))
	waitFor("the failure", `document.body.innerText.includes("Login failed") && document.body.innerText.includes("Pixiv is failing (HTTP 503)")`)
	l.Finish(ctx, nil)
	waitFor("the success", `document.body.innerText.includes("Logged in")`)
	for _, r := range f.srv.Requests() {
		if r.Path == pixiv.CallbackPath && r.Host == pixiv.AppAPIHost {
			t.Error("the callback reached the double: it should be answered in the browser")
		}
	}
}

// TestFinishRightAfterTheCode: an exchange that is over before the
// browser has loaded the done page still gets its outcome shown (it used
// to be lost: the window said "finishing…" until it closed).
func TestFinishRightAfterTheCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword().inShell(t)
	ctx := context.Background()
	l := f.started(t)
	if _, err := l.Code(ctx); err != nil {
		t.Fatal(err)
	}
	l.Finish(ctx, nil)
	// Finish returns once the page shows it: no waiting here.
	if shown, err := chromedpEval(l, `document.title === "pixivauth: Logged in"`); err != nil || !shown {
		t.Errorf("the page does not say Logged in after Finish (%v)", err)
	}
}

func TestHeadlessLoginLooksLikeChrome(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword()
	if _, _, err := f.login(t); err != nil {
		t.Fatalf("login: %v", err)
	}
	seen := 0
	for _, r := range f.srv.Requests() {
		if r.Host != pixiv.AccountsHost {
			continue
		}
		seen++
		ua := r.Header.Get("User-Agent")
		if strings.Contains(ua, "Headless") || !strings.Contains(ua, "Chrome/") {
			t.Fatalf("the login page saw user agent %q", ua)
		}
		// A person's Chrome sends client hints, and they name no headless
		// brand either.
		hints := r.Header.Get("Sec-CH-UA")
		if !strings.Contains(hints, "Chromium") || strings.Contains(hints, "Headless") {
			t.Fatalf("the login page saw Sec-CH-UA %q", hints)
		}
	}
	if seen == 0 {
		t.Fatal("the double saw no request for the accounts pages")
	}
}

func TestNavigatorWebdriverIsOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, err := chromedpEval(l, "navigator.webdriver === true")
	if err != nil {
		t.Fatal(err)
	}
	if got {
		t.Error("navigator.webdriver is true: the page can tell it is automated")
	}
}

func TestStoredSessionLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := pixivtest.DemoAccount()
	live := fromHTTP(f.srv.NewSession(a.ID))
	// An export can hold an expired session cookie after the live one: the
	// browser must not be given it, or it deletes the live one.
	dead := live
	dead.Value, dead.Expires = a.ID+"_expired", time.Now().Add(-time.Hour)
	f.opts.Cookies = []session.Cookie{live, dead}
	var steps []StepName
	f.opts.Progress = func(s Step) { steps = append(steps, s.Name) }
	tok, cookies, err := f.login(t)
	if err != nil {
		t.Fatalf("login with a stored session and no password: %v", err)
	}
	if tok.User.ID != a.ID {
		t.Errorf("logged in as %q, want %q", tok.User.ID, a.ID)
	}
	if !hasSession(cookies) {
		t.Error("no session cookie after the login")
	}
	if !slices.Contains(steps, StepContinue) {
		t.Errorf("steps %v: the account selection page was not passed", steps)
	}
}

func TestTOTPLogin(t *testing.T) {
	t.Parallel()
	const secret = "JBSWY3DPEHPK3PXP"
	acct := pixivtest.Account{Username: "totp-user", Password: "totp-pass", Name: "TOTP", Account: "totp_user", TOTPSecret: secret}
	f := newFixture(t, pixivtest.WithAccount(acct)).inShell(t)
	f.opts.Username, f.opts.Password, f.opts.TOTPSecret = acct.Username, acct.Password, secret
	tok, _, err := f.login(t)
	if err != nil {
		t.Fatalf("login with TOTP: %v", err)
	}
	if tok.User.Account != acct.Account {
		t.Errorf("logged in as %q, want %q", tok.User.Account, acct.Account)
	}
}

func TestDecoyCallbacksChangeNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword().inShell(t)
	f.srv.SetDecoys(true)
	tok, _, err := f.login(t)
	if err != nil {
		t.Fatalf("login with decoys: %v", err)
	}
	if issued := f.srv.Issued(); len(issued) != 1 || issued[0].AccessToken != tok.AccessToken {
		t.Fatalf("issued %+v", issued)
	}
	decoys := 0
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "callback") && r.Path != pixiv.CallbackPath {
			decoys++
		}
	}
	if decoys == 0 {
		t.Error("the double saw no decoy request: the test proves nothing")
	}
}

// TestHeadlessLoginSavesTheFailure: a headless login that stops, at a
// stall or just before its timeout when that comes first, keeps what it
// saw (query values removed) and names the place in its error, well
// before a long timeout.
func TestHeadlessLoginSavesTheFailure(t *testing.T) {
	tests := []struct {
		name           string
		stall, timeout time.Duration
		want           []string // in the error, besides the place
		saved          []string
	}{
		// The timeout is long, so that "well before it" holds on a busy
		// machine running browser tests in parallel.
		{"stalled", 2 * time.Second, 5 * time.Minute, nil, []string{"screenshot.png", "page.html"}},
		{"timed out before a stall", 5 * time.Minute, 20 * time.Second, []string{"did not finish within 20s", "saved"}, []string{"page.html", "url.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t).withPassword().inShell(t)
			f.srv.SetNoRedirect(true)
			f.opts.StallTimeout, f.opts.Timeout = tt.stall, tt.timeout
			f.opts.LastFailureDir = filepath.Join(t.TempDir(), "last-failure")
			start := time.Now()
			_, _, err := f.login(t)
			if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), f.opts.LastFailureDir) {
				t.Fatalf("err = %v; want ErrStalled naming %s", err, f.opts.LastFailureDir)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v; want %q in it", err, w)
				}
			}
			if took := time.Since(start); tt.stall < tt.timeout && took > tt.timeout/2 {
				t.Errorf("a stall ended the login after %s", took)
			}
			for _, name := range tt.saved {
				if fi, err := os.Stat(filepath.Join(f.opts.LastFailureDir, name)); err != nil || fi.Size() == 0 {
					t.Errorf("%s not saved: %v", name, err)
				}
			}
			html, _ := os.ReadFile(filepath.Join(f.opts.LastFailureDir, "page.html"))
			if strings.Contains(string(html), "code_challenge="+exchange.Challenge(f.verifier)) {
				t.Error("the saved page keeps query values")
			}
		})
	}
}

func TestBrowserKilledMidLogin(t *testing.T) {
	t.Parallel()
	// The post-redirect page never moves on, so the login waits there.
	f := newFixture(t).withPassword()
	f.srv.SetNoRedirect(true)
	f.opts.StallTimeout = time.Minute
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	pids := testenv.BrowsersUnder(f.tmp)
	if len(pids) == 0 {
		t.Fatal("no browser process found for the test's profile")
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	start := time.Now()
	_, err = l.Code(ctx)
	// The words the CLI's fake browser ends a login with for a crash
	// (driverErr in package main).
	if !errors.Is(err, ErrBrowser) || reason.Of(err) != reason.BrowserCrashed || !strings.Contains(err.Error(), "the browser exited during the login") {
		t.Fatalf("err = %v, want ErrBrowser, %q: the browser exited during the login", err, reason.BrowserCrashed)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("noticed the dead browser after %s", took)
	}
	l.Close()
	f.checkClean(t)
}

func TestCanceledLoginCleansUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword()
	f.srv.SetNoRedirect(true)
	f.opts.StallTimeout = time.Minute
	ctx, cancel := context.WithCancelCause(context.Background())
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	interrupted := errors.New("interrupted")
	go func() { time.Sleep(200 * time.Millisecond); cancel(interrupted) }()
	_, err = l.Code(ctx)
	if !errors.Is(err, interrupted) {
		t.Fatalf("err = %v, want the cancel cause", err)
	}
	l.Close()
	f.checkClean(t)
}

func TestBrowserProblems(t *testing.T) {
	t.Parallel()
	needBrowser(t, false)
	notBrowser := filepath.Join(t.TempDir(), "not-a-browser")
	os.WriteFile(notBrowser, []byte("#!/bin/sh\necho hello\n"), 0o755)
	notExecutable := filepath.Join(t.TempDir(), "chromium")
	os.WriteFile(notExecutable, []byte("not a program"), 0o644)
	tests := []struct{ name, browser, text string }{
		{"missing", "/nonexistent/chrome", "not found"},
		{"not executable", notExecutable, "is not an executable file"},
		{"a directory", t.TempDir(), "is not an executable file"},
		{"not a browser", notBrowser, "not a browser"},
		{"exits at once", "/bin/true", "not a browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			_, err := Start(context.Background(), Options{LoginURL: pixiv.LoginURL, Browser: tt.browser, TempDir: tmp, Timeout: time.Minute})
			if !errors.Is(err, ErrBrowser) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v; want ErrBrowser mentioning %q", err, tt.text)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("left %d entries in the temp dir", len(entries))
			}
		})
	}
}

func TestNoDisplayForAWindow(t *testing.T) {
	needBrowser(t, true)
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	_, err := Start(context.Background(), Options{LoginURL: pixiv.LoginURL, Visible: true, TempDir: t.TempDir()})
	if !errors.Is(err, ErrBrowser) || !errors.Is(err, reason.NoDisplay) {
		t.Fatalf("err = %v; want ErrBrowser and reason.NoDisplay", err)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// A DISPLAY where no X server answers is the same problem, said in
	// pixivauth's words, not the browser's log lines.
	display := ""
	for n := 90; n < 200 && display == ""; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); errors.Is(err, fs.ErrNotExist) {
			display = fmt.Sprintf(":%d", n)
		}
	}
	t.Setenv("DISPLAY", display)
	_, err = Start(context.Background(), Options{LoginURL: pixiv.LoginURL, Visible: true, TempDir: t.TempDir(),
		Flags: map[string]any{"host-resolver-rules": pixivtest.NoLookups}})
	if !errors.Is(err, reason.NoDisplay) || !strings.Contains(err.Error(), "no display answers at DISPLAY="+display) || strings.Contains(err.Error(), "ERROR:") {
		t.Fatalf("DISPLAY=%s: err = %v; want reason.NoDisplay, in pixivauth's words", display, err)
	}
	// A Wayland display that nothing serves is named as such.
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "wayland-pixivauth-none")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, err = Start(context.Background(), Options{LoginURL: pixiv.LoginURL, Visible: true, TempDir: t.TempDir(),
		Flags: map[string]any{"host-resolver-rules": pixivtest.NoLookups}})
	if !errors.Is(err, reason.NoDisplay) || !strings.Contains(err.Error(), "WAYLAND_DISPLAY=wayland-pixivauth-none") {
		t.Fatalf("WAYLAND_DISPLAY with nothing there: err = %v", err)
	}
}

func TestRemoveStaleProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A pid above the kernel's limit is never alive.
	stale := filepath.Join(dir, ProfilePrefix+"99999999-1")
	mine := filepath.Join(dir, ProfilePrefix+strconv.Itoa(os.Getpid())+"-2")
	other := filepath.Join(dir, "someone-else")
	for _, d := range []string{stale, mine, other} {
		os.MkdirAll(filepath.Join(d, "Default"), 0o700)
	}
	n, err := RemoveStaleProfiles(dir)
	if err != nil || n != 1 {
		t.Fatalf("RemoveStaleProfiles = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("the stale profile is still there")
	}
	for _, d := range []string{mine, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed", d)
		}
	}
}

func hasSession(cookies []session.Cookie) bool {
	for _, c := range cookies {
		if c.Name == pixiv.SessionCookie && c.Value != "" && strings.TrimPrefix(c.Domain, ".") == strings.TrimPrefix(pixiv.CookieDomain, ".") {
			return true
		}
	}
	return false
}

func cookieNames(cookies []session.Cookie) []string {
	var names []string
	for _, c := range cookies {
		names = append(names, c.Name+"@"+c.Domain)
	}
	return names
}

func fromHTTP(c *http.Cookie) session.Cookie {
	return session.Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Expires: c.Expires, Secure: c.Secure, HTTPOnly: c.HttpOnly}
}

func TestVisibleWindowLogin(t *testing.T) {
	needBrowser(t, true)
	t.Setenv("DISPLAY", testenv.StartXvfb(t))
	// The double's login page acts as the person: it types the demo
	// account in and submits after a moment. pixivauth only watches.
	f := newFixture(t, pixivtest.WithAutoLogin(500*time.Millisecond))
	f.opts.Visible = true
	tok, _, err := f.login(t)
	if err != nil {
		t.Fatalf("visible login: %v", err)
	}
	if tok.User.ID != pixivtest.DemoAccount().ID {
		t.Errorf("user %q", tok.User.ID)
	}
}

func TestVisibleWindowClosed(t *testing.T) {
	needBrowser(t, true)
	t.Setenv("DISPLAY", testenv.StartXvfb(t))
	f := newFixture(t)
	f.opts.Visible = true
	f.opts.Logf = t.Logf
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(500 * time.Millisecond)
		closeTab(l)
	}()
	start := time.Now()
	_, err = l.Code(ctx)
	if !errors.Is(err, ErrBrowser) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("err = %v; want ErrBrowser saying the window was closed", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("noticed the closed window after %s", took)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	f.checkClean(t)
}

// TestVisibleWindowWithASession: a window with a stored session continues
// by itself, as headless does; with ChooseAccount it waits for the person.
func TestVisibleWindowWithASession(t *testing.T) {
	needBrowser(t, true)
	t.Setenv("DISPLAY", testenv.StartXvfb(t))
	t.Run("continues", func(t *testing.T) {
		f := newFixture(t)
		f.opts.Visible = true
		f.opts.Cookies = []session.Cookie{fromHTTP(f.srv.NewSession(pixivtest.DemoAccount().ID))}
		start := time.Now()
		tok, _, err := f.login(t)
		if err != nil || tok.User.ID != pixivtest.DemoAccount().ID {
			t.Fatalf("window with a session: %v", err)
		}
		if took := time.Since(start); took > f.opts.Timeout/3 {
			t.Errorf("took %s", took)
		}
	})
	t.Run("choose account", func(t *testing.T) {
		f := newFixture(t)
		f.opts.Visible, f.opts.ChooseAccount = true, true
		f.opts.Timeout = 8 * time.Second
		f.opts.Cookies = []session.Cookie{fromHTTP(f.srv.NewSession(pixivtest.DemoAccount().ID))}
		_, _, err := f.login(t)
		if !errors.Is(err, ErrNeedsPerson) || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err = %v, want a timeout waiting for the person", err)
		}
		for _, r := range f.srv.Requests() {
			if r.Path == pixiv.AccountSelectedPath {
				t.Fatalf("the account was selected without the person")
			}
		}
	})
}

// Cookies gives up when its context is done, rather than waiting on the
// browser.
func TestCookiesHonoursContext(t *testing.T) {
	f := newFixture(t).withPassword().inShell(t)
	l, err := Start(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Code(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Cookies(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Cookies with a canceled context: %v, want context.Canceled", err)
	}
	if cookies, err := l.Cookies(context.Background()); err != nil || !hasSession(cookies) {
		t.Errorf("Cookies afterwards: %v", err)
	}
}

// TestProbeTimeout: a browser that does not start and open a page within
// Probe's timeout is a browser problem, said as one, not a login that
// stalled (doctor prints this error as its "headless start" check).
func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	needBrowser(t, false)
	err := Probe(context.Background(), Options{TempDir: t.TempDir(), Browser: headlessShell(t), Timeout: time.Millisecond,
		Flags: map[string]any{"host-resolver-rules": pixivtest.NoLookups}})
	if !errors.Is(err, ErrBrowser) || !errors.Is(err, reason.BrowserFailed) || errors.Is(err, ErrStalled) ||
		!strings.Contains(err.Error(), "did not start and open a page within 1ms") {
		t.Errorf("err = %v; want ErrBrowser and %q, saying the browser did not start", err, reason.BrowserFailed)
	}
}
