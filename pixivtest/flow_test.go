package pixivtest_test

import (
	"encoding/json"
	"fmt"
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

// TestLoginStepByStep walks the whole flow as Pixiv serves it,
// checking every hop, then exchanges the code and refreshes.
func TestLoginStepByStep(t *testing.T) {
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

	// 2. No session: the login page, its data in init-config.
	formPage := b.get(p.Location)
	c := configOf(t, formPage.Body).PixivAccount
	if formPage.Status != http.StatusOK || c.UserID != nil || c.ReturnTo != startURL {
		t.Fatalf("accounts login: %d, %+v", formPage.Status, c)
	}
	// The form posts by XHR; success sets the session and names post-redirect.
	status, ans := b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {"demo"}, "password": {"demo-password"}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
	if status != http.StatusOK || ans.next() != "https://accounts.pixiv.net/post-redirect?return_to="+url.QueryEscape(startURL) {
		t.Fatalf("ajax login: %d %+v", status, ans)
	}
	if c := b.cookie(pixiv.SessionCookie); c == nil {
		t.Errorf("no session after the login")
	}
	checkSessionCookie(t, b.lastHeader, "11111111")

	// 3. post-redirect's returnTo is start, 4. POSTed with via=login.
	pr := b.get(ans.next())
	if got := configOf(t, pr.Body).PixivAccount.ReturnTo; pr.Status != http.StatusOK || got != startURL {
		t.Fatalf("post-redirect: %d, returnTo %q, want %q", pr.Status, got, startURL)
	}
	st := b.postFrom(startURL+"&via=login", nil)
	steps := append([]page{st}, b.follow(st.Location)...)
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

	status, tok, _ := token(t, s, codeForm(code, verifier))
	if status != http.StatusOK || tok.AccessToken == "" || tok.User.ID != "11111111" || tok.User.Name != "Demo User" {
		t.Fatalf("code exchange: %d %+v", status, tok)
	}
	status, again, _ := token(t, s, tokenForm("grant_type", "refresh_token", "refresh_token", tok.RefreshToken))
	if status != http.StatusOK || again.AccessToken == tok.AccessToken || again.RefreshToken != tok.RefreshToken {
		t.Fatalf("refresh: %d %+v", status, again)
	}
	var paths []string
	for _, r := range s.Requests() {
		paths = append(paths, r.Method+" "+r.Host+r.Path)
	}
	wantPaths := []string{
		"GET app-api.pixiv.net/web/v1/login",
		"GET accounts.pixiv.net/login",
		"POST accounts.pixiv.net/ajax/login",
		"GET accounts.pixiv.net/post-redirect",
		"POST app-api.pixiv.net/web/v1/users/auth/pixiv/start",
		"GET oauth.secure.pixiv.net/auth/authorize",
		"GET app-api.pixiv.net/web/v1/users/auth/pixiv/callback",
		"POST oauth.secure.pixiv.net/auth/token",
		"POST oauth.secure.pixiv.net/auth/token",
	}
	if strings.Join(paths, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("Requests():\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(wantPaths, "\n"))
	}
	if got := s.Requests()[2].Form.Get("login_id"); got != "demo" {
		t.Errorf("recorded login form login_id = %q", got)
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

// TestLoginPageData checks the login page without a session: its data in
// init-config, no form in the HTML (the script draws it), and the
// invisible reCAPTCHA score frame in its badge.
func TestLoginPageData(t *testing.T) {
	for _, props := range []bool{false, true} {
		t.Run(fmt.Sprint("data-props=", props), func(t *testing.T) {
			opts := []pixivtest.Option{pixivtest.WithAccount(pixivtest.DemoAccount())}
			if props {
				opts = append(opts, pixivtest.WithDataProps())
			}
			s := pixivtest.New(opts...)
			defer s.Close()
			b := newBrowser(t, s)
			_, challenge := pkce()
			steps := b.follow(pixiv.LoginURLFor(challenge))
			body := steps[len(steps)-1].Body
			c := configOf(t, body)
			a := c.PixivAccount
			if a.UserID != nil || a.TT == "" || a.Continue != "" || a.ReturnTo != pixiv.StartURLFor(challenge) ||
				a.PostKey == "" || a.Source != pixiv.ClientName || a.Ref == nil {
				t.Errorf("init-config pixivAccount = %+v", a)
			}
			if c.ScoreKey == "" || c.ScoreAction != "accounts/login" || c.CheckboxKey == "" {
				t.Errorf("init-config reCAPTCHA keys = %+v", c)
			}
			if strings.Contains(body, "<form") || strings.Contains(body, "autocomplete=") {
				t.Errorf("the login page's HTML holds the form; the script should draw it:\n%s", body)
			}
			badge := regexp.MustCompile(`<div class="grecaptcha-badge"[^>]*position:fixed[^>]*>.*<iframe[^>]*src="https://www\.google\.com/recaptcha/enterprise/anchor\?[^"]*size=invisible`)
			if !badge.MatchString(body) {
				t.Errorf("no invisible score frame in a fixed badge:\n%s", body)
			}
			if got := strings.Contains(body, `data-props="`); got != props {
				t.Errorf("data-props present = %v, want %v", got, props)
			}
		})
	}
}

func withSession(t *testing.T, s *pixivtest.Server, b *browser, id string) *http.Cookie {
	t.Helper()
	c := s.NewSession(id)
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	b.c.Jar.SetCookies(u, []*http.Cookie{c})
	return c
}

func TestAccountSelection(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	verifier, challenge := pkce()
	b := newBrowser(t, s)
	withSession(t, s, b, pixivtest.DemoAccount().ID)

	steps := b.follow(pixiv.LoginURLFor(challenge))
	sel := steps[len(steps)-1]
	c := configOf(t, sel.Body).PixivAccount
	if c.UserID == nil || *c.UserID != "11111111" || c.Continue != pixiv.StartURLFor(challenge) || c.TT == "" {
		t.Fatalf("selection init-config = %+v", c)
	}
	// No form, no redirect of its own: only the script's button moves on.
	for _, absent := range []string{"<form", "location.replace", "http-equiv"} {
		if strings.Contains(sel.Body, absent) {
			t.Errorf("selection page HTML has %q", absent)
		}
	}
	right := url.Values{"tt": {c.TT}, "return_to": {c.Continue}}
	selected := "https://accounts.pixiv.net" + pixiv.AccountSelectedPath
	tests := []struct {
		name     string
		do       func() page
		status   int
		location string
	}{
		{"wrong tt", func() page { return b.postFrom(selected, url.Values{"tt": {"0123"}, "return_to": {c.Continue}}) }, http.StatusBadRequest, ""},
		{"no tt", func() page { return b.postFrom(selected, url.Values{"return_to": {c.Continue}}) }, http.StatusBadRequest, ""},
		{"no Origin", func() page { return b.post(selected, right) }, http.StatusForbidden, ""},
		{"GET", func() page { return b.get(selected + "?" + right.Encode()) }, http.StatusMethodNotAllowed, ""},
		{"return_to off pixiv", func() page {
			return b.postFrom(selected, url.Values{"tt": {c.TT}, "return_to": {"https://example.com/"}})
		}, http.StatusBadRequest, ""},
		{"right", func() page { return b.postFrom(selected, right) }, http.StatusFound, "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if p := tc.do(); p.Status != tc.status || p.Location != tc.location {
				t.Errorf("account-selected: %d → %q, want %d → %q", p.Status, p.Location, tc.status, tc.location)
			}
		})
	}
	// post-redirect's init-config returnTo is start.
	pr := b.get("https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge)))
	if got := configOf(t, pr.Body).PixivAccount.ReturnTo; got != pixiv.StartURLFor(challenge) {
		t.Errorf("post-redirect returnTo = %q", got)
	}
	code := codeAfterPostRedirect(t, b, "https://accounts.pixiv.net/post-redirect?return_to="+url.QueryEscape(pixiv.StartURLFor(challenge)))
	if status, tok, _ := token(t, s, codeForm(code, verifier)); status != http.StatusOK || tok.User.ID != "11111111" {
		t.Errorf("exchange after selection: %d %+v", status, tok)
	}
	// The code is single-use.
	if status, _, _ := token(t, s, codeForm(code, verifier)); status != http.StatusBadRequest {
		t.Errorf("second exchange of one code: %d, want 400", status)
	}
}

// TestStartRules: start takes only a POST from accounts with via=login.
func TestStartRules(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	withSession(t, s, b, "11111111")
	_, challenge := pkce()
	start := pixiv.StartURLFor(challenge)
	tests := []struct {
		name   string
		do     func() page
		status int
	}{
		{"GET", func() page { return b.get(start + "&via=login") }, http.StatusMethodNotAllowed},
		{"GET without via", func() page { return b.get(start) }, http.StatusMethodNotAllowed},
		{"POST without via", func() page { return b.postFrom(start, nil) }, http.StatusBadRequest},
		{"POST with another via", func() page { return b.postFrom(start+"&via=app", nil) }, http.StatusBadRequest},
		{"POST without Origin", func() page { return b.post(start+"&via=login", nil) }, http.StatusForbidden},
		{"POST with via=login", func() page { return b.postFrom(start+"&via=login", nil) }, http.StatusFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.do()
			if p.Status != tc.status {
				t.Fatalf("%d → %q, want %d", p.Status, p.Location, tc.status)
			}
			if tc.status == http.StatusFound && !strings.HasPrefix(p.Location, pixiv.AuthorizeURL+"?") {
				t.Errorf("start sent to %s, want authorize", p.Location)
			}
		})
	}
}

func TestExpiredSession(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	_, challenge := pkce()
	b := newBrowser(t, s)
	withSession(t, s, b, "11111111")
	s.ExpireSessions()

	steps := b.follow(pixiv.LoginURLFor(challenge))
	if c := configOf(t, steps[len(steps)-1].Body).PixivAccount; c.UserID != nil || c.Continue != "" {
		t.Errorf("with a dead session, init-config = %+v, want userId null (the login form)", c)
	}
	authorize := pixiv.AuthorizeURL + "?" + url.Values{"client_id": {pixiv.ClientID}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		"redirect_uri": {pixiv.RedirectURI}, "response_type": {"code"}, "state": {"s"}}.Encode()
	for _, p := range []page{b.postFrom(pixiv.StartURLFor(challenge)+"&via=login", nil), b.get(authorize)} {
		if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, pixiv.AccountsLoginURL+"?") {
			t.Errorf("%s without a session: %d → %q, want the accounts login", p.URL, p.Status, p.Location)
		}
	}
}

func TestSessionExpiresByClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithClock(clock))
	defer s.Close()
	_, challenge := pkce()
	b := newBrowser(t, s)
	c := withSession(t, s, b, "11111111")
	if c.Expires.Before(time.Now().Add(29*24*time.Hour)) || c.MaxAge != 30*24*3600 {
		t.Errorf("cookie expires %v (Max-Age %d), want about 30 days from now", c.Expires, c.MaxAge)
	}
	if steps := b.follow(pixiv.LoginURLFor(challenge)); configOf(t, steps[len(steps)-1].Body).PixivAccount.UserID == nil {
		t.Fatalf("a fresh session does not select the account")
	}
	mu.Lock()
	now = now.Add(31 * 24 * time.Hour)
	mu.Unlock()
	if steps := b.follow(pixiv.LoginURLFor(challenge)); configOf(t, steps[len(steps)-1].Body).PixivAccount.UserID != nil {
		t.Errorf("a session past its month still selects the account")
	}
}

