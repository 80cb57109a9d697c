package pixivtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
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

	// The login URL leads to the login form; post it as a person would.
	form := hop(c.Get(pixiv.LoginURLFor(challenge)))
	hop(c.PostForm(form, url.Values{"login_id": {"demo"}, "password": {"demo-password"}}))

	// post-redirect's script would now go to start, which leads through
	// authorize and the callback to the app's pixiv:// URL with the code.
	next := pixiv.StartURLFor(challenge)
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

// Pointing Chrome at the double: the URLs stay Pixiv's, the login form
// fills itself in, and the callback request shows up in the browser's
// network events as it would against Pixiv.
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
