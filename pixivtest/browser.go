package pixivtest

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/pixivauth/pixivauth/pixiv"
)

// The browser flow of the protocol document, step by step: app-api's login,
// accounts' pages, app-api's start, oauth's authorize, app-api's callback.

// pendingTTL is how long a login waits for its one-time code (inferred).
const pendingTTL = 10 * time.Minute

type pendingLogin struct {
	accountID string
	expires   time.Time
}

// codeGrant is what authorize bound a code to.
type codeGrant struct {
	challenge   string
	accountID   string
	redirectURI string
	issued      time.Time
}

// Messages the accounts pages show (inferred: Pixiv's English wording is not
// recorded; these say what its pages say).
const (
	msgWrongPassword = "Please check that your pixiv ID or e-mail address and password are entered correctly."
	msgWrongOTP      = "The verification code is incorrect. Please check it and try again."
	msgLoginExpired  = "Your login attempt has expired. Please log in again."
)

func (s *Server) serveAppAPI(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pixiv.LoginPath:
		s.appLogin(w, r)
	case pixiv.StartPath:
		s.start(w, r)
	case pixiv.CallbackPath:
		s.callback(w, r)
	default:
		s.errorPage(w, http.StatusNotFound, "This page does not exist.")
	}
}

func (s *Server) serveAccounts(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == pixiv.AccountsLoginPath && r.Method == http.MethodPost:
		s.loginSubmit(w, r)
	case r.URL.Path == pixiv.AccountsLoginPath:
		s.loginPage(w, r)
	case r.URL.Path == pixiv.AccountSelectedPath:
		s.accountSelected(w, r)
	case r.URL.Path == pixiv.PostRedirectPath:
		s.postRedirect(w, r)
	default:
		s.errorPage(w, http.StatusNotFound, "This page does not exist.")
	}
}

func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pixiv.AuthorizePath:
		s.authorize(w, r)
	case pixiv.TokenPath:
		s.token(w, r)
	default:
		s.errorPage(w, http.StatusNotFound, "This page does not exist.")
	}
}

// redirect answers 302 with loc as it is (http.Redirect would tidy it).
func redirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// challengeOf checks the PKCE parameters of login, start and authorize and
// returns the challenge, or why they are wrong.
func challengeOf(q url.Values) (challenge, problem string) {
	challenge = q.Get("code_challenge")
	if !isChallenge(challenge) {
		return "", "code_challenge is missing or is not a base64url SHA-256 hash"
	}
	if m := q.Get("code_challenge_method"); m != pixiv.CodeChallengeMethod {
		return "", "code_challenge_method must be " + pixiv.CodeChallengeMethod
	}
	return challenge, ""
}

// isChallenge reports whether c has the shape of an S256 challenge:
// base64url without padding of 32 bytes, 43 characters.
func isChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// appLogin is step 1: it checks the challenge and sends the browser to the
// accounts login page with return_to = the start URL for the challenge.
func (s *Server) appLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge, problem := challengeOf(q)
	if problem == "" && q.Get("client") != pixiv.ClientName {
		problem = "client must be " + pixiv.ClientName
	}
	if problem != "" {
		s.errorPage(w, http.StatusBadRequest, problem)
		return
	}
	redirect(w, pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge)))
}

// returnToOf returns a request's return_to (the form's, else the query's) if
// it is an https URL on a Pixiv host; Pixiv sends the browser nowhere else.
func returnToOf(r *http.Request) (string, bool) {
	rt := r.PostForm.Get(pixiv.ReturnToParam)
	if rt == "" {
		rt = r.URL.Query().Get(pixiv.ReturnToParam)
	}
	u, err := url.Parse(rt)
	if err != nil || u.Scheme != "https" || u.User != nil || !pixiv.IsPixivHost(u.Hostname()) {
		return "", false
	}
	return rt, true
}

func postRedirectURL(returnTo string) string {
	return pixiv.PostRedirectPath + "?" + pixiv.ReturnToParam + "=" + url.QueryEscape(returnTo)
}

// formAction is where the login page's forms post: the page's own URL, so
// that prompt, source and the rest survive.
func formAction(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return pixiv.AccountsLoginPath
	}
	return pixiv.AccountsLoginPath + "?" + r.URL.RawQuery
}

// loginPage is step 2: account selection with a live session, else the form.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	if sess, ok := s.sessionOf(r); ok {
		s.selectPage(w, sess, returnTo)
		return
	}
	s.loginFormPage(w, r, returnTo, "")
}

