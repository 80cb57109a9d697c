// Package httplogin turns a live Pixiv session into an authorization code
// with plain HTTP, no browser: the six requests that Pixiv's pages make when
// a person who is already logged in presses "Continue using this account".
//
//	login URL ──302──▶ accounts /login (init-config: tt, userId, continue URL)
//	POST /account-selected ──302──▶ /post-redirect (init-config: returnTo)
//	POST start?…&via=login ──302──▶ authorize ──302──▶ callback?code=…
//
// The callback itself is never requested: its URL, in authorize's
// Location, carries the code. Each request carries the headers the Chromium
// it replaces would send (see the pixiv package), one cookie jar holds the
// session, and no redirect is followed automatically, so every hop is
// checked against what Pixiv should answer.
//
// Errors wrap a [reason.Reason]: [reason.SessionExpired] when Pixiv shows
// the login form (init-config's userId is null), [reason.Blocked] for a
// Cloudflare page, [reason.Failing] for a 5xx or a page this package does not
// know, [reason.Unreachable] for a network error or a deadline. A page a
// browser might still get past (a Cloudflare challenge, an unknown page)
// also wraps [ErrUnexpected]. No error or log line carries a cookie value,
// a tt, a code or any query value.
package httplogin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// ErrUnexpected is wrapped, beside the reason, by the error of a login that
// met something this package does not expect: a Cloudflare page, a page
// without the data it should carry, a redirect to somewhere else. A browser
// may still get past it, so a caller can fall back to one. A dead session,
// a network error or a server error are not unexpected: a browser would
// meet them too.
var ErrUnexpected = errors.New("the browserless login met an answer it does not expect")

// Client logs in with a session over HTTP. The zero value is usable: it
// connects directly, with the proxy of the environment.
type Client struct {
	// HTTP makes the requests: its Transport decides the proxy, or dials a
	// test double. Its Jar and CheckRedirect are not used: each login has
	// a jar of its own and follows no redirect by itself. Nil means a
	// client with connect, handshake and answer timeouts and the proxy of
	// the environment (HTTPS_PROXY, NO_PROXY).
	HTTP *http.Client

	// Logf, if set, receives a line per request (method, URL without its
	// query values, status, time), for -v. It never receives a cookie
	// value, a tt, a code or a page.
	Logf func(format string, args ...any)

	// LastFailureDir, if set, is where a login that meets an answer it
	// does not understand saves it (query values, cookie values and
	// init-config removed), replacing what an earlier failure saved. It is
	// made (0700) only when there is something to save.
	LastFailureDir string
}

// Code logs in with cookies, the browser session (PHPSESSID and
// device_token on .pixiv.net), starting at loginURL (exchange.LoginURL of
// the verifier that will redeem the code), and returns the authorization
// code. It also returns the session as it is after the login: the cookies
// given, updated by those Pixiv set on the way (a rotated PHPSESSID, a new
// device_token), for saving as the profile's session. The code is
// single-use and lives for seconds: exchange it at once.
func (c *Client) Code(ctx context.Context, loginURL string, cookies []session.Cookie) (code string, kept []session.Cookie, err error) {
	if _, err := url.Parse(loginURL); err != nil || !strings.HasPrefix(loginURL, pixiv.LoginURL+"?") {
		return "", nil, errors.New("httplogin: the login URL is not Pixiv's app login URL")
	}
	l, err := c.newLogin(cookies)
	if err != nil {
		return "", nil, err
	}
	code, err = l.run(ctx, loginURL)
	if err != nil {
		return "", nil, err
	}
	return code, l.jar.cookies(), nil
}

// login is one login under way.
type login struct {
	c    *Client
	hc   *http.Client
	jar  *jar
	ua   string
	plat string
	// secrets are values that must not reach an error, a log or a saved
	// page: the cookies' values, the tt, the code.
	secrets []string
}

func (c *Client) newLogin(cookies []session.Cookie) (*login, error) {
	j, err := newJar(session.PixivOnly(cookies))
	if err != nil {
		return nil, err
	}
	hc := *defaultHTTPClient
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.Jar = j
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	platform, uaPlatform := browserPlatform()
	l := &login{c: c, hc: &hc, jar: j, ua: fmt.Sprintf(pixiv.BrowserUserAgentFormat, uaPlatform), plat: platform}
	for _, ck := range cookies {
		l.secret(ck.Value)
	}
	return l, nil
}

// browserPlatform is the Sec-CH-UA-Platform and the user agent's platform
// part of a Chromium on this system, as capture's headless browser reports
// itself.
func browserPlatform() (hint, ua string) {
	switch runtime.GOOS {
	case "darwin":
		return "macOS", pixiv.BrowserPlatformMac
	case "windows":
		return "Windows", pixiv.BrowserPlatformWindows
	}
	return "Linux", pixiv.BrowserPlatformLinux
}

