package exchange

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Secrets the tests send; no error text or log line may hold them.
const (
	testCode     = "CODE-c0ffee"
	testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	testRefresh  = "RT-sent-secret"
	testUser     = "ann@example.com"
	testPassword = "hunter2-secret"
)

var allSecrets = []string{testCode, testVerifier, testRefresh, testPassword, "AT-issued", "RT-issued", "DT-issued"}

func TestRequests(t *testing.T) {
	common := url.Values{
		"client_id":      {pixiv.ClientID},
		"client_secret":  {pixiv.ClientSecret},
		"include_policy": {"true"},
		"get_secure_url": {"1"},
	}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range common {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name string
		call func(*Client) (*Token, error)
		form url.Values
	}{
		{
			"code", func(c *Client) (*Token, error) { return c.Exchange(t.Context(), testCode, testVerifier) },
			with("grant_type", "authorization_code", "code", testCode, "code_verifier", testVerifier,
				"redirect_uri", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback"),
		},
		{
			"refresh", func(c *Client) (*Token, error) { return c.Refresh(t.Context(), testRefresh) },
			with("grant_type", "refresh_token", "refresh_token", testRefresh),
		},
		{
			"password", func(c *Client) (*Token, error) { return c.Password(t.Context(), testUser, testPassword) },
			with("grant_type", "password", "username", testUser, "password", testPassword,
				"device_token", "pixiv", "get_secure_url", "true"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePixiv(t, answer{status: 200, body: bodyBoth})
			tok, err := tt.call(f.client(nil))
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "AT-issued" {
				t.Errorf("AccessToken = %q", tok.AccessToken)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != "POST" || r.Host != "oauth.secure.pixiv.net" || r.Path != "/auth/token" {
				t.Errorf("request line = %s %s%s", r.Method, r.Host, r.Path)
			}
			if !reflect.DeepEqual(r.Form, tt.form) {
				t.Errorf("form:\n got %v\nwant %v", r.Form, tt.form)
			}
			for k, want := range map[string]string{
				"Content-Type":  "application/x-www-form-urlencoded",
				"User-Agent":    "PixivAndroidApp/5.0.234 (Android 11; Pixel 5)",
				"X-Client-Time": "2021-02-13T08:00:00+00:00",
				// md5("2021-02-13T08:00:00+00:00" + pixiv.HashSecret), computed apart.
				"X-Client-Hash":   "66254abe1f6492f90cc5f63fe7ee40ed",
				"Accept-Language": "en-us",
			} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			f.assertNoSecrets("", allSecrets...)
		})
	}
}

// TestErrorTexts pins the full text of every error a Client returns.
func TestErrorTexts(t *testing.T) {
	refresh := func(c *Client) error { _, err := c.Refresh(t.Context(), testRefresh); return err }
	exchange := func(c *Client) error { _, err := c.Exchange(t.Context(), testCode, testVerifier); return err }
	password := func(c *Client) error { _, err := c.Password(t.Context(), testUser, testPassword); return err }
	tests := []struct {
		name    string
		answers []answer
		call    func(*Client) error
		is      []error
		want    string
	}{
		{
			"refresh token rejected", []answer{{status: 400, body: bodyBadToken}}, refresh, []error{ErrRejected},
			"refresh: Pixiv rejected the refresh token (Invalid refresh token, code 1508, invalid_grant): it was revoked, has expired, or is not a refresh token",
		},
		{
			"code rejected", []answer{{status: 400, body: bodyCodeGone}}, exchange, []error{ErrRejected},
			"code exchange: Pixiv rejected the code (The authorization code has expired, code 1508, invalid_grant): the code has expired or was used",
		},
		{
			"password rejected", []answer{{status: 400, body: `{"has_error":true,"errors":{"system":{"message":"Invalid username or password","code":1508}}}`}},
			password, []error{ErrRejected},
			"password login: Pixiv rejected the username or password (Invalid username or password, code 1508): check them, or log in with the browser",
		},
		{
			"password grant retired", []answer{{status: 400, body: bodyRetired}}, password, []error{ErrRejected, ErrPasswordGrantRetired},
			"password login: Pixiv retired the password grant in February 2021 (Invalid grant_type parameter or parameter missing, code 1508, invalid_request): log in with the browser instead",
		},
		{
			"Cloudflare on refresh", []answer{{status: 403, contentType: "text/html", body: bodyCloudflare}}, refresh, []error{ErrUnavailable},
			"refresh: Pixiv blocked the request or is unavailable (HTTP 403, an HTML page — Cloudflare?): try again later or from another network",
		},
		{
			"Cloudflare on code exchange", []answer{{status: 503, contentType: "text/html", body: bodyCloudflare}}, exchange, []error{ErrUnavailable},
			"code exchange: Pixiv is unavailable (HTTP 503, after 4 tries, an HTML page — Cloudflare?): run the login again later",
		},
		{
			"5xx after retries", []answer{{status: 502, contentType: "text/plain", body: "Bad Gateway"}}, refresh, []error{ErrUnavailable},
			"refresh: Pixiv is failing (HTTP 502, after 4 tries): try again later",
		},
		{
			"429 after retries", []answer{{status: 429, header: map[string]string{"Retry-After": "7"}}}, refresh, []error{ErrUnavailable},
			"refresh: Pixiv is limiting requests (HTTP 429, retry after 7s, after 4 tries): wait, then try again",
		},
		{
			"429 asking for too long a wait", []answer{{status: 429, header: map[string]string{"Retry-After": "3600"}}}, refresh, []error{ErrUnavailable},
			"refresh: Pixiv is limiting requests (HTTP 429, retry after 1h0m0s): wait, then try again",
		},
		{
			"malformed JSON", []answer{{status: 200, body: `{"access_token":`}}, refresh, []error{ErrUnavailable},
			"refresh: Pixiv sent a malformed answer (HTTP 200, not token JSON): try again later",
		},
		{
			"empty answer", []answer{{status: 200, body: ``}}, exchange, []error{ErrUnavailable},
			"code exchange: Pixiv sent an empty answer (HTTP 200): run the login again later",
		},
		{
			"redirect not followed", []answer{{status: 307, header: map[string]string{"Location": "https://app-api.pixiv.net/elsewhere"}}}, exchange, []error{ErrUnavailable},
			"code exchange: Pixiv answered with an unexpected HTTP 307: run the login again later; if it persists, Pixiv may have changed its token endpoint",
		},
		{
			"connection closed", []answer{{reset: true}}, exchange, []error{ErrUnavailable},
			"code exchange: oauth.secure.pixiv.net closed the connection before answering, after 4 tries: check the network or proxy, then run the login again",
		},
		{
			"a message echoing the secret", []answer{{status: 400, body: `{"errors":{"system":{"message":"Invalid refresh token RT-sent-secret","code":1508}}}`}},
			refresh, []error{ErrRejected},
			"refresh: Pixiv rejected the refresh token (Invalid refresh token [redacted], code 1508): it was revoked, has expired, or is not a refresh token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePixiv(t, tt.answers...)
			err := tt.call(f.client(nil))
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("err = %v, want errors.Is %v", err, target)
				}
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("text:\n got %v\nwant %s", err, tt.want)
			}
			f.assertNoSecrets(err.Error(), allSecrets...)
		})
	}
}

