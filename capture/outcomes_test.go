package capture

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// outcome is one way a headless login against the 2026 pages ends.
type outcome struct {
	name  string
	opts  []pixivtest.Option
	setup func(*fixture)
	// want is the reason the login ends with; "" is a login that works.
	want reason.Reason
	// say are words its error must hold, in every language: what the
	// CLI's tests, whose fake browser ends logins with these words
	// (driverErr in package main), rely on the driver saying.
	say []string
	// submits is how many login forms (/ajax/login) the double must see.
	submits int
	// selects: the login continues with the stored session on the
	// account-selection page, by a click on its button where pixivauth
	// knows the button's label, else from the page's data.
	selects bool
	// check, if set, looks at the double afterwards.
	check func(*testing.T, *fixture)
}

func requestsTo(f *fixture, path string) int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func outcomes() []outcome {
	const secret = "JBSWY3DPEHPK3PXP"
	session := func(f *fixture) {
		f.opts.Cookies = []session.Cookie{fromHTTP(f.srv.NewSession(pixivtest.DemoAccount().ID))}
	}
	account := func(a pixivtest.Account) func(*fixture) {
		return func(f *fixture) {
			f.srv.AddAccount(a)
			f.opts.Username, f.opts.Password = a.Username, a.Password
		}
	}
	return []outcome{
		{name: "stored session", setup: session, selects: true},
		{name: "stored session, data-props", opts: []pixivtest.Option{pixivtest.WithDataProps()}, setup: session, selects: true},
		{name: "stored session, JS callback", opts: []pixivtest.Option{pixivtest.WithScriptCallback()}, setup: session, selects: true},
		{name: "password", setup: func(f *fixture) { f.withPassword() }, submits: 1},
		{name: "password, returnTo", opts: []pixivtest.Option{pixivtest.WithCamelReturnTo()}, setup: func(f *fixture) { f.withPassword() }, submits: 1},
		{name: "password, username first", opts: []pixivtest.Option{pixivtest.WithUsernameFirst()}, setup: func(f *fixture) { f.withPassword() }, submits: 1},
		{name: "setup prompts skipped", setup: account(pixivtest.Account{Username: "prompted", Password: "pw-prompted-secret",
			Prompts: []pixivtest.Prompt{pixivtest.PromptPasskey, pixivtest.PromptTwoFactorSetup}}), submits: 1,
			check: func(t *testing.T, f *fixture) {
				if n := requestsTo(f, "/setup-prompt"); n != 2 {
					t.Errorf("%d setup prompts shown, want 2", n)
				}
			}},
		{name: "two-factor", setup: func(f *fixture) {
			account(pixivtest.Account{Username: "totp", Password: "pw-totp-secret", TOTPSecret: secret})(f)
			f.opts.TOTPSecret = secret
		}, submits: 1},
		{name: "two-factor without a secret", setup: account(pixivtest.Account{Username: "totp", Password: "pw-totp-secret", TOTPSecret: secret}),
			want: reason.OneTimeCode, submits: 1, say: []string{"one-time code"}},
		{name: "e-mailed code asked for", setup: func(f *fixture) {
			account(pixivtest.Account{Username: "mailed", Password: "pw-mailed-secret", EmailCode: true, Mail: "m@example.com"})(f)
			f.opts.EmailCode = func(context.Context) (string, error) {
				sent := f.srv.EmailedCodes()
				if len(sent) != 1 {
					return "", errors.New("no code was e-mailed")
				}
				return sent[0].Code, nil
			}
		}, submits: 1},
		{name: "e-mailed code, nobody to ask", setup: account(pixivtest.Account{Username: "mailed", Password: "pw-mailed-secret", EmailCode: true, Mail: "m@example.com"}),
			want: reason.EmailCode, submits: 1, say: []string{"e-mailed a verification code"}},
		{name: "wrong password", setup: func(f *fixture) { f.withPassword(); f.opts.Password = "wrong-password-given" }, want: reason.WrongPassword, submits: 1, say: []string{"refused the username or password", "not submitted again"}},
		{name: "locked", setup: account(pixivtest.Account{Username: "locked", Password: "pw-locked-secret", Locked: true}), want: reason.AccountLocked, submits: 1, say: []string{"account is locked"}},
		{name: "captcha", setup: func(f *fixture) { f.withPassword(); f.srv.SetCaptcha(true) }, want: reason.Captcha, submits: 1, say: []string{"captcha"}},
		{name: "expired session", setup: func(f *fixture) { session(f); f.srv.ExpireSessions() }, want: reason.SessionExpired, say: []string{"session has expired"}},
		{name: "no credentials", setup: func(*fixture) {}, want: reason.NoCredentials, say: []string{"no username or password"}},
		{name: "callback error", setup: func(f *fixture) { f.withPassword(); f.srv.SetCallbackError("access_denied") }, want: reason.Rejected, submits: 1, say: []string{`ended the login with error "access_denied"`}},
	}
}

