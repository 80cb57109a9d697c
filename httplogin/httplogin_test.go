package httplogin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/httplogin"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// fixture is a double with the demo account logged in, and a client that
// logs everything it says.
type fixture struct {
	t       *testing.T
	srv     *pixivtest.Server
	cookies []session.Cookie
	client  *httplogin.Client
	dir     string // the client's LastFailureDir

	mu   sync.Mutex
	logs []string
}

func newFixture(t *testing.T, opts ...pixivtest.Option) *fixture {
	t.Helper()
	srv := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(pixivtest.DemoAccount())}, opts...)...)
	t.Cleanup(srv.Close)
	c := srv.NewSession(pixivtest.DemoAccount().ID)
	f := &fixture{t: t, srv: srv, dir: filepath.Join(t.TempDir(), "last-failure"),
		cookies: []session.Cookie{{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Expires: c.Expires, Secure: true, HTTPOnly: true}}}
	f.client = &httplogin.Client{HTTP: srv.Client(), LastFailureDir: f.dir, Logf: func(format string, args ...any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.logs = append(f.logs, fmt.Sprintf(format, args...))
	}}
	return f
}

// code logs in and checks that nothing it said, returned or saved carries
// a secret: a cookie value, the tt of a page, the code.
func (f *fixture) code(ctx context.Context) (code, verifier string, cookies []session.Cookie, err error) {
	f.t.Helper()
	verifier = exchange.NewVerifier()
	code, cookies, err = f.client.Code(ctx, exchange.LoginURL(verifier), f.cookies)
	f.noSecrets(err, code)
	return code, verifier, cookies, err
}

func (f *fixture) noSecrets(err error, code string) {
	f.t.Helper()
	secrets := []string{code}
	for _, c := range f.cookies {
		secrets = append(secrets, c.Value)
	}
	for _, r := range f.srv.Requests() {
		secrets = append(secrets, r.Form.Get(pixiv.CSRFParam), r.Query.Get("code"), r.Query.Get("state"), r.Query.Get("code_challenge"))
	}
	var places []string
	if err != nil {
		places = append(places, "the error: "+err.Error())
	}
	f.mu.Lock()
	for _, l := range f.logs {
		places = append(places, "a log line: "+l)
	}
	f.mu.Unlock()
	files, _ := filepath.Glob(filepath.Join(f.dir, "*"))
	for _, name := range files {
		b, _ := os.ReadFile(name)
		places = append(places, filepath.Base(name)+": "+string(b))
	}
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		for _, p := range places {
			if strings.Contains(p, s) {
				f.t.Errorf("a secret (%.4s…) is in %.300s", s, p)
			}
		}
	}
}

func TestCodeGivesTokensWithSixRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	code, verifier, cookies, err := f.code(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x := &exchange.Client{HTTPClient: f.srv.Client()}
	tok, err := x.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatalf("exchanging the code: %v", err)
	}
	if tok.User.ID != pixivtest.DemoAccount().ID {
		t.Errorf("tokens are for user %q, want the session's %q", tok.User.ID, pixivtest.DemoAccount().ID)
	}
	if _, err := x.Exchange(ctx, code, verifier); !errors.Is(err, exchange.ErrRejected) {
		t.Errorf("the code exchanged a second time: %v, want it rejected (single-use)", err)
	}
	if !(&session.Session{Cookies: cookies}).Live(time.Now()) {
		t.Errorf("the session returned (%v) has no live %s", cookies, pixiv.SessionCookie)
	}

	type hop struct{ method, host, path string }
	want := []hop{
		{"GET", pixiv.AppAPIHost, pixiv.LoginPath},
		{"GET", pixiv.AccountsHost, pixiv.AccountsLoginPath},
		{"POST", pixiv.AccountsHost, pixiv.AccountSelectedPath},
		{"GET", pixiv.AccountsHost, pixiv.PostRedirectPath},
		{"POST", pixiv.AppAPIHost, pixiv.StartPath},
		{"GET", pixiv.OAuthHost, pixiv.AuthorizePath},
	}
	var got []pixivtest.Request
	for _, r := range f.srv.Requests() {
		if r.Path != pixiv.TokenPath {
			got = append(got, r)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the login made %d requests before the token endpoint, want %d (the callback is never requested): %v", len(got), len(want), got)
	}
	for i, r := range got {
		if w := want[i]; r.Method != w.method || r.Host != w.host || r.Path != w.path {
			t.Errorf("request %d is %s %s%s, want %s %s%s", i+1, r.Method, r.Host, r.Path, w.method, w.host, w.path)
		}
		h := r.Header
		for name, prefix := range map[string]string{
			"User-Agent":         "Mozilla/5.0 (",
			"Sec-Ch-Ua":          `"Chromium";v="` + pixiv.ChromeMajor + `"`,
			"Sec-Ch-Ua-Mobile":   "?0",
			"Sec-Ch-Ua-Platform": `"`,
			"Accept":             "text/html,",
			"Accept-Language":    "en-US",
			"Sec-Fetch-Mode":     "navigate",
			"Sec-Fetch-Dest":     "document",
		} {
			if !strings.HasPrefix(h.Get(name), prefix) {
				t.Errorf("request %d (%s): %s is %q, want it to start %q", i+1, r.Path, name, h.Get(name), prefix)
			}
		}
		if strings.Contains(h.Get("User-Agent"), "Go-http-client") || strings.Contains(h.Get("User-Agent"), "Headless") {
			t.Errorf("request %d: User-Agent %q gives the client away", i+1, h.Get("User-Agent"))
		}
		if i > 0 && !strings.HasPrefix(h.Get("Referer"), pixiv.AccountsOrigin+"/") {
			t.Errorf("request %d (%s): Referer %q, want a page of %s", i+1, r.Path, h.Get("Referer"), pixiv.AccountsOrigin)
		}
		if r.Method == "POST" && h.Get("Origin") != pixiv.AccountsOrigin {
			t.Errorf("request %d (%s): Origin %q, want %s", i+1, r.Path, h.Get("Origin"), pixiv.AccountsOrigin)
		}
		if r.Method == "GET" && h.Get("Origin") != "" {
			t.Errorf("request %d (%s): a navigation GET sends Origin %q", i+1, r.Path, h.Get("Origin"))
		}
		if r.Host != pixiv.AppAPIHost || r.Path != pixiv.LoginPath {
			if c := h.Get("Cookie"); !strings.Contains(c, pixiv.SessionCookie+"=") {
				t.Errorf("request %d (%s) carries no session cookie", i+1, r.Path)
			}
		}
	}
	if s := got[4]; s.Query.Get(pixiv.ViaParam) != pixiv.ViaLogin {
		t.Errorf("start was posted without %s=%s: %v", pixiv.ViaParam, pixiv.ViaLogin, s.Query)
	}
	if sel := got[2].Form; sel.Get(pixiv.CSRFParam) == "" || sel.Get(pixiv.ReturnToParam) == "" {
		t.Errorf("account-selected was posted without tt and return_to")
	}
	if _, err := os.Stat(f.dir); !os.IsNotExist(err) {
		t.Errorf("a login that worked left %s (%v)", f.dir, err)
	}
}