// TestAjaxLoginAnswers checks every JSON answer of /ajax/login.
func TestAjaxLoginAnswers(t *testing.T) {
	a := pixivtest.DemoAccount()
	locked := pixivtest.Account{Username: "locked", Password: "locked-pw", Locked: true}
	tests := []struct {
		name            string
		opts            []pixivtest.Option
		captcha         bool
		login, password string
		noOrigin, badTT bool
		status          int
		want            string // a body key, or validation_errors.<key>
	}{
		{name: "right username", login: a.Username, password: a.Password, status: 200, want: "success"},
		{name: "pixiv ID", login: a.Account, password: a.Password, status: 200, want: "success"},
		{name: "mail address", login: "DEMO@example.com", password: a.Password, status: 200, want: "success"},
		{name: "returnTo variant", opts: []pixivtest.Option{pixivtest.WithCamelReturnTo()}, login: a.Username, password: a.Password, status: 200, want: "success"},
		{name: "wrong password", login: a.Username, password: "nope", status: 200, want: "validation_errors." + pixiv.ValidationCredentials},
		{name: "unknown user", login: "nobody", password: a.Password, status: 200, want: "validation_errors." + pixiv.ValidationCredentials},
		{name: "empty", status: 200, want: "validation_errors." + pixiv.ValidationCredentials},
		{name: "locked", login: locked.Username, password: locked.Password, status: 200, want: "validation_errors." + pixiv.ValidationLocked},
		{name: "captcha", captcha: true, login: a.Username, password: a.Password, status: 200, want: "validation_errors." + pixiv.ValidationCaptcha},
		{name: "no Origin", noOrigin: true, login: a.Username, password: a.Password, status: 400, want: "error"},
		{name: "unknown tt", badTT: true, login: a.Username, password: a.Password, status: 400, want: "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(a), pixivtest.WithAccount(locked)}, tc.opts...)...)
			defer s.Close()
			s.SetCaptcha(tc.captcha)
			b := newBrowser(t, s)
			_, challenge := pkce()
			steps := b.follow(pixiv.LoginURLFor(challenge))
			c := configOf(t, steps[len(steps)-1].Body).PixivAccount
			form := url.Values{"login_id": {tc.login}, "password": {tc.password}, "return_to": {c.ReturnTo}, "tt": {c.TT}}
			if tc.badTT {
				form.Set("tt", "feedface")
			}
			var status int
			var ans answer
			if tc.noOrigin {
				p := b.post(pixiv.AccountsOrigin+pixiv.AjaxLoginPath+"?lang=en", form)
				status = p.Status
				_ = json.Unmarshal([]byte(p.Body), &ans)
			} else {
				status, ans = b.ajax(pixiv.AjaxLoginPath, form)
			}
			if status != tc.status {
				t.Fatalf("status %d, want %d: %+v", status, tc.status, ans)
			}
			key, sub, _ := strings.Cut(tc.want, ".")
			switch {
			case key == "error":
				if !ans.Error {
					t.Errorf("answer %+v, want error:true", ans)
				}
			case sub != "":
				if v := ans.validation(); len(v) != 1 || v[sub] == "" || ans.has(pixiv.AnswerSuccess) {
					t.Errorf("validation_errors = %v, want only %s", v, sub)
				}
			default:
				want := "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))
				if ans.next() != want || b.cookie(pixiv.SessionCookie) == nil {
					t.Errorf("success → %q, cookie %v; want %q and a session", ans.next(), b.cookie(pixiv.SessionCookie), want)
				}
				camel := strings.Contains(string(ans.Body[pixiv.AnswerSuccess]), `"returnTo"`)
				if camel != (tc.name == "returnTo variant") {
					t.Errorf("success = %s", ans.Body[pixiv.AnswerSuccess])
				}
				return
			}
			if b.cookie(pixiv.SessionCookie) != nil {
				t.Errorf("a refused login set a session")
			}
		})
	}
}

