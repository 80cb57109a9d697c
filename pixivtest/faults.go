package pixivtest

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Endpoint names one step of Pixiv's flow, for [Server.Inject].
type Endpoint string

// The endpoints of the flow, in the order a login meets them.
const (
	// EndpointLogin is app-api's /web/v1/login, where the flow starts.
	EndpointLogin Endpoint = "login"
	// EndpointAccountsLogin is accounts' /login: the login form (GET and
	// its POSTs) or account selection.
	EndpointAccountsLogin Endpoint = "accounts-login"
	// EndpointAjaxLogin is the login form's XHR, /ajax/login.
	EndpointAjaxLogin Endpoint = "ajax-login"
	// EndpointTwoFactor takes the TOTP code.
	EndpointTwoFactor Endpoint = "two-factor"
	// EndpointEmailCode takes the e-mailed code.
	EndpointEmailCode Endpoint = "email-code"
	// EndpointSetupPrompt is a passkey or two-factor setup prompt.
	EndpointSetupPrompt Endpoint = "setup-prompt"
	// EndpointRecaptcha is reCAPTCHA's frames on www.google.com.
	EndpointRecaptcha Endpoint = "recaptcha"
	// EndpointAccountSelected is what "Continue using this account" posts to.
	EndpointAccountSelected Endpoint = "account-selected"
	// EndpointPostRedirect is the page that sends the browser on to start.
	EndpointPostRedirect Endpoint = "post-redirect"
	// EndpointStart is app-api's /web/v1/users/auth/pixiv/start.
	EndpointStart Endpoint = "start"
	// EndpointAuthorize is oauth's /auth/authorize, which issues the code.
	EndpointAuthorize Endpoint = "authorize"
	// EndpointCallback is app-api's callback, which carries the code.
	EndpointCallback Endpoint = "callback"
	// EndpointToken is oauth's /auth/token, for every grant.
	EndpointToken Endpoint = "token"
)

// endpointOf names the endpoint a request is for, or "" for none.
func endpointOf(host, path string) Endpoint {
	switch host {
	case pixiv.AppAPIHost:
		switch path {
		case pixiv.LoginPath:
			return EndpointLogin
		case pixiv.StartPath:
			return EndpointStart
		case pixiv.CallbackPath:
			return EndpointCallback
		}
	case pixiv.AccountsHost:
		switch path {
		case pixiv.AccountsLoginPath:
			return EndpointAccountsLogin
		case pixiv.AccountSelectedPath:
			return EndpointAccountSelected
		case pixiv.PostRedirectPath:
			return EndpointPostRedirect
		case pixiv.AjaxLoginPath:
			return EndpointAjaxLogin
		case pixiv.TwoFactorPath:
			return EndpointTwoFactor
		case pixiv.EmailCodePath:
			return EndpointEmailCode
		case setupPromptPath:
			return EndpointSetupPrompt
		}
	case pixiv.RecaptchaHost:
		return EndpointRecaptcha
	case pixiv.OAuthHost:
		switch path {
		case pixiv.AuthorizePath:
			return EndpointAuthorize
		case pixiv.TokenPath:
			return EndpointToken
		}
	}
	return ""
}

// Fault is a way for an endpoint to fail. The first of these that is set
// decides the answer: Reset, Hang, Malformed, Status. Delay comes before any
// of them; a fault with only Delay (and perhaps Header) set delays the normal
// answer (with those headers added).
type Fault struct {
	// Status, Body, ContentType and Header make the answer. ContentType
	// defaults to application/json on the token endpoint and text/html
	// elsewhere.
	Status      int
	Body        string
	ContentType string
	Header      http.Header // e.g. Retry-After
	// Delay is waited before answering; the wait ends early, with no
	// answer, if the client gives up or the server closes.
	Delay time.Duration
	// Hang sends the status (default 200), headers and part of the body
	// (default: a token answer), then never finishes, until the client gives
	// up or the server closes.
	Hang bool
	// Reset closes the TCP connection with no answer, with an RST.
	Reset bool
	// Malformed answers 200 application/json with broken, truncated JSON
	// (or Body, if set).
	Malformed bool
	// Times is how many requests the fault applies to; 0 means every
	// request until [Server.ClearFaults].
	Times int
}

// queuedFault is a fault waiting for its endpoint's requests.
type queuedFault struct {
	Fault
	left int // requests still to fault, when Times > 0
}