// TestOutcomes: every way a headless login ends, in every language the
// double speaks, against real Chromium: at once (well before a long
// timeout), with the right reason, and never a second submit.
//
// Every outcome runs in both headless browsers pixivauth finds on Linux:
// English in the full Chromium (what it prefers), the other languages in
// Chromium's headless shell (what servers often have instead, at a third of
// the full browser's cost, which keeps the matrix affordable).
func TestOutcomes(t *testing.T) {
	const timeout = 90 * time.Second
	langs := append(pixivtest.Languages(), "en-alt")
	needBrowser(t, false)
	full, err := FindBrowser("", false)
	if err != nil {
		t.Fatal(err)
	}
	fullBrowser := startSharedBrowser(t, full)
	shellBrowser := fullBrowser
	if shell := headlessShell(t); shell != "" {
		shellBrowser = startSharedBrowser(t, shell)
	}
	for _, lang := range langs {
		browser := shellBrowser
		if lang == "en" {
			browser = fullBrowser
		}
		for _, o := range outcomes() {
			t.Run(lang+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				opts := append([]pixivtest.Option{}, o.opts...)
				if lang == "en-alt" {
					opts = append(opts, pixivtest.WithAltEnglish())
				} else {
					opts = append(opts, pixivtest.WithLanguage(lang))
				}
				f := browser.fixture(t, opts...)
				f.opts.Timeout = timeout
				var mu sync.Mutex
				var log []string
				f.opts.Logf = func(format string, args ...any) {
					mu.Lock()
					log = append(log, time.Now().Format("15:04:05.000 ")+sprintf(format, args...))
					mu.Unlock()
				}
				o.setup(f)
				start := time.Now()
				tok, cookies, err := f.login(t)
				took := time.Since(start)
				mu.Lock()
				defer mu.Unlock()
				// What the driver logs (the CLI's -v) and its error hold
				// no secret it was given or saw.
				secrets := testenv.SecretsOf(f.srv, "")
				secrets.Add("the password", f.opts.Password)
				secrets.Add("the TOTP secret", f.opts.TOTPSecret)
				for _, c := range append(f.opts.Cookies, cookies...) {
					secrets.Add("the cookie "+c.Name, c.Value)
				}
				said := strings.Join(log, "\n")
				if err != nil {
					said += "\n" + err.Error()
				}
				if found := secrets.In(said); len(found) > 0 {
					t.Errorf("the log or the error holds %s:\n%s", strings.Join(found, ", "), said)
				}
				if o.want == "" {
					if err != nil || tok == nil {
						t.Fatalf("login: %v\n%s", err, strings.Join(log, "\n"))
					}
				} else if !errors.Is(err, o.want) || !errors.Is(err, ErrNeedsPerson) {
					t.Fatalf("err = %v; want %q (and ErrNeedsPerson)\n%s", err, o.want, strings.Join(log, "\n"))
				} else if strings.Contains(err.Error(), "--") || strings.Contains(err.Error(), "pixivauth login") {
					t.Errorf("err = %v names the CLI", err)
				}
				if o.selects && err == nil {
					// The alternative English label is none pixivauth
					// knows, beside a second button: no element to click.
					said := strings.Join(log, "\n")
					clicked := strings.Contains(said, "continuing with the stored session") && !strings.Contains(said, "posted from the page's data")
					if clicked != (lang != "en-alt") {
						t.Errorf("continued by a click: %v, want %v (a click where the label is known, else the page's data):\n%s", clicked, lang != "en-alt", said)
					}
				}
				for _, w := range o.say {
					if err != nil && !strings.Contains(err.Error(), w) {
						t.Errorf("err = %v; want it to say %q", err, w)
					}
				}
				if took > timeout/3 {
					t.Errorf("took %s, not well before the %s timeout", took, timeout)
				}
				if n := requestsTo(f, pixiv.AjaxLoginPath); n != o.submits {
					t.Errorf("the login form was submitted %d times, want %d", n, o.submits)
				}
				if o.want != "" && len(f.srv.Issued()) != 0 {
					t.Errorf("the double issued tokens")
				}
				if o.check != nil {
					o.check(t, f)
				}
			})
		}
	}
}