func TestTwoFactorAndEmailCode(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "pixiv", AccountName: "twofactor"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	a := pixivtest.Account{Username: "both", Password: "pw-both", TOTPSecret: key.Secret(), EmailCode: true, Mail: "both@example.com"}
	s := pixivtest.New(pixivtest.WithAccount(a), pixivtest.WithClock(func() time.Time { return now }))
	defer s.Close()
	verifier, challenge := pkce()
	b := newBrowser(t, s)
	steps := b.follow(pixiv.LoginURLFor(challenge))
	c := configOf(t, steps[len(steps)-1].Body).PixivAccount
	_, ans := b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {a.Username}, "password": {a.Password}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
	if !ans.has(pixiv.AnswerTwoFactor) || b.cookie(pixiv.SessionCookie) != nil {
		t.Fatalf("after the password: %+v, want %s and no session yet", ans, pixiv.AnswerTwoFactor)
	}
	right, _ := totp.GenerateCode(key.Secret(), now)
	old, _ := totp.GenerateCode(key.Secret(), now.Add(-5*time.Minute))
	for _, wrong := range []string{"000000", old, ""} {
		if wrong == right {
			continue
		}
		if _, ans := b.ajax(pixiv.TwoFactorPath, url.Values{"code": {wrong}, "tt": {c.TT}}); ans.validation()["code"] == "" {
			t.Errorf("wrong code %q: %+v, want validation_errors.code", wrong, ans)
		}
	}
	// The e-mail step cannot be skipped to.
	if _, ans := b.ajax(pixiv.EmailCodePath, url.Values{"code": {"123456"}, "tt": {c.TT}}); !ans.Error {
		t.Errorf("e-mail code before the TOTP step: %+v, want an error", ans)
	}
	// The pending login was ended by that: start again.
	b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {a.Username}, "password": {a.Password}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
	_, ans = b.ajax(pixiv.TwoFactorPath, url.Values{"code": {right}, "tt": {c.TT}})
	if !ans.has(pixiv.AnswerEmailCode) || len(s.EmailedCodes()) != 1 {
		t.Fatalf("after the TOTP code: %+v, %d e-mails; want %s and one e-mail", ans, len(s.EmailedCodes()), pixiv.AnswerEmailCode)
	}
	sent := s.EmailedCodes()[0]
	if sent.Mail != a.Mail || len(sent.Code) != 6 {
		t.Errorf("EmailedCodes() = %+v", sent)
	}
	if _, ans := b.ajax(pixiv.EmailCodePath, url.Values{"code": {"not-it"}, "tt": {c.TT}}); ans.validation()["code"] == "" {
		t.Errorf("wrong e-mailed code: %+v", ans)
	}
	_, ans = b.ajax(pixiv.EmailCodePath, url.Values{"code": {sent.Code}, "tt": {c.TT}})
	if ans.next() == "" || b.cookie(pixiv.SessionCookie) == nil {
		t.Fatalf("right e-mailed code: %+v, want success and a session", ans)
	}
	code := codeAfterPostRedirect(t, b, ans.next())
	if status, _, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK {
		t.Errorf("exchange: %d %s", status, body)
	}
	// The pending login is used up.
	if _, ans := b.ajax(pixiv.EmailCodePath, url.Values{"code": {sent.Code}, "tt": {c.TT}}); !ans.Error {
		t.Errorf("reusing a finished login: %+v, want an error", ans)
	}
}