// Steps of the login, as errors and log lines name them.
const (
	stepLogin        = "the app login URL"
	stepSelect       = "the account selection page"
	stepSelected     = "account selection"
	stepPostRedirect = "the post-redirect page"
	stepStart        = "the start URL"
	stepAuthorize    = "authorize"
)

func (l *login) run(ctx context.Context, loginURL string) (string, error) {
	// 1. The app's login URL sends the browser to the accounts login page.
	resp, err := l.do(ctx, stepLogin, l.navigate(ctx, http.MethodGet, loginURL, nil, "", "none"))
	if err != nil {
		return "", err
	}
	selectURL, err := l.redirect(resp, stepLogin, pixiv.AccountsHost, pixiv.AccountsLoginPath)
	if err != nil {
		return "", err
	}

	// 2. With a live session, account selection; its init-config holds the
	// tt and where "Continue using this account" leads.
	resp, err = l.do(ctx, stepSelect, l.navigate(ctx, http.MethodGet, selectURL, nil, pixiv.AccountsLoginURL, "same-origin"))
	if err != nil {
		return "", err
	}
	cfg, err := l.page(resp, stepSelect)
	if err != nil {
		return "", err
	}
	if cfg.loggedOut() {
		return "", l.fail(stepSelect, resp, nil, "the session has expired: Pixiv shows the login form, not account selection", reason.SessionExpired)
	}
	tt, cont := cfg.str(pixiv.ConfigTT), cfg.str(pixiv.ConfigContinueURL)
	l.secret(tt)
	if tt == "" || !isPixivURL(cont) {
		return "", l.unexpected(stepSelect, resp, cfg.body, "its init-config has no tt or no continueWithCurrentAccountUrl")
	}

	// 3. "Continue using this account": a click, so a user-activated
	// navigation, posted from the page above.
	form := url.Values{pixiv.ReturnToParam: {cont}, pixiv.CSRFParam: {tt}}
	req := l.navigate(ctx, http.MethodPost, pixiv.AccountsOrigin+pixiv.AccountSelectedPath, form, selectURL, "same-origin")
	resp, err = l.do(ctx, stepSelected, req)
	if err != nil {
		return "", err
	}
	postRedirect, err := l.redirect(resp, stepSelected, pixiv.AccountsHost, pixiv.PostRedirectPath)
	if err != nil {
		return "", err
	}

	// 4. post-redirect names, in its init-config, where its script posts.
	req = l.navigate(ctx, http.MethodGet, postRedirect, nil, selectURL, "same-origin")
	req.Header.Set("Sec-Fetch-User", "?1") // still the click's navigation
	resp, err = l.do(ctx, stepPostRedirect, req)
	if err != nil {
		return "", err
	}
	cfg, err = l.page(resp, stepPostRedirect)
	if err != nil {
		return "", err
	}
	if cfg.loggedOut() {
		return "", l.fail(stepPostRedirect, resp, nil, "the session has expired: Pixiv shows the login form after account selection", reason.SessionExpired)
	}
	returnTo := cfg.str(pixiv.ConfigReturnTo)
	if !isURLOn(returnTo, pixiv.AppAPIHost, pixiv.StartPath) {
		return "", l.unexpected(stepPostRedirect, resp, cfg.body, "its init-config has no returnTo on the start URL")
	}

	// 5. The page's script posts to returnTo with via=login.
	startURL := withQuery(returnTo, pixiv.ViaParam, pixiv.ViaLogin)
	req = l.navigate(ctx, http.MethodPost, startURL, url.Values{}, pixiv.AccountsOrigin+"/", "same-site")
	req.Header.Del("Sec-Fetch-User") // a script's navigation
	resp, err = l.do(ctx, stepStart, req)
	if err != nil {
		return "", err
	}
	authorize, err := l.redirect(resp, stepStart, pixiv.OAuthHost, pixiv.AuthorizePath)
	if err != nil {
		return "", err
	}

	// 6. authorize answers with the callback; its URL carries the code.
	req = l.navigate(ctx, http.MethodGet, authorize, nil, pixiv.AccountsOrigin+"/", "same-site")
	req.Header.Del("Sec-Fetch-User")
	resp, err = l.do(ctx, stepAuthorize, req)
	if err != nil {
		return "", err
	}
	callback, err := l.redirect(resp, stepAuthorize, pixiv.AppAPIHost, pixiv.CallbackPath)
	if err != nil {
		return "", err
	}
	q := mustParse(callback).Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("httplogin: Pixiv ended the login with error %q at %s: %w", redactValue(e), stepAuthorize, reason.Rejected)
	}
	code := q.Get("code")
	if code == "" {
		return "", l.unexpected(stepAuthorize, resp, nil, "its redirect to the callback carries no code")
	}
	l.logf("code received")
	return code, nil
}

