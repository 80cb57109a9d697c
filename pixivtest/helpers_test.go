package pixivtest_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// browser is a cookie-keeping HTTP client that does not follow redirects, so
// a test can look at every step of the flow.
type browser struct {
	t *testing.T
	c *http.Client
	// lastHeader is the header of the last answer.
	lastHeader http.Header
}

func newBrowser(t *testing.T, s *pixivtest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: c}
}

// page is one answer.
type page struct {
	URL      string
	Status   int
	Location string
	Header   http.Header
	Body     string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	loc := resp.Header.Get("Location")
	if loc != "" && !strings.HasPrefix(loc, pixiv.AppCallbackURL) {
		u, err := req.URL.Parse(loc)
		if err != nil {
			b.t.Fatalf("%s %s: bad Location %q: %v", req.Method, req.URL, loc, err)
		}
		loc = u.String()
	}
	b.lastHeader = resp.Header
	return page{URL: req.URL.String(), Status: resp.StatusCode, Location: loc, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow GETs u and every redirect after it until a page that does not
// redirect or a redirect to the app's pixiv:// scheme, and returns every
// step.
func (b *browser) follow(u string) []page {
	b.t.Helper()
	var steps []page
	for range 20 {
		p := b.get(u)
		steps = append(steps, p)
		if p.Location == "" || strings.HasPrefix(p.Location, pixiv.AppCallbackURL) {
			return steps
		}
		u = p.Location
	}
	b.t.Fatalf("more than 20 redirects from %s", steps[0].URL)
	return nil
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(pixiv.AccountsLoginURL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// postFrom posts form to u as a page on accounts.pixiv.net does: with its
// Origin and Referer.
func (b *browser) postFrom(u string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", pixiv.AccountsOrigin)
	req.Header.Set("Referer", pixiv.AccountsLoginURL)
	return b.do(req)
}

// answer is a login XHR's JSON answer.
type answer struct {
	Error   bool                       `json:"error"`
	Message string                     `json:"message"`
	Body    map[string]json.RawMessage `json:"body"`
}

// has reports whether the answer's body has key.
func (a answer) has(key string) bool { _, ok := a.Body[key]; return ok }

// validation returns the answer's validation_errors.
func (a answer) validation() map[string]string {
	var v map[string]string
	_ = json.Unmarshal(a.Body[pixiv.AnswerValidationErrors], &v)
	return v
}

// next returns success.return_to (or returnTo).
func (a answer) next() string {
	var s map[string]string
	_ = json.Unmarshal(a.Body[pixiv.AnswerSuccess], &s)
	if s["return_to"] != "" {
		return s["return_to"]
	}
	return s["returnTo"]
}

// ajax posts a login XHR to path on accounts and decodes its answer.
func (b *browser) ajax(path string, form url.Values) (int, answer) {
	b.t.Helper()
	p := b.postFrom(pixiv.AccountsOrigin+path+"?lang=en", form)
	var a answer
	if err := json.Unmarshal([]byte(p.Body), &a); err != nil {
		b.t.Fatalf("%s answered %d, not JSON: %v\n%s", path, p.Status, err, p.Body)
	}
	return p.Status, a
}

// config is a page's init-config, as the tests read it.
type config struct {
	PixivAccount struct {
		TT       string  `json:"tt"`
		UserID   *string `json:"userId"`
		Continue string  `json:"continueWithCurrentAccountUrl"`
		ReturnTo string  `json:"returnTo"`
		PostKey  string  `json:"postKey"`
		Source   string  `json:"source"`
		Ref      *string `json:"ref"`
	} `json:"pixivAccount"`
	ScoreKey    string `json:"recaptchaEnterpriseScoreSiteKey"`
	ScoreAction string `json:"recaptchaEnterpriseScoreAction"`
	CheckboxKey string `json:"recaptchaEnterpriseCheckboxSiteKey"`
}

var codeRE = regexp.MustCompile(`code=([^&]+)`)

var initConfigRE = regexp.MustCompile(`<input type="hidden" id="init-config" class="json-data" value='([^']*)'>`)

// configOf reads the init-config of a page.
func configOf(t *testing.T, body string) config {
	t.Helper()
	m := initConfigRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page has no init-config:\n%s", body)
	}
	var c config
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
		t.Fatalf("init-config is not JSON: %v\n%s", err, m[1])
	}
	return c
}

// pkce returns a fresh verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	v := oauth2.GenerateVerifier()
	return v, oauth2.S256ChallengeFromVerifier(v)
}

// logIn goes from the login URL through the login form to the callback and
// returns the code in the app URL the callback sends the browser to.
func logIn(t *testing.T, b *browser, challenge string, a pixivtest.Account) string {
	t.Helper()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	c := configOf(t, steps[len(steps)-1].Body)
	status, ans := b.ajax(pixiv.AjaxLoginPath, url.Values{"login_id": {a.Username}, "password": {a.Password},
		"return_to": {c.PixivAccount.ReturnTo}, "tt": {c.PixivAccount.TT}})
	if status != http.StatusOK || ans.next() == "" {
		t.Fatalf("login: %d %+v, want success", status, ans)
	}
	return codeAfterPostRedirect(t, b, ans.next())
}

// codeAfterPostRedirect loads the post-redirect page, POSTs where its
// init-config says with via=login, and follows the redirects to the app
// URL, returning its code.
func codeAfterPostRedirect(t *testing.T, b *browser, postRedirect string) string {
	t.Helper()
	pr := b.get(postRedirect)
	start := b.postFrom(configOf(t, pr.Body).PixivAccount.ReturnTo+"&via=login", nil)
	if start.Status != http.StatusFound {
		t.Fatalf("start: %d, want 302:\n%s", start.Status, start.Body)
	}
	steps := b.follow(start.Location)
	last := steps[len(steps)-1]
	if !strings.HasPrefix(last.Location, pixiv.AppCallbackURL) {
		t.Fatalf("flow ended at %s (%d), not at the app URL:\n%s", last.URL, last.Status, last.Body)
	}
	m := codeRE.FindStringSubmatch(last.Location)
	if m == nil {
		t.Fatalf("app URL %s has no code", last.Location)
	}
	code, _ := url.QueryUnescape(m[1])
	return code
}

// tokenAnswer is the parts of a token answer the tests look at.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	User         struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Account string `json:"account"`
	} `json:"user"`
	Response *struct {
		AccessToken string `json:"access_token"`
		DeviceToken string `json:"device_token"`
	} `json:"response"`
	HasError bool `json:"has_error"`
	Errors   struct {
		System struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"system"`
	} `json:"errors"`
	Error *string `json:"error"`
}

// tokenForm is a token request's form with the client's credentials.
func tokenForm(kv ...string) url.Values {
	f := url.Values{"client_id": {pixiv.ClientID}, "client_secret": {pixiv.ClientSecret}, "include_policy": {"true"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func codeForm(code, verifier string) url.Values {
	return tokenForm("grant_type", "authorization_code", "code", code, "code_verifier", verifier, "redirect_uri", pixiv.RedirectURI)
}

// token posts form to the token endpoint and decodes the answer.
func token(t *testing.T, s *pixivtest.Server, form url.Values) (int, tokenAnswer, string) {
	t.Helper()
	resp, err := s.Client().PostForm(pixiv.TokenURL, form)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("token answer Content-Type = %q, want application/json", ct)
	}
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("token answer is not JSON: %v\n%s", err, body)
	}
	return resp.StatusCode, a, string(body)
}