func TestSetupPrompts(t *testing.T) {
	a := pixivtest.Account{Username: "prompted", Password: "pw", Prompts: []pixivtest.Prompt{pixivtest.PromptPasskey, pixivtest.PromptTwoFactorSetup}}
	s := pixivtest.New(pixivtest.WithAccount(a), pixivtest.WithLanguage("ja"))
	defer s.Close()
	b := newBrowser(t, s)
	_, challenge := pkce()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	c := configOf(t, steps[len(steps)-1].Body).PixivAccount
	_, ans := b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {a.Username}, "password": {a.Password}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
	next := ans.next()
	for _, want := range []struct{ kind, skip string }{{"passkey", "あとで"}, {"two-factor", "スキップ"}} {
		p := b.get(next)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `"prompt":"`+want.kind+`"`) || !strings.Contains(p.Body, want.skip) {
			t.Fatalf("prompt %s at %s: %d\n%s", want.kind, next, p.Status, p.Body)
		}
		next = configOf(t, p.Body).PixivAccount.ReturnTo
	}
	if !strings.HasPrefix(next, "https://accounts.pixiv.net/post-redirect?") {
		t.Errorf("after the prompts: %s, want post-redirect", next)
	}
}

func TestLanguages(t *testing.T) {
	tests := []struct {
		opt             pixivtest.Option
		query, accept   string
		want, continue_ string
	}{
		{want: "en", continue_: "Continue using this account"},
		{opt: pixivtest.WithAltEnglish(), want: "en", continue_: "Continue with this account"},
		{accept: "ja,en;q=0.8", want: "ja", continue_: "このアカウントで続ける"},
		{accept: "zh-CN,zh;q=0.9", want: "zh", continue_: "继续使用此账号"},
		{accept: "zh-TW", want: "zh-tw", continue_: "繼續使用此帳號"},
		{query: "ko", accept: "ja", want: "ko", continue_: "이 계정으로 계속하기"},
		{opt: pixivtest.WithLanguage("zh"), accept: "en-US", want: "zh", continue_: "继续使用此账号"},
		{accept: "fr-FR", want: "en", continue_: "Continue using this account"},
	}
	for _, tc := range tests {
		t.Run(tc.want+tc.accept+tc.query, func(t *testing.T) {
			opts := []pixivtest.Option{pixivtest.WithAccount(pixivtest.DemoAccount())}
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			s := pixivtest.New(opts...)
			defer s.Close()
			b := newBrowser(t, s)
			withSession(t, s, b, "11111111")
			_, challenge := pkce()
			u := pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge))
			if tc.query != "" {
				u += "&lang=" + tc.query
			}
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			p := b.do(req)
			if !strings.Contains(p.Body, `<html lang="`+tc.want+`">`) || !strings.Contains(p.Body, `"continue":"`+tc.continue_+`"`) {
				t.Errorf("want lang %s and %q:\n%s", tc.want, tc.continue_, p.Body)
			}
		})
	}
}