func TestSendsOnce(t *testing.T) {
	// A password that reached Pixiv is never sent again, whatever became
	// of the request; nor is a code after an answer that may have used it
	// (the answers a code exchange retries: TestDoubleExchangeRetries).
	retriedExchange := map[string]bool{"503": true, "429": true, "500 HTML": true, "reset": true}
	answers := map[string]answer{
		"503":        {status: 503, body: `{}`},
		"429":        {status: 429, header: map[string]string{"Retry-After": "1"}},
		"500 HTML":   {status: 500, contentType: "text/html", body: bodyCloudflare},
		"reset":      {reset: true},
		"rejected":   {status: 400, body: bodyCodeGone},
		"malformed":  {status: 200, body: `{`},
		"redirected": {status: 308, header: map[string]string{"Location": "https://oauth.secure.pixiv.net/auth/token"}},
	}
	for name, a := range answers {
		for op, call := range map[string]func(*Client) error{
			OpExchange: func(c *Client) error { _, err := c.Exchange(t.Context(), testCode, testVerifier); return err },
			OpPassword: func(c *Client) error { _, err := c.Password(t.Context(), testUser, testPassword); return err },
		} {
			if op == OpExchange && retriedExchange[name] {
				continue
			}
			t.Run(op+"/"+name, func(t *testing.T) {
				f := newFakePixiv(t, a)
				if err := call(f.client(nil)); err == nil {
					t.Fatal("no error")
				}
				if n := len(f.requests()); n != 1 {
					t.Errorf("%d requests, want exactly 1", n)
				}
			})
		}
	}
}