func (s *Server) loginFormPage(w http.ResponseWriter, r *http.Request, returnTo, errMsg string) {
	d := pageData{Title: "Login | pixiv", Action: formAction(r), ReturnTo: returnTo, Error: errMsg}
	s.mu.Lock()
	// A form that shows an error does not fill itself in again, or a
	// wrong password would loop.
	if s.cfg.autoLogin && errMsg == "" && len(s.accounts) > 0 {
		a := s.accounts[0]
		login := a.Username
		if login == "" {
			login = a.Account
		}
		d.Auto = newAutoFill(s.cfg.autoLoginDelay,
			fill{Selector: pixiv.UsernameInput, Value: login},
			fill{Selector: pixiv.PasswordInput, Value: a.Password})
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "login", d)
}

func (s *Server) otpPage(w http.ResponseWriter, r *http.Request, returnTo, loginToken string, a *Account, errMsg string) {
	d := pageData{Title: "Two-step verification | pixiv", Action: formAction(r), ReturnTo: returnTo, LoginToken: loginToken, Error: errMsg}
	if s.cfg.autoLogin && errMsg == "" {
		if code, err := totp.GenerateCode(a.TOTPSecret, s.now()); err == nil {
			d.Auto = newAutoFill(s.cfg.autoLoginDelay, fill{Selector: pixiv.OTPInput, Value: code})
		}
	}
	s.render(w, http.StatusOK, "otp", d)
}

func (s *Server) selectPage(w http.ResponseWriter, sess session, returnTo string) {
	s.mu.Lock()
	a := s.accountLocked(sess.accountID)
	s.mu.Unlock()
	d := pageData{Title: "Select an account | pixiv", Account: *a, TT: sess.tt, ReturnTo: returnTo}
	if s.cfg.autoSelect {
		d.Auto = newAutoFill(s.cfg.autoSelectDelay)
		d.Auto.Button, d.Auto.ButtonText = "button", pixiv.ContinueButtonText
	}
	s.render(w, http.StatusOK, "select", d)
}

// loginSubmit takes the login form (username and password) or the
// one-time-code form.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	if token := r.PostForm.Get(fieldLoginToken); token != "" {
		s.otpSubmit(w, r, returnTo, token)
		return
	}
	s.mu.Lock()
	if s.captcha {
		s.mu.Unlock()
		s.render(w, http.StatusOK, "captcha", pageData{Title: "Login | pixiv"})
		return
	}
	a := s.loginLocked(r.PostForm.Get(fieldLoginID), r.PostForm.Get(fieldPassword))
	var loginToken string
	if a != nil && a.TOTPSecret != "" {
		loginToken = randomToken()
		s.pending[loginToken] = pendingLogin{accountID: a.ID, expires: s.now().Add(pendingTTL)}
	}
	s.mu.Unlock()
	switch {
	case a == nil:
		s.loginFormPage(w, r, returnTo, msgWrongPassword)
	case loginToken != "":
		s.otpPage(w, r, returnTo, loginToken, a, "")
	default:
		s.loggedIn(w, a.ID, returnTo)
	}
}