func TestScriptCallback(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithScriptCallback())
	defer s.Close()
	b := newBrowser(t, s)
	withSession(t, s, b, "11111111")
	_, challenge := pkce()
	start := b.postFrom(pixiv.StartURLFor(challenge)+"&via=login", nil)
	steps := b.follow(start.Location)
	last := steps[len(steps)-1]
	if last.Status != http.StatusOK || last.Location != "" || !regexp.MustCompile(`location\.href = "pixiv://account/login\?code=[^"]+\\u0026via=login"`).MatchString(last.Body) {
		t.Errorf("callback under WithScriptCallback: %d → %q\n%s", last.Status, last.Location, last.Body)
	}
}

func TestNoRedirectAndCallbackError(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	b := newBrowser(t, s)
	withSession(t, s, b, "11111111")
	_, challenge := pkce()
	pr := "https://accounts.pixiv.net/post-redirect?return_to=" + url.QueryEscape(pixiv.StartURLFor(challenge))

	s.SetNoRedirect(true)
	if p := b.get(pr); p.Status != http.StatusOK || !strings.Contains(p.Body, `"no_redirect":true`) {
		t.Errorf("post-redirect under SetNoRedirect: %d:\n%s", p.Status, p.Body)
	}
	s.SetNoRedirect(false)
	if p := b.get(pr); !strings.Contains(p.Body, `"no_redirect":false`) {
		t.Errorf("post-redirect does not redirect:\n%s", p.Body)
	}

	s.SetCallbackError("access_denied")
	start := b.postFrom(pixiv.StartURLFor(challenge)+"&via=login", nil)
	steps := b.follow(start.Location)
	if len(steps) != 2 || !regexp.MustCompile(`/callback\?state=[^&]+&error=access_denied$`).MatchString(steps[0].Location) ||
		steps[1].Location != "pixiv://account/login?error=access_denied&via=login" {
		t.Errorf("callback error: %+v", steps)
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
	}
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
	for _, want := range []string{`"login":"auto"`, `"delay_ms":250`} {
		if !strings.Contains(formPage.Body, want) {
			t.Errorf("auto-login page lacks %s:\n%s", want, formPage.Body)
		}
	}
	if strings.Contains(formPage.Body, `pa"ss</script>`) {
		t.Errorf("the password is not escaped in the script:\n%s", formPage.Body)
	}
	c := configOf(t, formPage.Body).PixivAccount
	_, ans := b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {a.Username}, "password": {a.Password}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
	code, _ := totp.GenerateCode(key.Secret(), now)
	if got := string(ans.Body["pixivtest_code"]); got != `"`+code+`"` {
		t.Errorf("two-factor answer under WithAutoLogin carries %s, want %s", got, code)
	}
	withSession(t, s, b, a.ID)
	sel := b.get(pixiv.AccountsLoginURLFor(pixiv.StartURLFor(challenge)))
	if !strings.Contains(sel.Body, `"select":true`) {
		t.Errorf("selection page under WithAutoSelect does not click Continue:\n%s", sel.Body)
	}
}