// navigate builds a top-level navigation as Chromium sends it: GET, or a
// form POST with Origin. referer is the page it starts from ("" for none),
// site its Sec-Fetch-Site as seen from there.
func (l *login) navigate(ctx context.Context, method, target string, form url.Values, referer, site string) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		// Every URL here was checked to be Pixiv's before.
		panic("httplogin: " + err.Error())
	}
	h := req.Header
	h.Set("Sec-CH-UA", pixiv.SecCHUA)
	h.Set("Sec-CH-UA-Mobile", pixiv.SecCHUAMobile)
	h.Set("Sec-CH-UA-Platform", `"`+l.plat+`"`)
	h.Set("Upgrade-Insecure-Requests", "1")
	h.Set("User-Agent", l.ua)
	h.Set("Accept", pixiv.AcceptDocument)
	h.Set("Sec-Fetch-Site", site)
	h.Set("Sec-Fetch-Mode", "navigate")
	h.Set("Sec-Fetch-User", "?1")
	h.Set("Sec-Fetch-Dest", "document")
	h.Set("Accept-Language", pixiv.BrowserAcceptLanguage)
	if referer != "" {
		h.Set("Referer", referer)
	}
	if method == http.MethodPost {
		h.Set("Cache-Control", "max-age=0")
		h.Set("Origin", pixiv.AccountsOrigin)
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// maxPage bounds what is read of an answer; Pixiv's pages are about 100 KB.
const maxPage = 4 << 20

// answer is a response with its body read.
type answer struct {
	*http.Response
	body []byte
}

// do sends one request and reads its answer. Network errors, deadlines,
// 5xx and Cloudflare's pages end the login here.
func (l *login) do(ctx context.Context, step string, req *http.Request) (*answer, error) {
	start := time.Now()
	shown := redactURL(req.URL.String())
	resp, err := l.hc.Do(req)
	if err != nil {
		l.logf("%s %s: no answer after %s", req.Method, shown, since(start))
		return nil, l.networkError(ctx, step, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	l.logf("%s %s: HTTP %d in %s", req.Method, shown, resp.StatusCode, since(start))
	if err == nil && ctx.Err() != nil {
		// An answer that came in as the login ended (the server gave up
		// along with it) is no answer to read.
		err = ctx.Err()
	}
	if err != nil {
		return nil, l.networkError(ctx, step, err)
	}
	a := &answer{Response: resp, body: body}
	if kind := cloudflare(resp, body); kind != "" && (kind == cfChallenge || resp.StatusCode < 500) {
		return nil, l.fail(step, a, body, "Pixiv's Cloudflare front answered with its "+kind+" page: try again later, or from another network", reason.Blocked, ErrUnexpected)
	}
	if resp.StatusCode >= 500 {
		return nil, l.fail(step, a, body, "Pixiv's server failed: try again later", reason.Failing)
	}
	return a, nil
}

// networkError is the error of a request that got no (whole) answer.
func (l *login) networkError(ctx context.Context, step string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.Canceled) {
			return fmt.Errorf("httplogin: %s: %w", step, context.Cause(ctx))
		}
		return fmt.Errorf("httplogin: no answer from %s in time: %w: %w", step, reason.Unreachable, ctxErr)
	}
	return reason.Mark(&netError{
		msg: fmt.Sprintf("httplogin: cannot reach %s (%s): %s", step, l.redact(redactQuery(netDetail(err))), exchange.NetworkTodo(err, "try again")),
		err: err,
	}, reason.Unreachable)
}

// netError is a request's network error in words without its URL (whose
// query holds values), wrapping the error itself, so that a caller can
// tell what failed (a certificate, a refused connection) with errors.As.
type netError struct {
	msg string
	err error
}

func (e *netError) Error() string { return e.msg }
func (e *netError) Unwrap() error { return e.err }

// netDetail is err without the URL that url.Error puts first, which carries
// query values.
func netDetail(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		inner := op.Err
		var sys *os.SyscallError
		if errors.As(inner, &sys) {
			inner = sys.Err
		}
		return op.Op + ": " + inner.Error()
	}
	return err.Error()
}

