package pixivtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Server is a running Pixiv double. Its methods are safe for concurrent use,
// including while requests are being served.
type Server struct {
	cfg       config
	addr      string
	pool      *x509.CertPool
	spki      string // base64(sha256(SubjectPublicKeyInfo)) of the certificate
	srv       *http.Server
	transport *http.Transport

	// done is closed by Close: whatever waits (a Delay, a Hang) gives up.
	done      chan struct{}
	closeOnce sync.Once
	handlers  sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	accounts []Account // in the order they were added; the first one auto-logs in
	sessions map[string]session
	pending  map[string]pendingLogin // by the page's tt: password accepted, a code awaited
	visitors map[string]bool         // tt of login pages shown without a session
	emailed  []EmailedCode
	codes    map[string]*codeGrant
	refresh  map[string]string // refresh token → account ID
	faults   map[Endpoint][]*queuedFault
	requests []Request
	issued   []Issued
	nextID   int

	captcha       bool
	noRedirect    bool
	decoys        bool
	callbackError string
}

// Option configures a Server at [New].
type Option func(*config)

type config struct {
	accounts        []Account
	codeTTL         time.Duration
	accessTokenTTL  time.Duration
	passwordGrant   bool
	shape           Shape
	legacyErrors    bool
	now             func() time.Time
	autoLogin       bool
	autoLoginDelay  time.Duration
	autoSelect      bool
	autoSelectDelay time.Duration
	random          *randomFaults // WithRandomFaults (random.go)

	lang           string
	altEnglish     bool
	usernameFirst  bool
	scriptCallback bool
	camelReturnTo  bool
	dataProps      bool

	cert *tls.Certificate // WithCertificate; else a new one
}

// WithLanguage makes the accounts pages speak lang (one of [Languages])
// whatever the browser's Accept-Language, as for a person whose Pixiv
// setting says so; a lang parameter on the URL still wins.
func WithLanguage(lang string) Option {
	return func(c *config) { c.lang = normLang(lang) }
}

// WithAltEnglish gives the English account selection button a second
// wording: Pixiv's English label is not confirmed.
func WithAltEnglish() Option { return func(c *config) { c.altEnglish = true } }

// WithUsernameFirst makes the login form ask for the username first and the
// password on a second step (one report says some pages do).
func WithUsernameFirst() Option { return func(c *config) { c.usernameFirst = true } }

// WithScriptCallback makes the callback answer 200 with a page whose script
// goes to pixiv://, instead of a 302 (which of the two Pixiv does is not
// confirmed).
func WithScriptCallback() Option { return func(c *config) { c.scriptCallback = true } }

// WithCamelReturnTo makes a successful /ajax/login answer say returnTo
// instead of return_to (some answers do).
func WithCamelReturnTo() Option { return func(c *config) { c.camelReturnTo = true } }

// WithDataProps makes the pages carry their data in a data-props attribute
// too, as some of Pixiv's do.
func WithDataProps() Option { return func(c *config) { c.dataProps = true } }

// WithCertificate makes the double serve cert (from [NewCertificate])
// instead of a certificate of its own, so that one browser can trust many
// doubles by one public key: a browser shared by tests, each reaching its
// own double through a browser context's proxy ([NewProxy],
// [ProxyBrowserFlags]).
func WithCertificate(cert tls.Certificate) Option {
	return func(c *config) { c.cert = &cert }
}

// WithAccount adds an account that can log in. It can be given more than
// once; the first account is the one [WithAutoLogin] logs in with. An account
// without an ID gets one, as with [Server.AddAccount].
func WithAccount(a Account) Option {
	return func(c *config) { c.accounts = append(c.accounts, a) }
}

// WithCodeTTL sets how long an authorization code can be exchanged after
// authorize issued it, by the server's clock (see [WithClock]). The default is
// [pixiv.CodeTTLSeconds].
func WithCodeTTL(d time.Duration) Option {
	return func(c *config) { c.codeTTL = d }
}