func (s *Server) otpSubmit(w http.ResponseWriter, r *http.Request, returnTo, token string) {
	s.mu.Lock()
	p, ok := s.pending[token]
	var a *Account
	if ok {
		a = s.accountLocked(p.accountID)
	}
	if !ok || a == nil || !s.now().Before(p.expires) {
		delete(s.pending, token)
		s.mu.Unlock()
		s.loginFormPage(w, r, returnTo, msgLoginExpired)
		return
	}
	s.mu.Unlock()
	// Pixiv's window is inferred: one 30 s step either side, the common
	// allowance for clocks that differ a little.
	valid, _ := totp.ValidateCustom(strings.TrimSpace(r.PostForm.Get(fieldOTP)), a.TOTPSecret, s.now(), totp.ValidateOpts{
		Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if !valid {
		s.otpPage(w, r, returnTo, token, a, msgWrongOTP)
		return
	}
	s.mu.Lock()
	delete(s.pending, token)
	s.mu.Unlock()
	s.loggedIn(w, a.ID, returnTo)
}

// loggedIn sets a new session cookie and sends the browser on to
// post-redirect.
func (s *Server) loggedIn(w http.ResponseWriter, accountID, returnTo string) {
	s.mu.Lock()
	c := s.newSessionLocked(accountID)
	s.mu.Unlock()
	http.SetCookie(w, c)
	redirect(w, postRedirectURL(returnTo))
}

// accountSelected is "Continue using this account".
func (s *Server) accountSelected(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.errorPage(w, http.StatusMethodNotAllowed, "Use the button on the account selection page.")
		return
	}
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	sess, ok := s.sessionOf(r)
	if !ok {
		// The session died between the page and the click: log in again.
		redirect(w, pixiv.AccountsLoginURLFor(returnTo))
		return
	}
	if r.PostForm.Get(pixiv.CSRFParam) != sess.tt {
		s.errorPage(w, http.StatusBadRequest, "The request is invalid (tt). Reload the page and try again.")
		return
	}
	redirect(w, postRedirectURL(returnTo))
}

// postRedirect is step 3: a page whose script sends the browser to
// return_to.
func (s *Server) postRedirect(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	s.mu.Lock()
	stay := s.noRedirect
	s.mu.Unlock()
	s.render(w, http.StatusOK, "post-redirect", pageData{Title: "pixiv", Next: returnTo, NoRedirect: stay})
}

// start is step 4's first hop: with a live session, on to authorize with a
// fresh state; without one, back to the accounts login.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge, problem := challengeOf(q)
	if problem == "" && q.Get("client") != pixiv.ClientName {
		problem = "client must be " + pixiv.ClientName
	}
	if problem != "" {
		s.errorPage(w, http.StatusBadRequest, problem)
		return
	}
	if _, ok := s.sessionOf(r); !ok {
		redirect(w, pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge)))
		return
	}
	// url.Values sorts its keys, which happens to be Pixiv's order.
	redirect(w, pixiv.AuthorizeURL+"?"+url.Values{
		"client_id":             {pixiv.ClientID},
		"code_challenge":        {challenge},
		"code_challenge_method": {pixiv.CodeChallengeMethod},
		"redirect_uri":          {pixiv.RedirectURI},
		"response_type":         {"code"},
		"state":                 {randomToken()},
	}.Encode())
}

// authorize issues a single-use code bound to the challenge, the session's
// account and the time, and sends the browser to the callback with it.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge, problem := challengeOf(q)
	switch {
	case problem != "":
	case q.Get("client_id") != pixiv.ClientID:
		problem = "client_id is unknown"
	case q.Get("response_type") != "code":
		problem = "response_type must be code"
	case q.Get("redirect_uri") != pixiv.RedirectURI:
		problem = "redirect_uri is not registered for this client"
	case q.Get("state") == "":
		problem = "state is missing"
	}
	if problem != "" {
		s.errorPage(w, http.StatusBadRequest, problem)
		return
	}
	sess, ok := s.sessionOf(r)
	if !ok {
		// Inferred: authorize without a session asks for a login first.
		redirect(w, pixiv.AccountsLoginURLFor(pixiv.AuthorizeURL+"?"+r.URL.RawQuery))
		return
	}
	state := q.Get("state")
	s.mu.Lock()
	errCode := s.callbackError
	var code string
	if errCode == "" {
		code = s.newCodeLocked(sess.accountID, challenge)
	}
	s.mu.Unlock()
	// state first, then code: the order Pixiv's callback URL has.
	if errCode != "" {
		redirect(w, pixiv.CallbackURL+"?state="+url.QueryEscape(state)+"&error="+url.QueryEscape(errCode))
		return
	}
	redirect(w, pixiv.CallbackURL+"?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
}

// newCodeLocked issues a single-use code bound to the challenge, the account
// and the time. s.mu is held.
func (s *Server) newCodeLocked(accountID, challenge string) string {
	code := randomToken()
	s.codes[code] = &codeGrant{challenge: challenge, accountID: accountID, redirectURI: pixiv.RedirectURI, issued: s.now()}
	return code
}

// callback sends the browser to the app's scheme with the code, where
// Chrome, having no handler, leaves it.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("code") != "":
		redirect(w, pixiv.AppCallbackURLFor(q.Get("code")))
	case q.Get("error") != "":
		// Inferred: the error is passed on to the app the way a code is.
		redirect(w, pixiv.AppCallbackURL+"?error="+url.QueryEscape(q.Get("error"))+"&via=login")
	default:
		s.errorPage(w, http.StatusBadRequest, "code is missing")
	}
}
