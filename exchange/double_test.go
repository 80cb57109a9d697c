package exchange_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
)

// Tests against pixivtest, the Pixiv double: real codes from its login flow,
// real refresh tokens, its shapes and faults.

var demo = pixivtest.DemoAccount()

func newDouble(t testing.TB, opts ...pixivtest.Option) *pixivtest.Server {
	t.Helper()
	s := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(demo)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// clientFor is a Client that reaches the double, and records its log.
func clientFor(s *pixivtest.Server, log *[]string) *exchange.Client {
	var mu sync.Mutex
	return &exchange.Client{
		HTTPClient: s.Client(),
		Logf: func(format string, args ...any) {
			if log != nil {
				mu.Lock()
				defer mu.Unlock()
				*log = append(*log, format)
			}
		},
	}
}

// codeFor returns a code the double issued for verifier's challenge, as
// authorize does at the end of a browser login. Walking the login pages
// to it is pixivtest's own test (and the browser's); here only the
// exchange of a real code matters.
func codeFor(t testing.TB, s *pixivtest.Server, verifier string) string {
	t.Helper()
	return s.NewCode(demo.ID, exchange.Challenge(verifier))
}

func TestDoubleExchange(t *testing.T) {
	s := newDouble(t)
	var log []string
	c := clientFor(s, &log)
	verifier := exchange.NewVerifier()
	code := codeFor(t, s, verifier)
	tok, err := c.Exchange(t.Context(), code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	issued := s.Issued()
	if len(issued) != 1 || issued[0].AccessToken != tok.AccessToken || issued[0].RefreshToken != tok.RefreshToken ||
		issued[0].Grant != pixiv.GrantAuthorizationCode {
		t.Errorf("got %+v; the double issued %+v", tok, issued)
	}
	want := exchange.User{ID: demo.ID, Name: demo.Name, Account: demo.Account}
	if tok.User != want || tok.DeviceToken == "" || tok.TokenType != "bearer" {
		t.Errorf("token = %+v", tok)
	}
	reqs := s.TokenRequests()
	if len(reqs) != 1 || !reqs[0].ClientHashOK() || reqs[0].Header.Get("User-Agent") != pixiv.UserAgent {
		t.Errorf("token requests = %+v", reqs)
	}

	// A code is single-use.
	_, err = c.Exchange(t.Context(), code, verifier)
	if !errors.Is(err, exchange.ErrRejected) {
		t.Errorf("second exchange: err = %v, want ErrRejected", err)
	}
	wantText := "code exchange: Pixiv rejected the code (Authorization code doesn't exist or is invalid for the client, code 1508, invalid_grant): the code has expired or was used"
	if err == nil || err.Error() != wantText {
		t.Errorf("text:\n got %v\nwant %s", err, wantText)
	}
	if n := len(s.TokenRequests()); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	noSecrets(t, strings.Join(append(log, err.Error()), "\n"), code, verifier, tok.AccessToken, tok.RefreshToken)
}

func TestDoubleWrongVerifier(t *testing.T) {
	s := newDouble(t)
	code := codeFor(t, s, exchange.NewVerifier())
	_, err := clientFor(s, nil).Exchange(t.Context(), code, exchange.NewVerifier())
	var e *exchange.Error
	if !errors.As(err, &e) || !errors.Is(err, exchange.ErrRejected) || e.OAuth != "invalid_grant" || e.Op != exchange.OpExchange {
		t.Errorf("err = %#v, want a rejected code exchange", err)
	}
	if n := len(s.TokenRequests()); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestDoubleExpiredCode(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2021, 2, 13, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newDouble(t, pixivtest.WithClock(clock), pixivtest.WithCodeTTL(30*time.Second))
	verifier := exchange.NewVerifier()
	code := codeFor(t, s, verifier)
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	c := clientFor(s, nil)
	c.Now = clock
	_, err := c.Exchange(t.Context(), code, verifier)
	want := "code exchange: Pixiv rejected the code (The authorization code has expired, code 1508, invalid_grant): the code has expired or was used"
	if !errors.Is(err, exchange.ErrRejected) || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestDoubleExchangeSendsOnce: once an answer has begun, or Pixiv has said
// anything of the code, a code exchange is not sent again: the code may be
// used up.
func TestDoubleExchangeSendsOnce(t *testing.T) {
	faults := map[string]pixivtest.Fault{
		"Cloudflare":        pixivtest.CloudflareBlock(),
		"malformed":         {Malformed: true},
		"hang":              {Hang: true},
		"500 invalid_grant": {Status: 500, Body: `{"has_error":true,"errors":{"system":{"message":"Invalid grant","code":1508}},"error":"invalid_grant"}`},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			s := newDouble(t)
			verifier := exchange.NewVerifier()
			code := codeFor(t, s, verifier)
			s.Inject(pixivtest.EndpointToken, f)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // long enough to reach a busy machine's double
			defer cancel()
			var waits []time.Duration
			c := clientFor(s, nil)
			exchange.NoWait(c, &waits)
			_, err := c.Exchange(ctx, code, verifier)
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(s.TokenRequests()); n != 1 || len(waits) != 0 {
				t.Errorf("%d token requests and %d waits, want 1 and none", n, len(waits))
			}
		})
	}
}

// TestDoubleExchangeRetries: an answer that leaves the code valid (a 5xx, a
// 429, a connection reset before any answer) is not the end of a code that
// lives for seconds: the exchange is sent again, and gets the tokens.
func TestDoubleExchangeRetries(t *testing.T) {
	faults := map[string]pixivtest.Fault{
		"503":                     {Status: 503, Body: `{}`},
		"502":                     {Status: 502, Body: `<html>Bad Gateway</html>`, ContentType: "text/html"},
		"429":                     {Status: 429, Header: http.Header{"Retry-After": {"1"}}},
		"down":                    pixivtest.CloudflareUnavailable(),
		"reset before the answer": {Reset: true},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			s := newDouble(t)
			verifier := exchange.NewVerifier()
			code := codeFor(t, s, verifier)
			f.Times = 2
			s.Inject(pixivtest.EndpointToken, f)
			var waits []time.Duration
			c := clientFor(s, nil)
			exchange.NoWait(c, &waits)
			tok, err := c.Exchange(t.Context(), code, verifier)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.User.ID != demo.ID {
				t.Errorf("user %q", tok.User.ID)
			}
			if n := len(s.TokenRequests()); n != 3 || len(waits) != 2 {
				t.Errorf("%d token requests and %d waits, want 3 and 2", n, len(waits))
			}
		})
	}
}