// WithAccessTokenTTL sets the expires_in of issued access tokens. The default
// is 3600 s, Pixiv's.
func WithAccessTokenTTL(d time.Duration) Option {
	return func(c *config) { c.accessTokenTTL = d }
}

// WithPasswordGrant with true makes the token endpoint accept the password grant
// (username, password, device_token=pixiv), as Pixiv did before February 2021.
// By default it refuses it the way Pixiv does now: "Invalid grant_type
// parameter or parameter missing".
func WithPasswordGrant(accept bool) Option {
	return func(c *config) { c.passwordGrant = accept }
}

// WithShape chooses where a successful token answer puts its fields. The
// default, [ShapeBoth], is what Pixiv sends.
func WithShape(s Shape) Option {
	return func(c *config) { c.shape = s }
}

// WithLegacyErrors makes token errors lack the OAuth "error" key, as Pixiv's
// older answers did: {"has_error":true,"errors":{"system":{...}}}.
func WithLegacyErrors() Option {
	return func(c *config) { c.legacyErrors = true }
}

// WithClock sets the server's clock, which decides when codes and sessions
// expire, which one-time codes are current, and the times of [Request] and
// [Issued]. The default is time.Now. TLS certificates always use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithAutoLogin makes the login form act as the person at a visible window:
// delay after it loads, a script in the page types the first account's
// username and password into the form's inputs and clicks its submit button.
// If that account has a TOTP secret, the one-time-code page likewise types in
// the code that is current when the server renders it. A form that shows an
// error (a wrong password) does not fill itself in again.
func WithAutoLogin(delay time.Duration) Option {
	return func(c *config) { c.autoLogin, c.autoLoginDelay = true, delay }
}

// WithAutoSelect makes the account selection page click "Continue using this
// account" by itself, delay after it loads: the person at a visible window
// who already has a session. Pixiv's page never does this.
func WithAutoSelect(delay time.Duration) Option {
	return func(c *config) { c.autoSelect, c.autoSelectDelay = true, delay }
}

// Shape is where a successful token answer puts the token fields.
type Shape int

const (
	// ShapeBoth puts them at the top level and again inside "response"
	// (which adds device_token), as Pixiv does.
	ShapeBoth Shape = iota
	// ShapeTopLevel puts them at the top level only.
	ShapeTopLevel
	// ShapeWrapped puts them inside "response" only, as old documentation
	// shows.
	ShapeWrapped
)

// New starts a double on 127.0.0.1 at a free port, serving TLS for every
// Pixiv host; it routes by the Host header. It panics if it cannot listen or
// make its certificate, like httptest.NewServer. Close it when done.
func New(opts ...Option) *Server {
	cfg := config{
		codeTTL:        pixiv.CodeTTLSeconds * time.Second,
		accessTokenTTL: 3600 * time.Second,
		now:            time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	var cert tls.Certificate
	if cfg.cert != nil {
		cert = *cfg.cert
	} else {
		var err error
		if cert, err = NewCertificate(); err != nil {
			panic(fmt.Sprintf("pixivtest: %v", err))
		}
	}
	leaf := cert.Leaf
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("pixivtest: failed to listen on a port: %v", err))
	}
	s := &Server{
		cfg:      cfg,
		addr:     ln.Addr().String(),
		pool:     x509.NewCertPool(),
		spki:     spkiHash(leaf),
		done:     make(chan struct{}),
		sessions: map[string]session{},
		pending:  map[string]pendingLogin{},
		visitors: map[string]bool{},
		codes:    map[string]*codeGrant{},
		refresh:  map[string]string{},
		faults:   map[Endpoint][]*queuedFault{},
		nextID:   10000001,
	}
	s.pool.AddCert(leaf)
	for _, a := range cfg.accounts {
		s.AddAccount(a)
	}
	s.transport = NewTransport(s.addr, s.pool)
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: 30 * time.Second,
		// Browsers that are told to ignore the certificate and clients that
		// give up mid-handshake make the server log; nobody needs to see it.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	// HTTP/1.1 only, so that a Reset fault can hijack the TCP connection.
	tlsLn := tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
		MinVersion:   tls.VersionTLS12,
	})
	go func() { _ = s.srv.Serve(tlsLn) }()
	return s
}