func TestExchangeHangsUntilDeadline(t *testing.T) {
	f := newFakePixiv(t, answer{hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // long enough to reach a busy machine's double
	defer cancel()
	_, err := f.client(nil).Exchange(ctx, testCode, testVerifier)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	want := "code exchange: oauth.secure.pixiv.net did not answer in time (deadline exceeded): check the network or proxy, then run the login again"
	if err == nil || err.Error() != want {
		t.Errorf("text:\n got %v\nwant %s", err, want)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRefreshDeadline(t *testing.T) {
	f := newFakePixiv(t, answer{hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // long enough to reach a busy machine's double
	defer cancel()
	_, err := f.client(nil).Refresh(ctx, testRefresh)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests after the deadline passed, want 1", n)
	}
}

func TestCanceled(t *testing.T) {
	f := newFakePixiv(t, answer{hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	c := f.client(nil)
	go func() {
		// Cancel once the request is in.
		for len(f.requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Refresh(ctx, testRefresh)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRejected) {
		t.Errorf("err = %v, want context.Canceled alone", err)
	}
	if want := "refresh: canceled before Pixiv answered"; err == nil || err.Error() != want {
		t.Errorf("text = %v, want %s", err, want)
	}
}

func TestConnectionRefused(t *testing.T) {
	for op, call := range map[string]func(*Client) error{
		OpExchange: func(c *Client) error { _, err := c.Exchange(t.Context(), testCode, testVerifier); return err },
		OpRefresh:  func(c *Client) error { _, err := c.Refresh(t.Context(), testRefresh); return err },
		OpPassword: func(c *Client) error { _, err := c.Password(t.Context(), testUser, testPassword); return err },
	} {
		t.Run(op, func(t *testing.T) {
			var waits []time.Duration
			var logs []string
			c := &Client{
				HTTPClient: routedClient(t, closedAddr(t), nil),
				Retries:    2,
				Logf:       func(f string, a ...any) { logs = append(logs, f) },
				sleep:      func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}
			err := call(c)
			// Nothing listens on this machine's port, which a retry a
			// few seconds later will not change (issue 14): the error
			// names the address, at once.
			want := op + ": cannot reach oauth.secure.pixiv.net: nothing listens at "
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "(connection refused): start the server that should listen at ") || strings.Contains(err.Error(), "tries") {
				t.Errorf("text: %v", err)
			}
			want = "then "
			if op == OpExchange {
				want += "run the login again"
			} else {
				want += "try again"
			}
			if err == nil || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("text:\n got %v\nwant it to end %s", err, want)
			}
			var opErr *net.OpError
			if !errors.Is(err, ErrUnavailable) || !errors.As(err, &opErr) {
				t.Errorf("err = %#v, want ErrUnavailable and a *net.OpError", err)
			}
			if len(waits) != 0 {
				t.Errorf("waited %d times, want none", len(waits))
			}
		})
	}
}

func TestRefreshRetries(t *testing.T) {
	ok := answer{status: 200, body: bodyWrapped}
	tests := []struct {
		name     string
		answers  []answer
		retries  int
		requests int
		waits    []time.Duration // exact waits; nil: only count them
		nwaits   int
		success  bool
	}{
		{name: "5xx then success", answers: []answer{{status: 503}, {status: 500}, ok}, requests: 3, nwaits: 2, success: true},
		{name: "HTML 503 then success", answers: []answer{{status: 503, contentType: "text/html", body: bodyCloudflare}, ok}, requests: 2, nwaits: 1, success: true},
		{name: "reset then success", answers: []answer{{reset: true}, ok}, requests: 2, nwaits: 1, success: true},
		{
			name: "Retry-After seconds", answers: []answer{{status: 429, header: map[string]string{"Retry-After": "2"}}, ok},
			requests: 2, waits: []time.Duration{2 * time.Second}, success: true,
		},
		{
			name: "Retry-After date", answers: []answer{{status: 429, header: map[string]string{"Retry-After": testNow.Add(5 * time.Second).Format(http.TimeFormat)}}, ok},
			requests: 2, waits: []time.Duration{5 * time.Second}, success: true,
		},
		{
			name: "Retry-After on a 503", answers: []answer{{status: 503, header: map[string]string{"Retry-After": "3"}}, ok},
			requests: 2, waits: []time.Duration{3 * time.Second}, success: true,
		},
		{name: "Retry-After too long", answers: []answer{{status: 429, header: map[string]string{"Retry-After": "120"}}, ok}, requests: 1},
		{name: "bounded", answers: []answer{{status: 502}}, retries: 1, requests: 2, nwaits: 1},
		{name: "default 3 retries", answers: []answer{{status: 502}}, requests: 4, nwaits: 3},
		{name: "negative: none", answers: []answer{{status: 502}}, retries: -1, requests: 1},
		{name: "Cloudflare 403 is not retried", answers: []answer{{status: 403, contentType: "text/html", body: bodyCloudflare}, ok}, requests: 1},
		{name: "a rejection is not retried", answers: []answer{{status: 400, body: bodyBadToken}, ok}, requests: 1},
		{name: "malformed is not retried", answers: []answer{{status: 200, body: "{"}, ok}, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePixiv(t, tt.answers...)
			var waits []time.Duration
			c := f.client(&waits)
			c.Retries = tt.retries
			tok, err := c.Refresh(t.Context(), testRefresh)
			if tt.success != (err == nil) {
				t.Fatalf("err = %v, want success %v", err, tt.success)
			}
			if n := len(f.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.waits != nil && !reflect.DeepEqual(waits, tt.waits) {
				t.Errorf("waits = %v, want %v", waits, tt.waits)
			}
			if tt.waits == nil && len(waits) != tt.nwaits {
				t.Errorf("waited %d times (%v), want %d", len(waits), waits, tt.nwaits)
			}
			if tok != nil && tok.AccessToken != "AT-issued" {
				t.Errorf("AccessToken = %q", tok.AccessToken)
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			f.assertNoSecrets(msg, allSecrets...)
		})
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	// Waiting 30 s with 10 s left helps no one: report at once.
	f := newFakePixiv(t, answer{status: 429, header: map[string]string{"Retry-After": "30"}})
	var waits []time.Duration
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := f.client(&waits).Refresh(ctx, testRefresh)
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter != 30*time.Second || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %#v, want an ErrUnavailable with RetryAfter 30s", err)
	}
	if len(waits) != 0 || len(f.requests()) != 1 {
		t.Errorf("waited %v and sent %d requests, want no wait and 1 request", waits, len(f.requests()))
	}
}

func TestRefreshKeepsRefreshToken(t *testing.T) {
	f := newFakePixiv(t, answer{status: 200, body: `{"access_token":"AT-issued","expires_in":3600}`})
	tok, err := f.client(nil).Refresh(t.Context(), testRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != testRefresh {
		t.Errorf("RefreshToken = %q, want the one sent", tok.RefreshToken)
	}
}

func TestPasswordAccepted(t *testing.T) {
	f := newFakePixiv(t, answer{status: 200, body: bodyBoth})
	tok, err := f.client(nil).Password(t.Context(), testUser, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if tok.User.ID != "123456" || !tok.Expiry.Equal(testNow.Add(time.Hour)) {
		t.Errorf("token = %+v", tok)
	}
}

func TestTLSFailureNotRetried(t *testing.T) {
	// A server whose certificate the client does not trust: a proxy
	// intercepting TLS, say. Retrying cannot help.
	f := newFakePixiv(t, answer{status: 200, body: bodyBoth})
	var waits []time.Duration
	c := f.client(&waits)
	c.HTTPClient.Transport.(*http.Transport).TLSClientConfig.RootCAs = nil
	_, err := c.Refresh(t.Context(), testRefresh)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "cannot reach oauth.secure.pixiv.net securely") ||
		!strings.Contains(err.Error(), "needs its CA trusted") {
		t.Errorf("err = %v", err)
	}
	if len(waits) != 0 {
		t.Errorf("retried a TLS failure")
	}
}

func TestLogf(t *testing.T) {
	f := newFakePixiv(t, answer{status: 503}, answer{status: 200, body: bodyBoth})
	c := f.client(nil)
	if _, err := c.Refresh(t.Context(), testRefresh); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.logs, "\n")
	for _, want := range []string{"refresh: POST https://oauth.secure.pixiv.net/auth/token", "refresh: HTTP 503 in ", "refresh: retrying in ", "refresh: HTTP 200 in "} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	f.assertNoSecrets("", allSecrets...)
}

func TestTokenSource(t *testing.T) {
	f := newFakePixiv(t, answer{status: 200, body: bodyBoth})
	c := f.client(nil)
	c.Now = nil // oauth2's reuse layer reads the real clock too
	stale := &Token{AccessToken: "AT-old", RefreshToken: testRefresh, Expiry: time.Now().Add(30 * time.Second)}
	ts := c.TokenSource(t.Context(), stale)
	for range 2 {
		o, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if o.AccessToken != "AT-issued" {
			t.Errorf("AccessToken = %q, want the refreshed one", o.AccessToken)
		}
	}
	// Refreshed once, as it had less than ExpiryLeeway left; then reused.
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestLoginURL(t *testing.T) {
	// RFC 7636, appendix B.
	if got, want := Challenge(testVerifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("Challenge = %q, want %q", got, want)
	}
	want := "https://app-api.pixiv.net/web/v1/login?code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&client=pixiv-android"
	if got := LoginURL(testVerifier); got != want {
		t.Errorf("LoginURL:\n got %s\nwant %s", got, want)
	}
	v := NewVerifier()
	if len(v) != 43 || v == NewVerifier() {
		t.Errorf("NewVerifier = %q: want 43 fresh characters", v)
	}
}

// Backoff sets the first wait, which doubles with every try; a Retry-After
// longer than it is still waited out.
func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		name    string
		backoff time.Duration
		answers []answer
		min     []time.Duration // each wait is at least this, and under 5/4 of it
	}{
		{"default", 0, []answer{{status: 503}}, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{"short", 10 * time.Millisecond, []answer{{status: 503}}, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}},
		{"Retry-After wins", 10 * time.Millisecond, []answer{{status: 429, header: map[string]string{"Retry-After": "2"}}},
			[]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePixiv(t, tt.answers...)
			var waits []time.Duration
			c := f.client(&waits)
			c.Backoff = tt.backoff
			if _, err := c.Refresh(context.Background(), testRefresh); err == nil {
				t.Fatal("Refresh succeeded against a failing endpoint")
			}
			if len(waits) != len(tt.min) {
				t.Fatalf("waits = %v, want %d", waits, len(tt.min))
			}
			for i, w := range waits {
				if w < tt.min[i] || w > tt.min[i]*5/4+time.Millisecond {
					t.Errorf("wait %d = %s, want %s to 5/4 of it", i+1, w, tt.min[i])
				}
			}
		})
	}
}