// TestDoubleExchangeRetriesATLSAlert: Pixiv's token host is reported to
// end a handshake with a TLS alert now and then; the code never reached it,
// so the exchange tries again. A certificate that does not check out is not
// retried.
func TestDoubleExchangeRetriesATLSAlert(t *testing.T) {
	s := newDouble(t)
	verifier := exchange.NewVerifier()
	code := codeFor(t, s, verifier)
	alerts := alertingProxy(t, s.Addr(), 1)
	c := &exchange.Client{HTTPClient: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, alerts)
		},
		TLSClientConfig: &tls.Config{RootCAs: s.RootCAs()},
	}}}
	var waits []time.Duration
	exchange.NoWait(c, &waits)
	tok, err := c.Exchange(t.Context(), code, verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.User.ID != demo.ID || len(waits) != 1 {
		t.Errorf("user %q after %d waits, want %q after 1", tok.User.ID, len(waits), demo.ID)
	}

	// The double's certificate, not trusted: the same every time.
	c.HTTPClient = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.Addr())
		},
	}}
	waits = nil
	if _, err := c.Exchange(t.Context(), codeFor(t, s, verifier), verifier); err == nil || len(waits) != 0 {
		t.Errorf("untrusted certificate: err = %v after %d waits, want an error and no retry", err, len(waits))
	}
}