// Addr is the double's address, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.addr }

// Close shuts the double down: it stops listening, closes every connection,
// makes hanging and delayed answers give up, and waits for its handlers to
// return. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.done)
		_ = s.srv.Close()
		s.handlers.Wait()
		s.transport.CloseIdleConnections()
	})
}

// Client returns an HTTP client that reaches the double for every Pixiv
// host: URLs stay as they are (https://oauth.secure.pixiv.net/auth/token),
// the TLS server name is the real host, the double's certificate is trusted,
// and proxy environment variables are ignored. Any other host fails to dial.
// Each call returns a new client, so setting its Jar or CheckRedirect is
// fine; they share one transport.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.transport}
}

// DialContext dials the double for any Pixiv host (pixiv.net or a name
// under it) and refuses every other address, so that code under test can
// never reach past loopback through it.
func (s *Server) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return DialPixiv(s.addr)(ctx, network, addr)
}

// RootCAs returns a pool that trusts the double's certificate, which is
// valid for pixiv.net, *.pixiv.net, the three hosts of the flow, localhost
// and 127.0.0.1.
func (s *Server) RootCAs() *x509.CertPool { return s.pool.Clone() }

// BrowserFlags returns Chrome command-line flags (chromedp.Flag name and
// value) that point a browser at the double: every Pixiv host resolves to it,
// every other name to nothing, and its certificate is accepted by its public
// key hash, so the browser still sees Pixiv's own URLs. It uses no proxy:
// one from the environment ($HTTPS_PROXY) or the desktop's settings would
// be asked for Pixiv's hosts by name, and reach the real Pixiv.
func (s *Server) BrowserFlags() map[string]any {
	return map[string]any{
		"host-resolver-rules":                 pixiv.HostResolverRules(s.addr),
		"ignore-certificate-errors-spki-list": s.spki,
		"no-proxy-server":                     true,
	}
}

// NoLookups is a host-resolver-rules value (a Chrome flag) under which no
// name resolves but loopback's: a browser a test starts with it reaches
// nothing past this machine, however a page names its hosts.
const NoLookups = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

// ProxyBrowserFlags returns Chrome command-line flags for a browser that
// reaches doubles serving cert ([WithCertificate]) only through proxies
// ([NewProxy]), given per browser context or with --proxy-server: cert is
// accepted by its public key hash, and every name resolves to nothing, so
// that no request can go past loopback without a proxy.
func ProxyBrowserFlags(cert tls.Certificate) map[string]any {
	return map[string]any{
		"host-resolver-rules":                 NoLookups,
		"ignore-certificate-errors-spki-list": spkiHash(cert.Leaf),
	}
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.cfg.now() }

// serve records the request, applies any injected fault, and routes by host.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	host := requestHost(r)
	// Parse the form before recording it; handlers read r.PostForm after.
	_ = r.ParseForm()

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	defer s.handlers.Done()
	s.requests = append(s.requests, Request{
		Time:   s.now(),
		Method: r.Method,
		Host:   host,
		Path:   r.URL.Path,
		Query:  cloneValues(r.URL.Query()),
		Form:   cloneValues(r.PostForm),
		Header: r.Header.Clone(),
	})
	e := endpointOf(host, r.URL.Path)
	f := s.takeFaultLocked(e)
	s.mu.Unlock()

	if f != nil && !s.applyFault(w, r, e, f) || f == nil && !s.randomFault(w, r, host, e) {
		return
	}
	switch host {
	case pixiv.AppAPIHost:
		s.serveAppAPI(w, r)
	case pixiv.AccountsHost:
		s.serveAccounts(w, r)
	case pixiv.OAuthHost:
		s.serveOAuth(w, r)
	case pixiv.RecaptchaHost:
		s.serveRecaptcha(w, r)
	default:
		// Cloudflare answers a name it does not serve on this address
		// with 421 (inferred); a client reaching here sent the wrong Host.
		http.Error(w, "421 Misdirected Request: "+host+" is not served here", http.StatusMisdirectedRequest)
	}
}

