package pixivtest_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestFormLoginStepByStep walks the whole flow of the protocol document,
// checking every hop, then exchanges the code and refreshes.
func TestFormLoginStepByStep(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	verifier, challenge := pkce()
	startURL := pixiv.StartURLFor(challenge)

	// 1. app-api login → accounts login with return_to = start.
	p := b.get(pixiv.LoginURLFor(challenge))
	want := "https://accounts.pixiv.net/login?prompt=select_account&return_to=" + url.QueryEscape(startURL) +
		"&source=pixiv-android&view_type=page&ref="
	if p.Status != http.StatusFound || p.Location != want {
		t.Fatalf("login: %d → %q, want 302 → %q", p.Status, p.Location, want)
	}
	if got := startURL; got != "https://app-api.pixiv.net/web/v1/users/auth/pixiv/start?code_challenge="+challenge+"&code_challenge_method=S256&client=pixiv-android" {
		t.Fatalf("start URL = %s", got)
	}

	// 2. No session: the login form.
	formPage := b.get(p.Location)
	if formPage.Status != http.StatusOK || !strings.Contains(formPage.Body, `autocomplete="username"`) {
		t.Fatalf("accounts login: %d, want the form:\n%s", formPage.Status, formPage.Body)
	}
	action, hidden := form(t, formPage.Body, "login-form")
	if hidden.Get("return_to") != startURL {
		t.Errorf("form's return_to = %q, want %q", hidden.Get("return_to"), startURL)
	}
	if !strings.HasPrefix(action, "/login?") || !strings.Contains(action, "prompt=select_account") {
		t.Errorf("form action = %q, want the page's own URL", action)
	}

	// The form posts; success sets the session and goes to post-redirect.
	p = b.submit(formPage, "login-form", url.Values{"login_id": {"demo"}, "password": {"demo-password"}})
	if p.Status != http.StatusFound || p.Location != "https://accounts.pixiv.net/post-redirect?return_to="+url.QueryEscape(startURL) {
		t.Fatalf("login POST: %d → %q", p.Status, p.Location)
	}
	checkSessionCookie(t, p.Header, pixivtest.DemoAccount().ID)

	// 3. post-redirect's script sends the browser to start.
	pr := b.get(p.Location)
	if pr.Status != http.StatusOK || nextOf(t, pr.Body) != startURL {
		t.Fatalf("post-redirect: %d, next %q, want %q", pr.Status, nextOf(t, pr.Body), startURL)
	}

	// 4. start → authorize → callback → pixiv://.
	steps := b.follow(startURL)
	if len(steps) != 3 {
		t.Fatalf("start led through %d hops, want 3 (start, authorize, callback)", len(steps))
	}
	authz, err := url.Parse(steps[0].Location)
	if err != nil {
		t.Fatal(err)
	}
	q := authz.Query()
	state := q.Get("state")
	if authz.Scheme+"://"+authz.Host+authz.Path != pixiv.AuthorizeURL || q.Get("client_id") != pixiv.ClientID ||
		q.Get("code_challenge") != challenge || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != pixiv.RedirectURI || q.Get("response_type") != "code" || state == "" {
		t.Fatalf("start redirected to %s", steps[0].Location)
	}
	cb := regexp.MustCompile(`^https://app-api\.pixiv\.net/web/v1/users/auth/pixiv/callback\?state=([^&]+)&code=([^&]+)$`).FindStringSubmatch(steps[1].Location)
	if cb == nil || cb[1] != url.QueryEscape(state) {
		t.Fatalf("authorize redirected to %s, want the callback with state %s and a code", steps[1].Location, state)
	}
	code, _ := url.QueryUnescape(cb[2])
	if got := steps[2].Location; got != "pixiv://account/login?code="+url.QueryEscape(code)+"&via=login" {
		t.Fatalf("callback redirected to %s", got)
	}

	// The code buys tokens; the refresh token buys a new access token.
	status, tok, _ := token(t, s, codeForm(code, verifier))
	if status != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" || tok.User.ID != "11111111" || tok.User.Name != "Demo User" {
		t.Fatalf("code exchange: %d %+v", status, tok)
	}
	status, again, _ := token(t, s, tokenForm("grant_type", "refresh_token", "refresh_token", tok.RefreshToken))
	if status != http.StatusOK || again.AccessToken == tok.AccessToken || again.RefreshToken != tok.RefreshToken {
		t.Fatalf("refresh: %d %+v; want a new access token and the same refresh token", status, again)
	}

	issued := s.Issued()
	if len(issued) != 2 || issued[0].Grant != "authorization_code" || issued[1].Grant != "refresh_token" ||
		issued[0].AccessToken != tok.AccessToken || issued[1].AccessToken != again.AccessToken ||
		issued[0].AccountID != "11111111" || issued[1].RefreshToken != tok.RefreshToken {
		t.Errorf("Issued() = %+v", issued)
	}
	var paths []string
	for _, r := range s.Requests() {
		paths = append(paths, r.Method+" "+r.Host+r.Path)
	}
	wantPaths := []string{
		"GET app-api.pixiv.net/web/v1/login",
		"GET accounts.pixiv.net/login",
		"POST accounts.pixiv.net/login",
		"GET accounts.pixiv.net/post-redirect",
		"GET app-api.pixiv.net/web/v1/users/auth/pixiv/start",
		"GET oauth.secure.pixiv.net/auth/authorize",
		"GET app-api.pixiv.net/web/v1/users/auth/pixiv/callback",
		"POST oauth.secure.pixiv.net/auth/token",
		"POST oauth.secure.pixiv.net/auth/token",
	}
	if strings.Join(paths, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("Requests():\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(wantPaths, "\n"))
	}
	reqs := s.Requests()
	if got := reqs[2].Form.Get("login_id"); got != "demo" {
		t.Errorf("recorded login POST form login_id = %q", got)
	}
	if got := reqs[0].Query.Get("code_challenge"); got != challenge {
		t.Errorf("recorded login query code_challenge = %q", got)
	}
	if tr := s.TokenRequests(); len(tr) != 2 || tr[0].Form.Get("code") != code || tr[1].Form.Get("grant_type") != "refresh_token" {
		t.Errorf("TokenRequests() = %+v", tr)
	}
}

