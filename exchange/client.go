package exchange

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Client talks to Pixiv's token endpoint. The zero value is usable.
//
// golang.org/x/oauth2 supplies the PKCE helpers, the
// [oauth2.Token] that [Token.OAuth2] returns and [Client.TokenSource], but
// Client makes the HTTP requests itself: oauth2's parser cannot read Pixiv's
// answers, which may carry the token only inside a "response" object and
// report errors in Pixiv's own block ({"has_error":true,"errors":{"system":
// …}}) without the OAuth "error" key.
type Client struct {
	// HTTPClient makes the requests; nil means a client with connect,
	// handshake and response timeouts that takes its proxy from the
	// environment (HTTPS_PROXY, NO_PROXY). Its redirect policy is ignored:
	// the token endpoint never redirects, and following one would hand a
	// code to another host. Tests route Pixiv's hosts to a double through
	// its transport; the URLs never change.
	HTTPClient *http.Client

	// Now returns the time used for token expiry, Retry-After dates and
	// X-Client-Time; nil means time.Now.
	Now func() time.Time

	// Retries is how many more times Refresh tries after a network error,
	// a 5xx or a 429, and Exchange after an answer that leaves the code
	// valid: 0 means 3, negative means none. Exchange retries only while the
	// code can still be valid (see [Client.Exchange]); Password retries only
	// a request that never left (a failed dial): a password retried is a
	// lockout risk.
	Retries int

	// Backoff is the wait before the first retry, doubled with every try
	// up to 8 s: zero means 500 ms for Refresh and 200 ms for a dial that
	// failed in Exchange or Password. A Retry-After that Pixiv sends is
	// waited out (up to a minute) whatever Backoff says. Tests against a
	// double make it short.
	Backoff time.Duration

	// Logf, if set, receives a line per step (the URL, the status, how
	// long it took, a retry), for -v. It never receives a token, code,
	// verifier, password, or any part of a request or answer body.
	Logf func(format string, args ...any)

	// sleep waits between tries; tests replace it to see the waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// Exchange redeems an authorization code, with the verifier whose challenge
// started the login (see [LoginURL]), for tokens: the authorization_code
// grant with redirect_uri [pixiv.RedirectURI]. A code is single-use and lives
// for about [pixiv.CodeTTLSeconds], so Exchange tries again only after an
// answer that cannot have used it up: a failed dial, a connection reset or a
// TLS alert before any answer, a 5xx or a 429 (Cloudflare's "try later").
// It never retries after an answer that started (a 200 cut short, a body
// that is not JSON), after Pixiv said the code is invalid, used or expired,
// or once the code's lifetime since the first try has passed.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Token, error) {
	return c.token(ctx, OpExchange, url.Values{
		"grant_type":    {pixiv.GrantAuthorizationCode},
		"code":          {code},
		"code_verifier": {verifier},
		"redirect_uri":  {pixiv.RedirectURI},
	}, code, verifier)
}

// Refresh gets a new access token with a refresh token: the refresh_token
// grant. It retries network errors, 5xx and 429 answers (waiting as long as
// Retry-After asks, up to a minute) with backoff, up to [Client.Retries]
// times and never past ctx's deadline. Pixiv normally returns the same
// refresh token; when its answer has none, the token keeps refreshToken.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	t, err := c.token(ctx, OpRefresh, url.Values{
		"grant_type":    {pixiv.GrantRefreshToken},
		"refresh_token": {refreshToken},
	}, refreshToken)
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	return t, nil
}

// Password tries the password grant, the way the app logged in until Pixiv
// retired the grant around February 2021. Pixiv now answers it with an
// error, which Password returns as an [*Error] that is
// [ErrPasswordGrantRetired] (and so [ErrRejected]) and tells the person to
// log in with the browser. It is kept for servers (test doubles, mirrors)
// that still accept it.
func (c *Client) Password(ctx context.Context, username, password string) (*Token, error) {
	t, err := c.token(ctx, OpPassword, url.Values{
		"grant_type":            {pixiv.GrantPassword},
		"username":              {username},
		"password":              {password},
		pixiv.DeviceTokenField:  {pixiv.DeviceToken},
		pixiv.GetSecureURLField: {pixiv.PasswordGetSecureURL},
	}, username, password)
	var e *Error
	if errors.As(err, &e) && e.kind == kindRejected &&
		(hasPrefixFold(e.Message, pixiv.RetiredGrantMessage) || e.OAuth == "unsupported_grant_type") {
		e.Err = ErrPasswordGrantRetired
	}
	return t, err
}