// TestCodeFailures: every way the login can end early ends with its reason,
// at once, with a saved answer where it was not understood, and says no
// secret anywhere.
func TestCodeFailures(t *testing.T) {
	hops := []pixivtest.Endpoint{
		pixivtest.EndpointLogin, pixivtest.EndpointAccountsLogin, pixivtest.EndpointAccountSelected,
		pixivtest.EndpointPostRedirect, pixivtest.EndpointStart, pixivtest.EndpointAuthorize,
	}
	type tc struct {
		name       string
		prepare    func(f *fixture)
		timeout    time.Duration
		want       reason.Reason
		unexpected bool // wraps ErrUnexpected: a browser may get past it
		saved      bool // the answer is saved under LastFailureDir
	}
	cases := []tc{
		{name: "dead session", prepare: func(f *fixture) { f.srv.ExpireSessions() }, want: reason.SessionExpired},
		{name: "tt mismatch", prepare: func(f *fixture) {
			f.client.HTTP = rewrite(f.srv, func(r *http.Request) {
				if r.URL.Path == pixiv.AccountSelectedPath {
					setForm(r, pixiv.CSRFParam, "0123456789abcdef0123456789abcdef")
				}
			})
		}, want: reason.Failing, unexpected: true, saved: true},
		{name: "GET to start refused", prepare: func(f *fixture) {
			f.client.HTTP = rewrite(f.srv, func(r *http.Request) {
				if r.URL.Path == pixiv.StartPath {
					r.Method, r.Body, r.ContentLength = http.MethodGet, http.NoBody, 0
					r.Header.Del("Content-Type")
				}
			})
		}, want: reason.Failing, unexpected: true, saved: true},
		{name: "no Origin on account-selected", prepare: func(f *fixture) {
			f.client.HTTP = rewrite(f.srv, func(r *http.Request) {
				if r.URL.Path == pixiv.AccountSelectedPath {
					r.Header.Del("Origin")
				}
			})
		}, want: reason.Failing, unexpected: true, saved: true},
		{name: "callback error", prepare: func(f *fixture) { f.srv.SetCallbackError("access_denied") }, want: reason.Rejected},
	}
	for _, hop := range hops {
		cases = append(cases,
			tc{name: "Cloudflare block at " + string(hop), prepare: inject(hop, pixivtest.CloudflareBlock()),
				want: reason.Blocked, unexpected: true, saved: true},
			tc{name: "Cloudflare 503 at " + string(hop), prepare: inject(hop, pixivtest.CloudflareUnavailable()),
				want: reason.Failing, saved: true},
			tc{name: "500 at " + string(hop), prepare: inject(hop, pixivtest.Fault{Status: 500, Body: "<html><body>Internal Server Error</body></html>"}),
				want: reason.Failing, saved: true},
			// Every request resets: Go, like Chrome, sends a GET again once
			// when a kept-alive connection breaks before any answer.
			tc{name: "reset at " + string(hop), prepare: func(f *fixture) { f.srv.Inject(hop, pixivtest.Fault{Reset: true}) },
				want: reason.Unreachable},
			tc{name: "slow at " + string(hop), prepare: inject(hop, pixivtest.Fault{Delay: time.Minute}),
				timeout: 300 * time.Millisecond, want: reason.Unreachable},
			tc{name: "unknown page at " + string(hop), prepare: inject(hop, pixivtest.Fault{Status: 200, Body: "<html><body><p>Something new</p></body></html>"}),
				want: reason.Failing, unexpected: true, saved: true},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c.prepare(f)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if c.timeout > 0 {
				ctx, cancel = context.WithTimeout(context.Background(), c.timeout)
			}
			defer cancel()
			start := time.Now()
			code, _, cookies, err := f.code(ctx)
			if err == nil {
				t.Fatalf("the login gave a code, want %q", c.want)
			}
			if code != "" || cookies != nil {
				t.Errorf("a failed login returned a code or cookies")
			}
			t.Log(err)
			if got := reason.Of(err); got != c.want {
				t.Errorf("reason %q, want %q: %v", got, c.want, err)
			}
			if got := errors.Is(err, httplogin.ErrUnexpected); got != c.unexpected {
				t.Errorf("errors.Is(err, ErrUnexpected) = %v, want %v: %v", got, c.unexpected, err)
			}
			if c.timeout > 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a login past its deadline does not say so: %v", err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("the login took %s to fail, want at once", took)
			}
			_, statErr := os.Stat(filepath.Join(f.dir, "response.txt"))
			if saved := statErr == nil; saved != c.saved {
				t.Errorf("answer saved: %v, want %v (%v)", saved, c.saved, err)
			}
			if c.saved && !strings.Contains(err.Error(), f.dir) {
				t.Errorf("the error does not name where the answer is saved: %v", err)
			}
			for _, r := range f.srv.Requests() {
				if r.Path == pixiv.CallbackPath {
					t.Errorf("the callback was requested")
				}
			}
		})
	}
}