func checkSessionCookie(t *testing.T, h http.Header, accountID string) {
	t.Helper()
	resp := http.Response{Header: h}
	for _, c := range resp.Cookies() {
		if c.Name != pixiv.SessionCookie {
			continue
		}
		if !regexp.MustCompile(`^` + accountID + `_[a-z0-9]{32}$`).MatchString(c.Value) {
			t.Errorf("PHPSESSID = %q, want <user id>_<random>", c.Value)
		}
		if c.Domain != "pixiv.net" || c.Path != "/" || !c.Secure || !c.HttpOnly || c.Expires.IsZero() {
			t.Errorf("PHPSESSID cookie = %+v, want Domain .pixiv.net, Path /, Secure, HttpOnly, an expiry", c)
		}
		return
	}
	t.Errorf("no PHPSESSID set; headers %v", h)
}

// TestLoginFormMarkup checks the form a browser driver fills in by the pixiv
// package's selectors.
func TestLoginFormMarkup(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	_, challenge := pkce()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	body := steps[len(steps)-1].Body
	for _, want := range []string{
		`<input type="text" name="login_id" autocomplete="username"`,
		`<input type="password" name="password" autocomplete="current-password"`,
		`<button type="submit">Log In</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("login form lacks %s:\n%s", want, body)
		}
	}
	for _, absent := range []string{"error-msg", `role="alert"`, "g-recaptcha", "one-time-code", "<script"} {
		if strings.Contains(body, absent) {
			t.Errorf("plain login form contains %q", absent)
		}
	}
}

func TestAccountSelection(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	verifier, challenge := pkce()
	b := newBrowser(t, s)
	cookie := s.NewSession(pixivtest.DemoAccount().ID)
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{cookie})

	steps := b.follow(pixiv.LoginURLFor(challenge))
	sel := steps[len(steps)-1]
	for _, want := range []string{
		`<button type="submit" class="continue">` + pixiv.ContinueButtonText + `</button>`,
		"var pixivAccount = {tt: ",
		"Demo User",
		"pixivauth_demo",
	} {
		if !strings.Contains(sel.Body, want) {
			t.Errorf("selection page lacks %s:\n%s", want, sel.Body)
		}
	}
	// It does not move on by itself.
	if strings.Contains(sel.Body, "location") || strings.Contains(sel.Body, "http-equiv") {
		t.Errorf("selection page redirects by itself:\n%s", sel.Body)
	}
	action, hidden := form(t, sel.Body, "account-selected")
	tt := regexp.MustCompile(`pixivAccount = \{tt: "([0-9a-f]+)"\}`).FindStringSubmatch(sel.Body)
	if action != pixiv.AccountSelectedPath || tt == nil || hidden.Get("tt") != tt[1] || hidden.Get("return_to") != pixiv.StartURLFor(challenge) {
		t.Fatalf("selection form posts %q with %v; script tt %v", action, hidden, tt)
	}

	tests := []struct {
		name     string
		form     url.Values
		status   int
		location string
	}{
		{"wrong tt", url.Values{"tt": {"0123"}, "return_to": {hidden.Get("return_to")}}, http.StatusBadRequest, ""},
		{"no tt", url.Values{"return_to": {hidden.Get("return_to")}}, http.StatusBadRequest, ""},
		{"return_to off pixiv", url.Values{"tt": {tt[1]}, "return_to": {"https://example.com/"}}, http.StatusBadRequest, ""},
		{"right", hidden, http.StatusFound, "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("https://accounts.pixiv.net"+pixiv.AccountSelectedPath, tc.form)
			if p.Status != tc.status || p.Location != tc.location {
				t.Errorf("account-selected: %d → %q, want %d → %q", p.Status, p.Location, tc.status, tc.location)
			}
		})
	}
	code := codeAfterPostRedirect(t, b, "https://accounts.pixiv.net/post-redirect?return_to="+url.QueryEscape(pixiv.StartURLFor(challenge)))
	if status, tok, _ := token(t, s, codeForm(code, verifier)); status != http.StatusOK || tok.User.ID != "11111111" {
		t.Errorf("exchange after selection: %d %+v", status, tok)
	}
}

func TestExpiredSession(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	_, challenge := pkce()
	b := newBrowser(t, s)
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{s.NewSession("11111111")})
	s.ExpireSessions()

	steps := b.follow(pixiv.LoginURLFor(challenge))
	if body := steps[len(steps)-1].Body; !strings.Contains(body, `autocomplete="username"`) || strings.Contains(body, pixiv.ContinueButtonText) {
		t.Errorf("with a dead session, the login page is not the form:\n%s", body)
	}
	// start and authorize send a browser without a live session to log in.
	for _, u := range []string{
		pixiv.StartURLFor(challenge),
		pixiv.AuthorizeURL + "?" + url.Values{"client_id": {pixiv.ClientID}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
			"redirect_uri": {pixiv.RedirectURI}, "response_type": {"code"}, "state": {"s"}}.Encode(),
	} {
		p := b.get(u)
		if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, pixiv.AccountsLoginURL+"?") {
			t.Errorf("%s without a session: %d → %q, want the accounts login", u, p.Status, p.Location)
		}
	}
}

func TestSessionExpiresByClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithClock(clock))
	defer s.Close()
	c := s.NewSession("11111111")
	// The cookie's expiry is for browsers, by real time, whatever the
	// server's clock says.
	if c.Expires.Before(time.Now().Add(29*24*time.Hour)) || c.MaxAge != 30*24*3600 {
		t.Errorf("cookie expires %v (Max-Age %d), want about 30 days from now", c.Expires, c.MaxAge)
	}
	_, challenge := pkce()
	b := newBrowser(t, s)
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{c})
	if steps := b.follow(pixiv.LoginURLFor(challenge)); !strings.Contains(steps[len(steps)-1].Body, pixiv.ContinueButtonText) {
		t.Fatalf("a fresh session does not select the account:\n%s", steps[len(steps)-1].Body)
	}
	mu.Lock()
	now = now.Add(31 * 24 * time.Hour)
	mu.Unlock()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	if body := steps[len(steps)-1].Body; !strings.Contains(body, `autocomplete="username"`) {
		t.Errorf("a session past its month still selects the account:\n%s", body)
	}
}

func TestLoginFailures(t *testing.T) {
	a := pixivtest.DemoAccount()
	tests := []struct {
		name            string
		login, password string
		loggedIn        bool
	}{
		{"right username", a.Username, a.Password, true},
		{"pixiv ID", a.Account, a.Password, true},
		{"mail address", "DEMO@example.com", a.Password, true},
		{"wrong password", a.Username, "nope", false},
		{"unknown user", "nobody", a.Password, false},
		{"password of the wrong case", a.Username, strings.ToUpper(a.Password), false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pixivtest.New(pixivtest.WithAccount(a))
			defer s.Close()
			b := newBrowser(t, s)
			_, challenge := pkce()
			steps := b.follow(pixiv.LoginURLFor(challenge))
			p := b.submit(steps[len(steps)-1], "login-form", url.Values{"login_id": {tc.login}, "password": {tc.password}})
			if tc.loggedIn {
				if p.Status != http.StatusFound || b.cookie(pixiv.SessionCookie) == nil {
					t.Errorf("login: %d, cookie %v; want 302 and a session", p.Status, b.cookie(pixiv.SessionCookie))
				}
				return
			}
			if p.Status != http.StatusOK || b.cookie(pixiv.SessionCookie) != nil {
				t.Fatalf("failed login: %d, cookie %v; want the form again, no session", p.Status, b.cookie(pixiv.SessionCookie))
			}
			if !regexp.MustCompile(`<div class="error-msg" role="alert">[^<]+</div>`).MatchString(p.Body) ||
				!strings.Contains(p.Body, `autocomplete="current-password"`) {
				t.Errorf("failed login page lacks the form with an error:\n%s", p.Body)
			}
			// The form keeps return_to for the next try.
			if _, hidden := form(t, p.Body, "login-form"); hidden.Get("return_to") != pixiv.StartURLFor(challenge) {
				t.Errorf("form after an error has return_to %q", hidden.Get("return_to"))
			}
		})
	}
}

func TestTOTP(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "pixiv", AccountName: "twofactor"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	a := pixivtest.Account{Username: "twofactor", Password: "pw-2fa", TOTPSecret: key.Secret()}
	s := pixivtest.New(pixivtest.WithAccount(a), pixivtest.WithClock(func() time.Time { return now }))
	defer s.Close()
	verifier, challenge := pkce()
	b := newBrowser(t, s)
	steps := b.follow(pixiv.LoginURLFor(challenge))
	otpPage := b.submit(steps[len(steps)-1], "login-form", url.Values{"login_id": {a.Username}, "password": {a.Password}})
	if otpPage.Status != http.StatusOK || !strings.Contains(otpPage.Body, `autocomplete="one-time-code"`) || b.cookie(pixiv.SessionCookie) != nil {
		t.Fatalf("after the password: %d, want the one-time-code page and no session yet:\n%s", otpPage.Status, otpPage.Body)
	}
	right, err := totp.GenerateCode(key.Secret(), now)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := totp.GenerateCode(key.Secret(), now.Add(-5*time.Minute))
	for _, wrong := range []string{"000000", old, ""} {
		if wrong == right {
			continue
		}
		p := b.submit(otpPage, "otp-form", url.Values{"otp": {wrong}})
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, `autocomplete="one-time-code"`) {
			t.Errorf("wrong code %q: %d, want the code page with an error:\n%s", wrong, p.Status, p.Body)
		}
	}
	p := b.submit(otpPage, "otp-form", url.Values{"otp": {right}})
	if p.Status != http.StatusFound || b.cookie(pixiv.SessionCookie) == nil {
		t.Fatalf("right code: %d, want 302 and a session:\n%s", p.Status, p.Body)
	}
	code := codeAfterPostRedirect(t, b, p.Location)
	if status, _, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK {
		t.Errorf("exchange: %d %s", status, body)
	}
	// The pending login is used up.
	if p := b.submit(otpPage, "otp-form", url.Values{"otp": {right}}); p.Status != http.StatusOK || !strings.Contains(p.Body, `autocomplete="username"`) {
		t.Errorf("reusing a finished two-factor login: %d, want the login form again", p.Status)
	}
}

func TestCaptcha(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	s.SetCaptcha(true)
	b := newBrowser(t, s)
	_, challenge := pkce()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	p := b.submit(steps[len(steps)-1], "login-form", url.Values{"login_id": {"demo"}, "password": {"demo-password"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `<div id="recaptcha" class="g-recaptcha"`) || b.cookie(pixiv.SessionCookie) != nil {
		t.Fatalf("captcha: %d, cookie %v, want a challenge and no session:\n%s", p.Status, b.cookie(pixiv.SessionCookie), p.Body)
	}
	if strings.Contains(p.Body, `autocomplete="username"`) || strings.Contains(p.Body, "error-msg") {
		t.Errorf("captcha page also shows the form or an error:\n%s", p.Body)
	}
	s.SetCaptcha(false)
	if p := b.submit(steps[len(steps)-1], "login-form", url.Values{"login_id": {"demo"}, "password": {"demo-password"}}); p.Status != http.StatusFound {
		t.Errorf("after SetCaptcha(false): %d, want 302", p.Status)
	}
}

func TestNoRedirectAndCallbackError(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{s.NewSession("11111111")})
	_, challenge := pkce()
	pr := "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))

	s.SetNoRedirect(true)
	if p := b.get(pr); p.Status != http.StatusOK || strings.Contains(p.Body, "<script") {
		t.Errorf("post-redirect under SetNoRedirect: %d, has a script:\n%s", p.Status, p.Body)
	}
	s.SetNoRedirect(false)
	if p := b.get(pr); !strings.Contains(p.Body, "location.replace") {
		t.Errorf("post-redirect has no redirect:\n%s", p.Body)
	}

	s.SetCallbackError("access_denied")
	steps := b.follow(pixiv.StartURLFor(challenge))
	if len(steps) != 3 || !regexp.MustCompile(`/callback\?state=[^&]+&error=access_denied$`).MatchString(steps[1].Location) ||
		steps[2].Location != "pixiv://account/login?error=access_denied&via=login" {
		t.Errorf("callback error: %+v", steps)
	}
	s.SetCallbackError("")
	if steps := b.follow(pixiv.StartURLFor(challenge)); !strings.Contains(steps[len(steps)-1].Location, "code=") {
		t.Errorf("after SetCallbackError(\"\"), no code: %+v", steps)
	}
}

func TestDecoys(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	_, challenge := pkce()
	loginPage := pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge))
	pr := "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))

	for _, d := range pixivtest.DecoyURLs() {
		if !strings.Contains(d, "callback") || !strings.Contains(d, "code=") {
			t.Errorf("decoy %s does not look like a callback", d)
		}
		if u, _ := url.Parse(d); u.Host == pixiv.AppAPIHost && u.Path == pixiv.CallbackPath {
			t.Errorf("decoy %s is the callback", d)
		}
	}
	for _, p := range []string{loginPage, pr} {
		if strings.Contains(b.get(p).Body, "decoy") {
			t.Errorf("%s fires decoys while they are off", p)
		}
	}
	s.SetDecoys(true)
	for _, p := range []string{loginPage, pr} {
		body := b.get(p).Body
		for _, d := range pixivtest.DecoyURLs() {
			if !strings.Contains(body, `<img class="decoy" alt="" width="1" height="1" src="`+strings.ReplaceAll(d, "&", "&amp;")+`">`) {
				t.Errorf("%s does not load decoy %s:\n%s", p, d, body)
			}
		}
		if !strings.Contains(body, "fetch(") {
			t.Errorf("%s does not fetch the decoys", p)
		}
	}
	// Decoys on Pixiv's hosts reach the double and are not the callback.
	for _, d := range pixivtest.DecoyURLs()[:3] {
		if p := b.get(d); p.Status != http.StatusNotFound {
			t.Errorf("decoy %s: %d, want 404", d, p.Status)
		}
	}
}

func TestAutoLogin(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "pixiv", AccountName: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	a := pixivtest.Account{ID: "22222222", Username: "auto", Password: `pa"ss</script>`, TOTPSecret: key.Secret()}
	s := pixivtest.New(pixivtest.WithAccount(a), pixivtest.WithAutoLogin(250*time.Millisecond),
		pixivtest.WithAutoSelect(time.Second), pixivtest.WithClock(func() time.Time { return now }))
	defer s.Close()
	b := newBrowser(t, s)
	_, challenge := pkce()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	formPage := steps[len(steps)-1]
	for _, want := range []string{`"selector":"input[autocomplete^='username']","value":"auto"`, `"delay_ms":250`, "setTimeout", ".click()"} {
		if !strings.Contains(formPage.Body, want) {
			t.Errorf("auto-login form lacks %s:\n%s", want, formPage.Body)
		}
	}
	if strings.Contains(formPage.Body, `pa"ss</script>`) {
		t.Errorf("the password is not escaped in the script:\n%s", formPage.Body)
	}
	otpPage := b.submit(formPage, "login-form", url.Values{"login_id": {a.Username}, "password": {a.Password}})
	code, _ := totp.GenerateCode(key.Secret(), now)
	if !strings.Contains(otpPage.Body, `"value":"`+code+`"`) {
		t.Errorf("one-time-code page does not fill in %s:\n%s", code, otpPage.Body)
	}
	wrong := b.submit(formPage, "login-form", url.Values{"login_id": {a.Username}, "password": {"wrong"}})
	if strings.Contains(wrong.Body, "setTimeout") {
		t.Errorf("a form showing an error fills itself in again:\n%s", wrong.Body)
	}
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{s.NewSession(a.ID)})
	sel := b.get(pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge)))
	if !strings.Contains(sel.Body, `"button_text":"`+pixiv.ContinueButtonText+`"`) {
		t.Errorf("selection page under WithAutoSelect does not click Continue:\n%s", sel.Body)
	}
}