// sharedBrowser is a headless browser that many logins attach to, each in
// a browser context of its own whose proxy (pixivtest.NewProxy) reaches its
// own test's double: one browser start, the dearest part of a login (three
// seconds of CPU on a slow machine), for a whole matrix of outcomes. These
// logins are an attached browser's (Options.BrowserURL); the rest of the
// package tests the ones that start their browser.
type sharedBrowser struct {
	devtools string
	cert     tls.Certificate // every double's, so that the browser trusts them all
}

func startSharedBrowser(t *testing.T, path string) *sharedBrowser {
	t.Helper()
	cert, err := pixivtest.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	b := startBrowserAt(t, path, t.TempDir(), testenv.ChromeArgs(pixivtest.ProxyBrowserFlags(cert))...)
	return &sharedBrowser{devtools: b.devtools, cert: cert}
}

// fixture is a fixture whose logins go through the shared browser.
func (b *sharedBrowser) fixture(t *testing.T, srvOpts ...pixivtest.Option) *fixture {
	t.Helper()
	f := newFixture(t, append(srvOpts, pixivtest.WithCertificate(b.cert))...)
	proxy := pixivtest.NewProxy(f.srv.Addr())
	t.Cleanup(proxy.Close)
	f.opts.BrowserURL = b.devtools
	f.opts.Proxy = proxy.URL()
	f.opts.Flags = nil
	return f
}

// headlessShell is the path of Chromium's headless shell, or "" where
// there is none (testenv.HeadlessShell).
func headlessShell(t *testing.T) string {
	return testenv.HeadlessShell(t, BrowserLocations(false), BrowserLocations(true))
}

// TestChallengeFrameNotBadge: the invisible reCAPTCHA score frame in its
// badge is on every login page and is no captcha; a visible checkbox frame
// is, and ends a headless login at once.
func TestChallengeFrameNotBadge(t *testing.T) {
	needBrowser(t, false)
	const page = `<!doctype html><html><body>
<input type="hidden" id="init-config" class="json-data" value='{"pixivAccount":{"tt":"x","userId":null}}'>
<div class="grecaptcha-badge" style="width:256px;height:60px;position:fixed;bottom:14px;right:-186px"><iframe title="reCAPTCHA" width="256" height="60" src="https://www.google.com/recaptcha/enterprise/anchor?k=k&amp;size=invisible"></iframe></div>
%s
</body></html>`
	// The badge alone is no captcha: the login waits, and ends at a short
	// stall. The checkbox must be recognised before a long one could.
	tests := []struct {
		name, extra string
		want        reason.Reason
		stall       time.Duration
	}{
		{"badge only", ``, reason.Stalled, 3 * time.Second},
		{"checkbox", `<form><div><iframe title="reCAPTCHA" width="304" height="78" src="https://www.google.com/recaptcha/enterprise/anchor?k=k&amp;size=normal"></iframe></div></form>`, reason.Captcha, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, page, tc.extra)
			}))
			defer ts.Close()
			start := time.Now()
			// The headless shell where there is one: the page is the
			// subject. The full browser meets the badge and the checkbox
			// in TestOutcomes' English logins.
			l, err := Start(context.Background(), Options{LoginURL: ts.URL + "/login", TempDir: t.TempDir(),
				Browser: headlessShell(t), Timeout: 5 * time.Minute, StallTimeout: tc.stall,
				Flags: map[string]any{"host-resolver-rules": pixivtest.NoLookups}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, err = l.Code(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if took := time.Since(start); took > 100*time.Second {
				t.Errorf("took %s, not well before the 5m timeout", took)
			}
		})
	}
}