// alertingProxy listens on loopback and passes connections through to addr,
// except the first n, whose TLS handshakes it ends with an alert.
func alertingProxy(t *testing.T, addr string, n int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	failing := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return nil, errors.New("refused")
	}}
	go func() {
		for i := 0; ; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if i < n {
				go func() {
					defer conn.Close()
					tls.Server(conn, failing).Handshake() // sends internal_error
				}()
				continue
			}
			go func() {
				defer conn.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, conn)
				io.Copy(conn, up)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestDoubleRefresh(t *testing.T) {
	for name, shape := range map[string]pixivtest.Shape{
		"both": pixivtest.ShapeBoth, "top level": pixivtest.ShapeTopLevel, "wrapped": pixivtest.ShapeWrapped,
	} {
		t.Run(name, func(t *testing.T) {
			s := newDouble(t, pixivtest.WithShape(shape))
			rt := s.NewRefreshToken(demo.ID)
			now := time.Date(2021, 2, 13, 8, 0, 0, 0, time.UTC)
			c := clientFor(s, nil)
			c.Now = func() time.Time { return now }
			tok, err := c.Refresh(t.Context(), rt)
			if err != nil {
				t.Fatal(err)
			}
			issued := s.Issued()
			if len(issued) != 1 || tok.AccessToken != issued[0].AccessToken || tok.RefreshToken != rt {
				t.Errorf("got %+v; the double issued %+v", tok, issued)
			}
			if !tok.Expiry.Equal(now.Add(time.Hour)) || tok.User.ID != demo.ID {
				t.Errorf("token = %+v", tok)
			}
			if (tok.DeviceToken != "") != (shape != pixivtest.ShapeTopLevel) {
				t.Errorf("DeviceToken = %q with shape %s", tok.DeviceToken, name)
			}
		})
	}
}

func TestDoubleInvalidRefreshToken(t *testing.T) {
	for name, legacy := range map[string]bool{"current": false, "legacy": true} {
		t.Run(name, func(t *testing.T) {
			var opts []pixivtest.Option
			want := "refresh: Pixiv rejected the refresh token (Invalid refresh token, code 1508, invalid_grant): it was revoked, has expired, or is not a refresh token"
			if legacy {
				opts = append(opts, pixivtest.WithLegacyErrors())
				want = "refresh: Pixiv rejected the refresh token (Invalid refresh token, code 1508): it was revoked, has expired, or is not a refresh token"
			}
			s := newDouble(t, opts...)
			rt := s.NewRefreshToken(demo.ID)
			s.RevokeRefreshToken(rt)
			_, err := clientFor(s, nil).Refresh(t.Context(), rt)
			if !errors.Is(err, exchange.ErrRejected) || err.Error() != want {
				t.Errorf("err = %v, want %s", err, want)
			}
			if n := len(s.TokenRequests()); n != 1 {
				t.Errorf("%d token requests, want 1: a rejection is not retried", n)
			}
		})
	}
}

func TestDoubleRefreshRetries(t *testing.T) {
	s := newDouble(t)
	rt := s.NewRefreshToken(demo.ID)
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 502, Times: 1})
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true, Times: 1})
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 429, Header: http.Header{"Retry-After": {"4"}}, Times: 1})
	var waits []time.Duration
	c := clientFor(s, nil)
	exchange.NoWait(c, &waits)
	tok, err := c.Refresh(t.Context(), rt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.TokenRequests()); n != 4 || len(waits) != 3 || waits[2] != 4*time.Second {
		t.Errorf("%d token requests and waits %v; want 4, the last wait 4s", n, waits)
	}
	if issued := s.Issued(); len(issued) != 1 || issued[0].AccessToken != tok.AccessToken {
		t.Errorf("issued %+v", issued)
	}
}

func TestDoubleUnavailable(t *testing.T) {
	tests := []struct {
		name  string
		fault pixivtest.Fault
		want  string
		tries int
	}{
		{"Cloudflare block", pixivtest.CloudflareBlock(),
			"refresh: Pixiv blocked the request or is unavailable (HTTP 403, an HTML page — Cloudflare?): try again later or from another network", 1},
		{"Cloudflare down", pixivtest.CloudflareUnavailable(),
			"refresh: Pixiv is unavailable (HTTP 503, after 4 tries, an HTML page — Cloudflare?): try again later", 4},
		{"malformed", pixivtest.Fault{Malformed: true},
			"refresh: Pixiv sent a malformed answer (HTTP 200, not token JSON): try again later", 1},
		{"5xx", pixivtest.Fault{Status: 500, Body: `{"has_error":true,"errors":{"system":{"message":"Internal Server Error","code":500}}}`},
			"refresh: Pixiv is failing (HTTP 500, Internal Server Error, code 500, after 4 tries): try again later", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDouble(t)
			rt := s.NewRefreshToken(demo.ID)
			s.Inject(pixivtest.EndpointToken, tt.fault)
			c := clientFor(s, nil)
			exchange.NoWait(c, nil)
			_, err := c.Refresh(t.Context(), rt)
			if !errors.Is(err, exchange.ErrUnavailable) || err.Error() != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
			if n := len(s.TokenRequests()); n != tt.tries {
				t.Errorf("%d token requests, want %d", n, tt.tries)
			}
			noSecrets(t, err.Error(), rt)
		})
	}
}

