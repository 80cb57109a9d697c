package pixivtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// The whole login over plain HTTP: what a browser does, one hop at a time.
func ExampleNew() {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)

	// A client that keeps cookies and stops at every redirect.
	jar, _ := cookiejar.New(nil)
	c := s.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hop := func(resp *http.Response, err error) string {
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Location")
	}

	// The login URL leads to the login page, whose data sits in
	// init-config; its script posts the form by XHR.
	page := get(c, hop(c.Get(pixiv.LoginURLFor(challenge))))
	acc := initConfig(page).PixivAccount
	ajax := postFromAccounts(c, pixiv.AccountsOrigin+pixiv.AjaxLoginPath+"?lang=en", url.Values{
		"login_id": {"demo"}, "password": {"demo-password"}, "return_to": {acc.ReturnTo}, "tt": {acc.TT}})
	var answer struct {
		Body struct {
			Success struct {
				ReturnTo string `json:"return_to"`
			} `json:"success"`
		} `json:"body"`
	}
	if err := json.NewDecoder(ajax.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	ajax.Body.Close()

	// post-redirect's script POSTs to its returnTo (start) with via=login,
	// which leads through authorize and the callback to the app's pixiv://
	// URL with the code.
	start := initConfig(get(c, answer.Body.Success.ReturnTo)).PixivAccount.ReturnTo + "&via=login"
	next := hop(postFromAccounts(c, start, nil), nil)
	for !strings.HasPrefix(next, pixiv.AppCallbackURL) {
		next = hop(c.Get(next))
	}
	app, _ := url.Parse(next)

	resp, err := c.PostForm(pixiv.TokenURL, url.Values{
		"client_id":      {pixiv.ClientID},
		"client_secret":  {pixiv.ClientSecret},
		"grant_type":     {pixiv.GrantAuthorizationCode},
		"code":           {app.Query().Get("code")},
		"code_verifier":  {verifier},
		"redirect_uri":   {pixiv.RedirectURI},
		"include_policy": {"true"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		User struct{ Name string } `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, tok.User.Name, len(s.Issued()))
	// Output: 200 Demo User 1
}

// get returns the body of u.
func get(c *http.Client, u string) string {
	resp, err := c.Get(u)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// postFromAccounts posts form to u as a page on accounts.pixiv.net does.
func postFromAccounts(c *http.Client, u string, form url.Values) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", pixiv.AccountsOrigin)
	resp, err := c.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	return resp
}

var initConfigValue = regexp.MustCompile(`id="init-config" class="json-data" value='([^']*)'`)

// initConfig reads a page's init-config.
func initConfig(page string) (c struct {
	PixivAccount struct{ TT, ReturnTo string } `json:"pixivAccount"`
}) {
	m := initConfigValue.FindStringSubmatch(page)
	if m == nil {
		log.Fatal("no init-config")
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
		log.Fatal(err)
	}
	return c
}

// Pointing Chrome at the double: the URLs stay Pixiv's, the login form
// fills itself in, and the callback request shows up in the browser's
// network events as it would against Pixiv. This example has no output to
// check, so go test compiles it without running it: it needs Chrome, and
// Chromium leaves shared-memory files in TMPDIR when it is killed, which
// package capture's browser tests (which run this path) guard against.
func ExampleServer_BrowserFlags() {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithAutoLogin(500*time.Millisecond))
	defer s.Close()

	opts := chromedp.DefaultExecAllocatorOptions[:]
	for name, value := range s.BrowserFlags() {
		opts = append(opts, chromedp.Flag(name, value))
	}
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()

	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	_ = chromedp.Do(ctx, chromedp.Navigate(pixiv.LoginURLFor(challenge)))
}

// Failing on purpose: the token endpoint answers 503 with Retry-After once,
// then normally.
func ExampleServer_Inject() {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{
		Status: http.StatusServiceUnavailable,
		Header: http.Header{"Retry-After": {"2"}},
		Times:  1,
	})
	form := url.Values{
		"client_id":     {pixiv.ClientID},
		"client_secret": {pixiv.ClientSecret},
		"grant_type":    {pixiv.GrantRefreshToken},
		"refresh_token": {s.NewRefreshToken(pixivtest.DemoAccount().ID)},
	}
	for range 2 {
		resp, err := s.Client().PostForm(pixiv.TokenURL, form)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 503 2
	// 200
}