// token sends the grant until it gets an answer worth returning. secrets
// are the grant's values that an error message must not repeat, should
// Pixiv echo them.
func (c *Client) token(ctx context.Context, op string, grant url.Values, secrets ...string) (*Token, error) {
	hc := c.httpClient()
	tries := 1 + c.retries()
	first := time.Now()
	for try := 1; ; try++ {
		t, e, res := c.send(ctx, hc, op, grant)
		if e == nil {
			return t, nil
		}
		e.Op, e.Tries = op, try
		e.Message, e.OAuth = redact(e.Message, secrets), redact(e.OAuth, secrets)
		wait, again := c.retry(op, e, res, try)
		if !again || try >= tries || ctx.Err() != nil {
			return nil, e
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, e // the wait alone would outlast the caller
		}
		if op == OpExchange && time.Since(first)+wait > codeLifetime {
			return nil, e // the code is likely dead by then
		}
		c.logf("%s: retrying in %s", op, wait.Round(time.Millisecond))
		if err := c.wait(ctx, wait); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, &Error{Op: op, Tries: try, Err: context.Canceled, kind: kindCanceled}
			}
			return nil, e
		}
	}
}

// codeLifetime is how long after its first try a code exchange is still
// worth retrying.
const codeLifetime = pixiv.CodeTTLSeconds * time.Second

// outcome is how far one request got.
type outcome struct {
	// sent is false only when the request certainly never reached the
	// server: the dial failed before a connection existed.
	sent bool
	// answered is true once the server began an answer (a status line).
	answered bool
}

// send makes one request.
func (c *Client) send(ctx context.Context, hc *http.Client, op string, grant url.Values) (t *Token, e *Error, res outcome) {
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	req := c.newRequest(ctx, grant)
	c.logf("%s: POST %s", op, pixiv.TokenURL)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		e := networkError(ctx, err)
		c.logf("%s: no answer after %s: %s", op, since(start), e)
		return nil, e, outcome{sent: connected.Load() || !isDialError(err)}
	}
	defer resp.Body.Close()
	res = outcome{sent: true, answered: true}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	c.logf("%s: HTTP %d in %s", op, resp.StatusCode, since(start))
	if err != nil {
		return nil, networkError(ctx, err), res
	}
	now := c.now()
	t, err = ParseResponse(resp.StatusCode, resp.Header.Get("Content-Type"), body, now)
	if err != nil {
		e := err.(*Error)
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
		return nil, e, res
	}
	return t, nil, res
}

// maxAnswer bounds what is read of an answer; a token answer is about 1 KB.
const maxAnswer = 1 << 20