// redirect checks that a is a redirect to host and path, and returns the
// absolute URL it leads to. A redirect to the accounts login (or its form)
// means the session ended.
func (l *login) redirect(a *answer, step, host, path string) (string, error) {
	loc := a.Header.Get("Location")
	if a.StatusCode < 300 || a.StatusCode > 399 || loc == "" {
		if cfg, err := parsePage(a.body); err == nil && cfg.loggedOut() {
			return "", l.fail(step, a, nil, "the session has expired: Pixiv shows the login form", reason.SessionExpired)
		}
		return "", l.unexpected(step, a, a.body, "a redirect was expected")
	}
	u, err := a.Request.URL.Parse(loc)
	if err != nil || u.Scheme != "https" {
		return "", l.unexpected(step, a, nil, "its redirect does not lead to an https URL")
	}
	if isURLOn(u.String(), host, path) {
		return u.String(), nil
	}
	if path != pixiv.AccountsLoginPath && isURLOn(u.String(), pixiv.AccountsHost, pixiv.AccountsLoginPath) {
		return "", l.fail(step, a, nil, "the session has expired: Pixiv sends the login back to the login form", reason.SessionExpired)
	}
	return "", l.unexpected(step, a, nil, "it redirects to "+redactURL(u.String())+", not to https://"+host+path)
}

// page reads an answer's init-config: the answer must be a 200 page that
// carries one.
func (l *login) page(a *answer, step string) (*initConfig, error) {
	if a.StatusCode != http.StatusOK {
		return nil, l.unexpected(step, a, a.body, fmt.Sprintf("HTTP %d where a page was expected", a.StatusCode))
	}
	cfg, err := parsePage(a.body)
	if err != nil {
		if looksLikeLoginForm(a.body) {
			return nil, l.fail(step, a, nil, "the session has expired: Pixiv shows the login form", reason.SessionExpired)
		}
		return nil, l.unexpected(step, a, a.body, err.Error())
	}
	return cfg, nil
}

// unexpected ends the login on an answer it does not understand, saving it.
func (l *login) unexpected(step string, a *answer, body []byte, what string) error {
	return l.fail(step, a, body, what+" (has Pixiv changed its pages?)", reason.Failing, ErrUnexpected)
}

// fail is the error that ends the login at step: what happened, wrapping
// reasons. With body, or for anything but a dead session, the answer is
// saved under LastFailureDir first and the error names where.
func (l *login) fail(step string, a *answer, body []byte, what string, reasons ...error) error {
	status := ""
	if a != nil {
		status = fmt.Sprintf(" (HTTP %d from %s)", a.StatusCode, redactURL(a.Request.URL.String()))
	}
	saved := ""
	if body != nil || !errors.Is(reasons[0], reason.SessionExpired) {
		saved = l.save(step, a, body)
	}
	return &stepError{msg: "httplogin: " + step + status + ": " + l.redact(what) + saved, reasons: reasons}
}

// stepError is the error of a step: its message is redacted and names no
// reason, and errors.Is still sees the reasons and ErrUnexpected.
type stepError struct {
	msg     string
	reasons []error
}

func (e *stepError) Error() string   { return e.msg }
func (e *stepError) Unwrap() []error { return e.reasons }

func (l *login) secret(v string) {
	if len(v) >= 4 {
		l.secrets = append(l.secrets, v)
	}
}

// redact removes every secret of the login from s. URLs are redacted
// where they are written into a message (redactURL).
func (l *login) redact(s string) string {
	for _, v := range l.secrets {
		s = strings.ReplaceAll(s, v, "…")
	}
	return s
}

func (l *login) logf(format string, args ...any) {
	if l.c.Logf != nil {
		l.c.Logf("%s", l.redact(fmt.Sprintf(format, args...)))
	}
}

func since(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }

// defaultHTTPClient is what a Client without HTTP uses: pixivauth's one
// transport.
var defaultHTTPClient = &http.Client{Transport: exchange.NewTransport(), Timeout: time.Minute}

// isPixivURL reports whether raw is an https URL on a Pixiv host.
func isPixivURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.User == nil && pixiv.IsPixivHost(u.Hostname())
}

// isURLOn reports whether raw is an https URL on host (with no port other
// than 443) with path.
func isURLOn(raw, host, path string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.User == nil &&
		strings.EqualFold(u.Hostname(), host) && (u.Port() == "" || u.Port() == "443") && u.Path == path
}

// withQuery adds name=value to raw's query unless it is there already,
// keeping the query's order.
func withQuery(raw, name, value string) string {
	u := mustParse(raw)
	if u.Query().Get(name) == value {
		return raw
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += url.QueryEscape(name) + "=" + url.QueryEscape(value)
	return u.String()
}

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic("httplogin: " + err.Error())
	}
	return u
}