// TestPageFaults: a login page that Cloudflare answers, one that never
// finishes loading and one whose connection is reset end a headless login
// at once (the stall check aside), with the reason the CLI maps to its
// hint, in words that name the page, and with the page saved for the
// person. Pages that are not Pixiv's own are not translated: each runs
// once, in the headless shell where there is one.
func TestPageFaults(t *testing.T) {
	shell := headlessShell(t)
	hang := pixivtest.Fault{Hang: true, Body: "<!doctype html><html><body><p>Loading pixiv…</p><p>" + strings.Repeat("…", 200) + "</p></body></html>"}
	// Only the page that never loads waits for the stall; the others must
	// be recognised before a stall that long could end them.
	const quick, long = 3 * time.Second, time.Minute
	tests := []struct {
		name     string
		endpoint pixivtest.Endpoint
		fault    pixivtest.Fault
		want     reason.Reason
		stall    time.Duration
		say      []string
	}{
		{"Cloudflare's check on the login form", pixivtest.EndpointAccountsLogin, pixivtest.CloudflareChallenge(), reason.Blocked, long,
			[]string{"Cloudflare) blocked the browser", pixiv.AccountsHost + "/login", "another network"}},
		{"Cloudflare's block on the login form", pixivtest.EndpointAccountsLogin, pixivtest.CloudflareBlock(), reason.Blocked, long,
			[]string{"Cloudflare) blocked the browser", pixiv.AccountsHost + "/login", "another network"}},
		{"Cloudflare's block at the start", pixivtest.EndpointLogin, pixivtest.CloudflareBlock(), reason.Blocked, long,
			[]string{"Cloudflare) blocked the browser", pixiv.AppAPIHost + pixiv.LoginPath}},
		{"a login page that never finishes loading", pixivtest.EndpointLogin, hang, reason.Stalled, quick,
			[]string{"no progress", pixiv.AppAPIHost + pixiv.LoginPath}},
		{"a reset on the login page", pixivtest.EndpointLogin, pixivtest.Fault{Reset: true}, reason.Unreachable, long,
			[]string{"could not load", pixiv.AppAPIHost + pixiv.LoginPath, "ERR_", "check the network"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t).withPassword()
			f.srv.Inject(tt.endpoint, tt.fault)
			f.opts.Browser = shell
			f.opts.Timeout = 5 * time.Minute
			f.opts.StallTimeout = tt.stall
			f.opts.LastFailureDir = filepath.Join(t.TempDir(), "last-failure")
			start := time.Now()
			_, _, err := f.login(t)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrStalled) {
				t.Fatalf("err = %v; want %q (and ErrStalled)", err, tt.want)
			}
			for _, s := range append(tt.say, f.opts.LastFailureDir) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %v; want it to say %q", err, s)
				}
			}
			if took := time.Since(start); took > f.opts.Timeout/3 {
				t.Errorf("took %s, not well before the %s timeout", took, f.opts.Timeout)
			}
			if _, err := os.Stat(filepath.Join(f.opts.LastFailureDir, "page.html")); err != nil {
				t.Errorf("the page was not saved: %v", err)
			}
			// The error names what was saved, and only that.
			for claim, file := range map[string]string{"a screenshot": "screenshot.png", "the page": "page.html"} {
				_, statErr := os.Stat(filepath.Join(f.opts.LastFailureDir, file))
				if said := strings.Contains(err.Error(), claim); said != (statErr == nil) {
					t.Errorf("the error says %q: %v, but %s is there: %v", claim, said, file, statErr == nil)
				}
			}
			if len(f.srv.Issued()) != 0 {
				t.Error("the double issued tokens")
			}
		})
	}
}