// Inject queues f for the next f.Times requests to e (every request, if
// Times is 0), after any faults already queued for e: Inject(e, a) then
// Inject(e, b) faults with a, then b. A fault for every request stays at the
// head of its queue until ClearFaults.
func (s *Server) Inject(e Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Header = f.Header.Clone()
	s.faults[e] = append(s.faults[e], &queuedFault{Fault: f, left: f.Times})
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFaultLocked returns the fault for this request to e, or nil. s.mu is
// held.
func (s *Server) takeFaultLocked(e Endpoint) *Fault {
	q := s.faults[e]
	if e == "" || len(q) == 0 {
		return nil
	}
	head := q[0]
	if head.Times > 0 {
		head.left--
		if head.left <= 0 {
			s.faults[e] = q[1:]
		}
	}
	f := head.Fault
	return &f
}

// applyFault answers r with f, or reports that the normal answer should
// follow (a Delay alone).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, e Endpoint, f *Fault) (next bool) {
	if f.Delay > 0 && !s.wait(r.Context(), f.Delay) {
		// The client went away, or the double is closing: a server
		// writes nothing more. A handler that returned here would send
		// an empty 200, which a client still reading could take for an
		// answer.
		panic(http.ErrAbortHandler)
	}
	for k, vs := range f.Header {
		w.Header()[k] = append(w.Header()[k], vs...)
	}
	contentType := f.ContentType
	if contentType == "" {
		contentType = "text/html; charset=utf-8"
		if e == EndpointToken || e == EndpointAjaxLogin || e == EndpointTwoFactor || e == EndpointEmailCode {
			contentType = "application/json"
		}
	}
	switch {
	case f.Reset:
		reset(w)
	case f.Hang:
		body := f.Body
		if body == "" {
			body = `{"access_token":"` + randomToken() + `","expires_in":3600,"token_type":"bearer","scope":"","refresh_token":"` + randomToken() + `"}`
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(orDefault(f.Status, http.StatusOK))
		_, _ = w.Write([]byte(body[:len(body)/2]))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		s.wait(r.Context(), -1)
	case f.Malformed:
		body := f.Body
		if body == "" {
			body = `{"access_token":"` + randomToken() + `","expires_in":3600,"token_type":"bea`
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(orDefault(f.Status, http.StatusOK))
		_, _ = w.Write([]byte(body))
	case f.Status != 0:
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	default:
		return true
	}
	return false
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// wait waits d (forever if d < 0) and reports whether it did, rather than
// the client giving up or the server closing first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// reset closes the connection under w with an RST and no answer, the way a
// middlebox or a crashing server does.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 (not served, but to be safe): reset the stream instead.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn() // under TLS: skip the close_notify alert
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}

// CloudflareBlock is the answer of Cloudflare in front of Pixiv to a client
// it blocks: 403 with an HTML page, "Attention Required! | Cloudflare".
func CloudflareBlock() Fault {
	return Fault{
		Status:      http.StatusForbidden,
		ContentType: "text/html; charset=UTF-8",
		Header:      cloudflareHeader(),
		Body: `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="cf-error-details-wrapper">
    <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
    <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> pixiv.net</h2>
    <p>This website is using a security service to protect itself from online attacks.</p>
    <p>Cloudflare Ray ID: <strong class="font-semibold">` + randomHex(8) + `</strong></p>
  </div>
</div>
</body>
</html>
`,
	}
}

// CloudflareUnavailable is Cloudflare's answer when Pixiv's servers behind
// it are down: 503 with an HTML page.
func CloudflareUnavailable() Fault {
	return Fault{
		Status:      http.StatusServiceUnavailable,
		ContentType: "text/html; charset=UTF-8",
		Header:      cloudflareHeader(),
		Body: `<!DOCTYPE html>
<html lang="en-US">
<head>
<title>pixiv.net | 503: Service temporarily unavailable</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details">
    <h1><span class="inline-block">Service temporarily unavailable</span> <span class="code-label">Error code 503</span></h1>
    <p>The web server reported that it is temporarily unavailable. Please try again in a few minutes.</p>
    <p>Cloudflare Ray ID: <strong class="font-semibold">` + randomHex(8) + `</strong></p>
  </div>
</div>
</body>
</html>
`,
	}
}

// CloudflareChallenge is Cloudflare's "Just a moment..." check in front of
// Pixiv: 403 with cf-mitigated: challenge, and a page whose script (which
// never loads here, as it often does not pass in a headless browser) would
// decide whether the browser goes on.
func CloudflareChallenge() Fault {
	h := cloudflareHeader()
	h.Set("Cf-Mitigated", "challenge")
	return Fault{
		Status:      http.StatusForbidden,
		ContentType: "text/html; charset=UTF-8",
		Header:      h,
		Body: `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">accounts.pixiv.net</h1>
<h2 id="challenge-running" class="h2">Verifying you are human. This may take a few seconds.</h2>
<div id="challenge-stage"><div class="cf-turnstile"></div></div>
<div id="challenge-body-text" class="core-msg spacer">accounts.pixiv.net needs to review the security of your connection before proceeding.</div>
</div></div>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=` + randomHex(8) + `"></script>
</body></html>
`,
	}
}

func cloudflareHeader() http.Header {
	return http.Header{
		"Server": {"cloudflare"},
		"Cf-Ray": {randomHex(8) + "-NRT"},
	}
}
