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

// submit posts the page's form (the first, or the one with id) with its
// hidden inputs plus fields, to the URL its action names.
func (b *browser) submit(p page, id string, fields url.Values) page {
	b.t.Helper()
	action, hidden := form(b.t, p.Body, id)
	base, _ := url.Parse(p.URL)
	target, err := base.Parse(action)
	if err != nil {
		b.t.Fatalf("form action %q: %v", action, err)
	}
	for k, vs := range fields {
		hidden[k] = vs
	}
	return b.post(target.String(), hidden)
}

var (
	formRE   = regexp.MustCompile(`<form id="([^"]*)"[^>]*method="post" action="([^"]*)">`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	nextRE   = regexp.MustCompile(`var next = ("[^"]*")`)
	codeRE   = regexp.MustCompile(`code=([^&]+)`)
)

// form returns the action and hidden inputs of the form with id (or the
// first form).
func form(t *testing.T, body, id string) (string, url.Values) {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatchIndex(body, -1) {
		formID := body[m[2]:m[3]]
		if id != "" && formID != id {
			continue
		}
		rest := body[m[1]:]
		rest = rest[:strings.Index(rest, "</form>")]
		hidden := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(rest, -1) {
			hidden.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return html.UnescapeString(body[m[4]:m[5]]), hidden
	}
	t.Fatalf("no form %q in page:\n%s", id, body)
	return "", nil
}

// nextOf returns where a post-redirect page's script sends the browser.
func nextOf(t *testing.T, body string) string {
	t.Helper()
	m := nextRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("post-redirect page has no next URL:\n%s", body)
	}
	var next string
	if err := json.Unmarshal([]byte(m[1]), &next); err != nil {
		t.Fatalf("next URL %s: %v", m[1], err)
	}
	return next
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
	formPage := steps[len(steps)-1]
	p := b.submit(formPage, "login-form", url.Values{"login_id": {a.Username}, "password": {a.Password}})
	if p.Status != http.StatusFound {
		t.Fatalf("login: %d, want 302:\n%s", p.Status, p.Body)
	}
	return codeAfterPostRedirect(t, b, p.Location)
}

// codeAfterPostRedirect loads the post-redirect page, goes where its script
// says and follows the redirects to the app URL, returning its code.
func codeAfterPostRedirect(t *testing.T, b *browser, postRedirect string) string {
	t.Helper()
	pr := b.get(postRedirect)
	steps := b.follow(nextOf(t, pr.Body))
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