// newRequest builds every token request: the one place that knows the form
// fields and headers all grants share.
func (c *Client) newRequest(ctx context.Context, grant url.Values) *http.Request {
	form := url.Values{
		"client_id":              {pixiv.ClientID},
		"client_secret":          {pixiv.ClientSecret},
		pixiv.IncludePolicyField: {pixiv.IncludePolicy},
		pixiv.GetSecureURLField:  {pixiv.GetSecureURL},
	}
	for k, v := range grant {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pixiv.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		panic("exchange: the token URL does not parse: " + err.Error())
	}
	clientTime := c.now().UTC().Format(pixiv.ClientTimeLayout)
	hash := md5.Sum([]byte(clientTime + pixiv.HashSecret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", pixiv.AcceptLanguage)
	req.Header.Set("User-Agent", pixiv.UserAgent)
	req.Header.Set(pixiv.ClientTimeHeader, clientTime)
	req.Header.Set(pixiv.ClientHashHeader, hex.EncodeToString(hash[:]))
	return req
}

// maxRetryAfter is the longest Retry-After that Refresh waits out; a longer
// one is reported instead.
const maxRetryAfter = time.Minute

// retry decides whether a failed try is worth another, and after how long.
func (c *Client) retry(op string, e *Error, res outcome, try int) (wait time.Duration, again bool) {
	base := func(d time.Duration) time.Duration {
		if c.Backoff > 0 {
			return c.Backoff
		}
		return d
	}
	// A loopback address that refused the connection is a double that is not
	// running: no try will find it.
	if _, refused := refusedLoopback(e.Err); refused {
		return 0, false
	}
	switch op {
	case OpPassword:
		// A password that reached Pixiv may have been counted: only a dial
		// that failed outright is safe to repeat.
		return backoff(base(200*time.Millisecond), try),
			e.kind == kindNetwork && !res.sent && !isTLSError(e.Err)
	case OpExchange:
		return backoff(base(200*time.Millisecond), try), exchangeRetryable(e, res)
	}
	switch e.kind {
	case kindNetwork:
		return backoff(base(500*time.Millisecond), try), !isTLSError(e.Err) && !proxyRefused(e.Err)
	case kindFailing, kindRateLimited, kindBlocked:
		if e.kind == kindBlocked && e.Status != 429 && e.Status < 500 {
			return 0, false // Cloudflare's block page, not its "try later" one
		}
		if e.RetryAfter > maxRetryAfter {
			return 0, false
		}
		return max(backoff(base(500*time.Millisecond), try), e.RetryAfter), true
	}
	return 0, false
}

// proxyRefused reports whether err is the proxy's refusal of a tunnel for
// want of credentials (407), which the same request a moment later meets
// again. net/http reports it as the bare status text.
func proxyRefused(err error) bool {
	cause := networkCause(err)
	return cause != nil && innermost(cause) == http.StatusText(http.StatusProxyAuthRequired)
}

// exchangeRetryable reports whether a failed code exchange left the code
// as valid as it was: no answer began (a reset, a refused or failed
// connection, a TLS alert in the handshake, but no certificate Pixiv does not
// own), or Pixiv answered that it is failing or busy, without saying
// anything of the code.
func exchangeRetryable(e *Error, res outcome) bool {
	if e.OAuth == "invalid_grant" {
		return false // the code was used, expired, or never valid
	}
	switch e.kind {
	case kindNetwork:
		return !res.answered && !isCertificateError(e.Err)
	case kindFailing, kindRateLimited:
		return e.RetryAfter <= codeLifetime/2
	case kindBlocked:
		// Cloudflare's 5xx "origin down" and 429 pages, not its block page.
		return e.Status == 429 || e.Status >= 500
	}
	return false
}

// backoff doubles base with every try, up to 8 s, with a little jitter so
// that many clients do not return at once.
func backoff(base time.Duration, try int) time.Duration {
	d := min(base<<min(try-1, 10), 8*time.Second)
	return d + rand.N(d/4+1)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(s, 0), 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// networkError is the Error of a request that got no (complete) answer.
func networkError(ctx context.Context, err error) *Error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &Error{Err: context.Canceled, kind: kindCanceled}
	}
	return &Error{Err: unavailable(err), kind: kindNetwork}
}

// isDialError reports whether err happened while connecting: resolving the
// name, dialing, or asking a proxy for a tunnel, before any of the request
// was written.
func isDialError(err error) bool {
	var (
		op  *net.OpError
		dns *net.DNSError
	)
	return errors.As(err, &dns) || errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// redact replaces in s every secret the request carried.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func since(start time.Time) time.Duration {
	return time.Since(start).Round(time.Millisecond)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return 3
	}
	return c.Retries
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewTransport returns the HTTP transport pixivauth reaches Pixiv with:
// connect, handshake and response-header timeouts, HTTP/2, a few idle
// connections, and the proxy from the environment (HTTPS_PROXY, NO_PROXY).
// A program that routes or proxies otherwise replaces Proxy and
// DialContext; every client of pixivauth's is built on this one transport.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

// defaultHTTPClient is what a Client without HTTPClient uses.
var defaultHTTPClient = &http.Client{Transport: NewTransport(), Timeout: time.Minute}

// httpClient is the configured client, made never to follow a redirect.
func (c *Client) httpClient() *http.Client {
	hc := *defaultHTTPClient
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}
