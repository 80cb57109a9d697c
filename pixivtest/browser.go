package pixivtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/pixivauth/pixivauth/pixiv"
)

// The browser flow, step by step: app-api's login,
// accounts' pages, app-api's start, oauth's authorize, app-api's callback.

// codeGrant is what authorize bound a code to.
type codeGrant struct {
	challenge   string
	accountID   string
	redirectURI string
	issued      time.Time
}

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
	case r.URL.Path == pixiv.AccountsLoginPath:
		s.loginPage(w, r)
	case r.URL.Path == pixiv.AjaxLoginPath:
		s.ajaxLogin(w, r)
	case r.URL.Path == pixiv.TwoFactorPath:
		s.codeSubmit(w, r, stageTOTP)
	case r.URL.Path == pixiv.EmailCodePath:
		s.codeSubmit(w, r, stageEmail)
	case r.URL.Path == setupPromptPath:
		s.promptPage(w, r)
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

// postRedirectURL is the absolute post-redirect URL for returnTo.
func postRedirectURL(returnTo string) string {
	return pixiv.AccountsOrigin + pixiv.PostRedirectPath + "?" + pixiv.ReturnToParam + "=" + url.QueryEscape(returnTo)
}

// setupPromptPath shows a setup prompt (the double's own path: Pixiv's is
// not recorded).
const setupPromptPath = "/setup-prompt"

// stage is what a pending login waits for.
type stage int

const (
	stageTOTP stage = iota + 1
	stageEmail
)

// pendingTTL is how long a login waits for its code (inferred for TOTP;
// the e-mail says 15 minutes).
const pendingTTL = 15 * time.Minute

type pendingLogin struct {
	accountID string
	returnTo  string
	stage     stage
	emailCode string
	expires   time.Time
}

// loginPage is step 2: one page, drawn by script from init-config: account
// selection with a live session, else the login form.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	acc := pixivAccount{ReturnTo: returnTo, PostKey: randomHex(16)}
	var app appData
	v := viewLogin
	title := "Login | pixiv"
	s.mu.Lock()
	if sess, ok := s.sessionOfLocked(r); ok {
		id := sess.accountID
		a := s.accountLocked(id)
		acc.UserID, acc.TT, acc.ContinueWithCurrentAccountURL = &id, sess.tt, returnTo
		app.AccountName = a.Name
		v, title = viewSelect, "Select an account | pixiv"
		if s.cfg.autoSelect {
			app.Auto = newAutoFill(s.cfg.autoSelectDelay)
			app.Auto.Select = true
		}
	} else {
		acc.TT = randomHex(16)
		s.visitors[acc.TT] = true
		app.UsernameStep = s.cfg.usernameFirst
		if s.cfg.autoLogin && len(s.accounts) > 0 {
			a := s.accounts[0]
			app.Auto = newAutoFill(s.cfg.autoLoginDelay)
			app.Auto.Login, app.Auto.Password = a.Username, a.Password
			if app.Auto.Login == "" {
				app.Auto.Login = a.Account
			}
		}
	}
	s.mu.Unlock()
	s.renderApp(w, r, title, v, acc, app)
}

// ajaxAnswer is the JSON of every login XHR.
type ajaxAnswer struct {
	Error   bool           `json:"error"`
	Message string         `json:"message"`
	Body    map[string]any `json:"body"`
}

func writeAnswer(w http.ResponseWriter, status int, a ajaxAnswer) {
	if a.Body == nil {
		a.Body = map[string]any{}
	}
	b, _ := json.Marshal(a)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func refused(key, msg string) ajaxAnswer {
	return ajaxAnswer{Body: map[string]any{pixiv.AnswerValidationErrors: map[string]string{key: msg}}}
}

// checkAjax checks what every login XHR must carry: a POST from the
// accounts origin with a tt the double gave a login page. It answers and
// returns false when something is wrong.
func (s *Server) checkAjax(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeAnswer(w, http.StatusMethodNotAllowed, ajaxAnswer{Error: true, Message: "Method Not Allowed"})
		return false
	}
	if r.Header.Get("Origin") != pixiv.AccountsOrigin {
		writeAnswer(w, http.StatusBadRequest, ajaxAnswer{Error: true, Message: "Invalid request (origin)"})
		return false
	}
	s.mu.Lock()
	known := s.visitors[r.PostForm.Get(pixiv.CSRFParam)]
	s.mu.Unlock()
	if !known {
		writeAnswer(w, http.StatusBadRequest, ajaxAnswer{Error: true, Message: "Invalid request (tt). Reload the page and try again."})
		return false
	}
	return true
}