func TestDoubleHangsMidAnswer(t *testing.T) {
	s := newDouble(t)
	rt := s.NewRefreshToken(demo.ID)
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // long enough to reach a busy machine's double
	defer cancel()
	_, err := clientFor(s, nil).Refresh(ctx, rt)
	if !errors.Is(err, exchange.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) ||
		!strings.Contains(err.Error(), "oauth.secure.pixiv.net did not answer in time") {
		t.Errorf("err = %v", err)
	}
}

func TestDoublePassword(t *testing.T) {
	t.Run("retired", func(t *testing.T) {
		s := newDouble(t)
		_, err := clientFor(s, nil).Password(t.Context(), demo.Username, demo.Password)
		want := "password login: Pixiv retired the password grant in February 2021 (Invalid grant_type parameter or parameter missing, code 1508, invalid_grant): log in with the browser instead"
		if !errors.Is(err, exchange.ErrPasswordGrantRetired) || !errors.Is(err, exchange.ErrRejected) || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
		noSecrets(t, err.Error(), demo.Password)
	})
	t.Run("accepted", func(t *testing.T) {
		s := newDouble(t, pixivtest.WithPasswordGrant(true))
		tok, err := clientFor(s, nil).Password(t.Context(), demo.Username, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		if issued := s.Issued(); len(issued) != 1 || issued[0].Grant != pixiv.GrantPassword || issued[0].AccessToken != tok.AccessToken {
			t.Errorf("issued %+v, got %+v", issued, tok)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		s := newDouble(t, pixivtest.WithPasswordGrant(true))
		_, err := clientFor(s, nil).Password(t.Context(), demo.Username, "not-"+demo.Password)
		if !errors.Is(err, exchange.ErrRejected) || errors.Is(err, exchange.ErrPasswordGrantRetired) ||
			!strings.HasPrefix(err.Error(), "password login: Pixiv rejected the username or password (") {
			t.Errorf("err = %v, want a rejected password", err)
		}
		noSecrets(t, err.Error(), "not-"+demo.Password)
	})
}

func TestDoubleTokenSource(t *testing.T) {
	s := newDouble(t)
	rt := s.NewRefreshToken(demo.ID)
	c := clientFor(s, nil)
	ts := c.TokenSource(t.Context(), &exchange.Token{RefreshToken: rt})
	for range 3 {
		o, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if issued := s.Issued(); len(issued) != 1 || o.AccessToken != issued[0].AccessToken {
			t.Errorf("token %q; issued %+v", o.AccessToken, issued)
		}
	}
}

func noSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%q leaks the secret %q", text, s)
		}
	}
}

func BenchmarkRefresh(b *testing.B) {
	s := newDouble(b)
	rt := s.NewRefreshToken(demo.ID)
	c := clientFor(s, nil)
	for b.Loop() {
		if _, err := c.Refresh(b.Context(), rt); err != nil {
			b.Fatal(err)
		}
	}
}

// A proxy that wants credentials it was not given refuses every tunnel
// alike: the refresh ends after one try, unreachable, instead of asking
// three more times.
func TestProxyRefusalNotRetried(t *testing.T) {
	s := newDouble(t)
	proxy := pixivtest.NewProxy(s.Addr())
	t.Cleanup(proxy.Close)
	proxy.RequireAuth("user", "secret")
	c := &exchange.Client{HTTPClient: &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxy.URLWith("user", "wrong")),
		TLSClientConfig: &tls.Config{RootCAs: s.RootCAs()},
	}}}
	var waits []time.Duration
	exchange.NoWait(c, &waits)
	_, err := c.Refresh(t.Context(), s.NewRefreshToken(demo.ID))
	if reason.Of(err) != reason.Unreachable || len(proxy.Requests()) != 1 || len(waits) != 0 {
		t.Errorf("err %v (%q), %d requests to the proxy, waits %v; want unreachable after one", err, reason.Of(err), len(proxy.Requests()), waits)
	}
	if !strings.Contains(err.Error(), "Proxy Authentication Required") || !strings.Contains(err.Error(), "give the proxy's username and password in its URL") {
		t.Errorf("the error does not say what the proxy answered and what to do: %v", err)
	}
}