// requestHost is the request's host name, lower case, without a port.
func requestHost(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

func cloneValues(v url.Values) url.Values {
	if len(v) == 0 {
		return url.Values{}
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Request is one request the double received, as recorded when its handler
// started (before any fault was applied).
type Request struct {
	// Time is by the server's clock (see [WithClock]).
	Time time.Time
	// Host is the Host header's name, lower case, without a port.
	Method, Host, Path string
	// Query is the URL's query; Form is the form-encoded body (empty for
	// other bodies).
	Query, Form url.Values
	// Header is the request's headers (Origin, Referer, User-Agent, …).
	Header http.Header
}

// Requests returns every request received so far, in the order their
// handlers started.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// TokenRequests returns the requests to the token endpoint, in order.
func (s *Server) TokenRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Host == pixiv.OAuthHost && r.Path == pixiv.TokenPath {
			out = append(out, r)
		}
	}
	return out
}

// Issued is a token set the token endpoint issued.
type Issued struct {
	// AccessToken and RefreshToken are the tokens issued.
	AccessToken, RefreshToken string
	// AccountID is the ID of the account the tokens belong to.
	AccountID string
	// Grant is the grant_type that obtained them.
	Grant string
	// Time is by the server's clock.
	Time time.Time
}

// Issued returns every token set issued so far, in order.
func (s *Server) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issued(nil), s.issued...)
}

// SetCaptcha with true makes every submitted username and password, right or
// wrong, answer validation_errors.captcha instead of logging in; the page
// then shows the checkbox inside the form, which nobody can solve here.
func (s *Server) SetCaptcha(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.captcha = on
}

// EmailedCode is a verification code the double "e-mailed".
type EmailedCode struct {
	// AccountID is the account logging in, Mail where the code went, and
	// Code the code itself.
	AccountID, Mail, Code string
	// Time is by the server's clock; the code lasts 15 minutes.
	Time time.Time
}

// EmailedCodes returns every verification code "sent" so far, in order.
func (s *Server) EmailedCodes() []EmailedCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]EmailedCode(nil), s.emailed...)
}

// SetNoRedirect with true makes the post-redirect page stay where it is: a login
// that never moves on.
func (s *Server) SetNoRedirect(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noRedirect = on
}

// SetCallbackError makes authorize redirect to the callback with
// state=S&error=code instead of issuing a code; "" turns it off.
func (s *Server) SetCallbackError(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackError = code
}

// SetDecoys with true makes the pages before the callback (login form, one-time
// code, account selection, post-redirect) fire requests whose URLs contain
// "callback?" and "code=" but are not the callback: see [DecoyURLs]. They are
// fired before the page moves on, so a browser emits them before the real
// callback.
func (s *Server) SetDecoys(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decoys = on
}

// DecoyURLs returns the URLs that pages fire under [Server.SetDecoys]: other
// paths on Pixiv's hosts, the callback's path on the wrong host, and a name
// that is not Pixiv's (which fails to resolve in a browser pointed at the
// double; the request is still emitted).
func DecoyURLs() []string {
	return []string{
		"https://" + pixiv.AccountsHost + "/recaptcha/api2/callback?code=decoy",
		"https://" + pixiv.AppAPIHost + pixiv.CallbackPath + "x?code=decoy",
		"https://" + pixiv.AccountsHost + pixiv.CallbackPath + "?state=decoy&code=decoy",
		"https://www.google.com/recaptcha/api2/callback?code=decoy",
	}
}