// ajaxLogin takes the login form, posted by XHR; its answer is JSON.
func (s *Server) ajaxLogin(w http.ResponseWriter, r *http.Request) {
	if !s.checkAjax(w, r) {
		return
	}
	t := s.textFor(langOf(r, s.cfg.lang))
	returnTo, ok := returnToOf(r)
	if !ok {
		writeAnswer(w, http.StatusBadRequest, ajaxAnswer{Error: true, Message: "return_to is missing or leads off pixiv.net"})
		return
	}
	tt := r.PostForm.Get(pixiv.CSRFParam)
	s.mu.Lock()
	if s.captcha {
		s.mu.Unlock()
		// g_recaptcha_response can never be right: nobody solves the
		// double's checkbox.
		writeAnswer(w, http.StatusOK, refused(pixiv.ValidationCaptcha, t.Captcha))
		return
	}
	a := s.loginLocked(r.PostForm.Get("login_id"), r.PostForm.Get("password"))
	switch {
	case a == nil:
		s.mu.Unlock()
		writeAnswer(w, http.StatusOK, refused(pixiv.ValidationCredentials, t.WrongPassword))
		return
	case a.Locked:
		s.mu.Unlock()
		writeAnswer(w, http.StatusOK, refused(pixiv.ValidationLocked, t.Locked))
		return
	}
	s.mu.Unlock()
	s.nextStep(w, tt, *a, returnTo, 0)
}

// nextStep answers a login whose account has passed every step before
// after: a code step, or success.
func (s *Server) nextStep(w http.ResponseWriter, tt string, a Account, returnTo string, after stage) {
	s.mu.Lock()
	p := pendingLogin{accountID: a.ID, returnTo: returnTo, expires: s.now().Add(pendingTTL)}
	switch {
	case after < stageTOTP && a.TOTPSecret != "":
		p.stage = stageTOTP
	case after < stageEmail && a.EmailCode:
		p.stage = stageEmail
		p.emailCode = randomDigits(6)
		s.emailed = append(s.emailed, EmailedCode{AccountID: a.ID, Mail: a.Mail, Code: p.emailCode, Time: s.now()})
	}
	if p.stage == 0 {
		delete(s.pending, tt)
		delete(s.visitors, tt)
		c := s.newSessionLocked(a.ID)
		s.mu.Unlock()
		http.SetCookie(w, c)
		key := pixiv.ReturnToParam
		if s.cfg.camelReturnTo {
			key = "returnTo"
		}
		next := postRedirectURL(returnTo)
		for i := len(a.Prompts) - 1; i >= 0; i-- {
			next = pixiv.AccountsOrigin + setupPromptPath + "?type=" + string(a.Prompts[i]) + "&" + pixiv.ReturnToParam + "=" + url.QueryEscape(next)
		}
		writeAnswer(w, http.StatusOK, ajaxAnswer{Body: map[string]any{pixiv.AnswerSuccess: map[string]string{key: next}}})
		return
	}
	s.pending[tt] = p
	auto := s.cfg.autoLogin
	s.mu.Unlock()
	body := map[string]any{}
	if p.stage == stageTOTP {
		body[pixiv.AnswerTwoFactor] = map[string]any{"type": "totp"}
		if auto {
			// The person at the window reads their authenticator app.
			if code, err := totp.GenerateCode(a.TOTPSecret, s.now()); err == nil {
				body["pixivtest_code"] = code
			}
		}
	} else {
		body[pixiv.AnswerEmailCode] = map[string]any{"mail_address": maskMail(a.Mail)}
		if auto {
			body["pixivtest_code"] = p.emailCode
		}
	}
	writeAnswer(w, http.StatusOK, ajaxAnswer{Body: body})
}