func TestCodeCanceled(t *testing.T) {
	f := newFixture(t)
	f.srv.Inject(pixivtest.EndpointPostRedirect, pixivtest.Fault{Delay: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, _, _, err := f.code(ctx)
	if !errors.Is(err, context.Canceled) || reason.Of(err) != "" {
		t.Errorf("a canceled login ended with %v, want context.Canceled and no reason", err)
	}
}

func TestCodeRefusesOtherURLs(t *testing.T) {
	f := newFixture(t)
	for _, u := range []string{"", "https://example.com/web/v1/login?x=1", pixiv.AccountsLoginURL} {
		if _, _, err := f.client.Code(context.Background(), u, f.cookies); err == nil || reason.Of(err) != "" {
			t.Errorf("Code(%q) = %v, want a plain error", u, err)
		}
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("%d requests were made for a wrong login URL", n)
	}
}

// TestCodeUnreachable: a closed loopback port is a network error.
func TestCodeUnreachable(t *testing.T) {
	f := newFixture(t)
	tr := f.srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = (&closedPort{}).dial
	f.client.HTTP = &http.Client{Transport: tr}
	_, _, _, err := f.code(context.Background())
	if reason.Of(err) != reason.Unreachable || errors.Is(err, httplogin.ErrUnexpected) {
		t.Errorf("got %v, want Unreachable and not unexpected", err)
	}
}

func inject(e pixivtest.Endpoint, fault pixivtest.Fault) func(*fixture) {
	return func(f *fixture) {
		fault.Times = 1
		f.srv.Inject(e, fault)
	}
}

// rewrite is the double's client with a change to some requests: what a
// client that gets the rules wrong would send.
func rewrite(srv *pixivtest.Server, change func(*http.Request)) *http.Client {
	next := srv.Client().Transport
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		change(r)
		return next.RoundTrip(r)
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// setForm replaces a field of a form-encoded request body.
func setForm(r *http.Request, name, value string) {
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	form.Set(name, value)
	body := form.Encode()
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
}

// closedPort dials a loopback port that nothing listens on.
type closedPort struct{}

func (closedPort) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// BenchmarkCode is the browserless login in process: the six requests to
// the double on loopback, up to the code (not exchanged).
func BenchmarkCode(b *testing.B) {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	c := srv.NewSession(pixivtest.DemoAccount().ID)
	cookies := []session.Cookie{{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Secure: true, HTTPOnly: true}}
	client := &httplogin.Client{HTTP: srv.Client()}
	loginURL := exchange.LoginURL(exchange.NewVerifier())
	for b.Loop() {
		if _, _, err := client.Code(context.Background(), loginURL, cookies); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCodeOnEveryPageVariant: the login reads data, never labels, so the
// page's language and where it carries its data change nothing.
func TestCodeOnEveryPageVariant(t *testing.T) {
	for name, opt := range map[string]pixivtest.Option{
		"data-props too":  pixivtest.WithDataProps(),
		"in Chinese":      pixivtest.WithLanguage("zh"),
		"in Japanese":     pixivtest.WithLanguage("ja"),
		"other English":   pixivtest.WithAltEnglish(),
		"script callback": pixivtest.WithScriptCallback(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, opt)
			code, verifier, _, err := f.code(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := (&exchange.Client{HTTPClient: f.srv.Client()}).Exchange(context.Background(), code, verifier); err != nil {
				t.Fatal(err)
			}
		})
	}
}