// codeSubmit takes a TOTP or e-mailed code for a pending login.
func (s *Server) codeSubmit(w http.ResponseWriter, r *http.Request, want stage) {
	if !s.checkAjax(w, r) {
		return
	}
	t := s.textFor(langOf(r, s.cfg.lang))
	tt := r.PostForm.Get(pixiv.CSRFParam)
	s.mu.Lock()
	p, ok := s.pending[tt]
	var a *Account
	if ok {
		a = s.accountLocked(p.accountID)
	}
	if !ok || a == nil || p.stage != want || !s.now().Before(p.expires) {
		delete(s.pending, tt)
		s.mu.Unlock()
		writeAnswer(w, http.StatusOK, ajaxAnswer{Error: true, Message: t.Expired})
		return
	}
	s.mu.Unlock()
	code := strings.TrimSpace(r.PostForm.Get("code"))
	var valid bool
	if want == stageTOTP {
		// Pixiv's window is inferred: one 30 s step either side.
		valid, _ = totp.ValidateCustom(code, a.TOTPSecret, s.now(), totp.ValidateOpts{
			Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
	} else {
		valid = code != "" && code == p.emailCode
	}
	if !valid {
		writeAnswer(w, http.StatusOK, refused("code", t.WrongCode))
		return
	}
	s.nextStep(w, tt, *a, p.returnTo, want)
}

// promptPage is a setup prompt (passkey or two-factor) with a skip button
// that goes on to return_to.
func (s *Server) promptPage(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	id := ""
	if sess, ok := s.sessionOf(r); ok {
		id = sess.accountID
	}
	var uid *string
	if id != "" {
		uid = &id
	}
	app := appData{Prompt: r.URL.Query().Get("type")}
	if s.cfg.autoLogin {
		app.Auto = newAutoFill(s.cfg.autoLoginDelay)
	}
	s.renderApp(w, r, "pixiv", viewPrompt, pixivAccount{UserID: uid, ReturnTo: returnTo}, app)
}

func maskMail(m string) string {
	user, domain, ok := strings.Cut(m, "@")
	if !ok || user == "" {
		return ""
	}
	return user[:1] + "***@" + domain
}

// accountSelected is the account selection button's POST: return_to and
// tt, from a page on accounts.pixiv.net.
func (s *Server) accountSelected(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.errorPage(w, http.StatusMethodNotAllowed, "Use the button on the account selection page.")
		return
	}
	if !fromAccounts(r) {
		s.errorPage(w, http.StatusForbidden, "The request is invalid (origin).")
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

// fromAccounts reports whether a POST comes from a page on accounts: its
// Origin, and its Referer if it has one.
func fromAccounts(r *http.Request) bool {
	if r.Header.Get("Origin") != pixiv.AccountsOrigin {
		return false
	}
	ref := r.Header.Get("Referer")
	return ref == "" || strings.HasPrefix(ref, pixiv.AccountsOrigin+"/")
}

// postRedirect is step 3: a page whose script POSTs to init-config's
// returnTo with via=login.
func (s *Server) postRedirect(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := returnToOf(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "return_to is missing or leads off pixiv.net")
		return
	}
	s.mu.Lock()
	stay := s.noRedirect
	s.mu.Unlock()
	acc := pixivAccount{ReturnTo: returnTo}
	if sess, ok := s.sessionOf(r); ok {
		id := sess.accountID
		acc.UserID = &id
	}
	s.renderApp(w, r, "pixiv", viewPostRedirect, acc, appData{NoRedirect: stay})
}

// start is step 4's first hop: with a live session, on to authorize with a
// fresh state; without one, back to the accounts login.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// Pixiv's post-redirect POSTs here; a GET is refused.
		w.Header().Set("Allow", http.MethodPost)
		s.errorPage(w, http.StatusMethodNotAllowed, "start takes a POST from the post-redirect page")
		return
	}
	q := r.URL.Query()
	if q.Get(pixiv.ViaParam) != pixiv.ViaLogin {
		s.errorPage(w, http.StatusBadRequest, "via=login is missing")
		return
	}
	if !fromAccounts(r) {
		s.errorPage(w, http.StatusForbidden, "The request is invalid (origin).")
		return
	}
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
		s.mu.Lock()
		script := s.cfg.scriptCallback
		s.mu.Unlock()
		if script {
			b, _ := json.Marshal(pixiv.AppCallbackURLFor(q.Get("code")))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pixiv</title></head><body><script>location.href = " + string(b) + ";</script></body></html>"))
			return
		}
		redirect(w, pixiv.AppCallbackURLFor(q.Get("code")))
	case q.Get("error") != "":
		// Inferred: the error is passed on to the app the way a code is.
		redirect(w, pixiv.AppCallbackURL+"?error="+url.QueryEscape(q.Get("error"))+"&via=login")
	default:
		s.errorPage(w, http.StatusBadRequest, "code is missing")
	}
}
