package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/auth/authtest"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/httplogin"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// A stored session becomes tokens with no browser at all; a browser is the
// next way to log in, used only if Pixiv answers with something the HTTP
// path does not expect. Against Pixiv itself, leave out the HTTP clients.
func ExampleHTTPSession() {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	c := srv.NewSession(pixivtest.DemoAccount().ID) // a session saved by an earlier login
	stored := []session.Cookie{{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Secure: true, HTTPOnly: true}}

	res, err := auth.Login(context.Background(), auth.Config{
		Input: auth.Input{Cookies: stored},
		Coders: []auth.Coder{
			auth.HTTPSession{Client: &httplogin.Client{HTTP: srv.Client()}, FallBack: true},
			// auth.Browser{Options: opts}, for what the HTTP path does not expect
		},
		Client:  &exchange.Client{HTTPClient: srv.Client()},
		Timeout: time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in as", res.Token.User.Name)
	fmt.Println("session after the login:", (&session.Session{Cookies: res.Cookies}).Live(time.Now()))
	// Output:
	// logged in as Demo User
	// session after the login: true
}

func TestHTTPSessionFallsBackOnlyOnTheUnexpected(t *testing.T) {
	cases := []struct {
		name     string
		fault    *pixivtest.Fault
		expire   bool
		noCookie bool
		fallBack bool
		browsers int           // logins the browser (the fake) was asked for
		want     reason.Reason // "" for tokens
	}{
		{name: "a live session", fallBack: true},
		{name: "Cloudflare, with a browser after", fault: ptr(pixivtest.CloudflareBlock()), fallBack: true, browsers: 1},
		{name: "Cloudflare, HTTP only", fault: ptr(pixivtest.CloudflareBlock()), want: reason.Blocked},
		{name: "an unknown page, with a browser after", fault: &pixivtest.Fault{Status: 200, Body: "<p>new</p>"}, fallBack: true, browsers: 1},
		{name: "a dead session", expire: true, fallBack: true, want: reason.SessionExpired},
		{name: "a 5xx", fault: &pixivtest.Fault{Status: 503, Body: "down"}, fallBack: true, want: reason.Failing},
		{name: "a reset", fault: &pixivtest.Fault{Reset: true}, fallBack: true, want: reason.Unreachable},
		{name: "no session, with a browser after", noCookie: true, fallBack: true, browsers: 1},
		{name: "no session, HTTP only", noCookie: true, want: reason.NoSession},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
			defer srv.Close()
			ck := srv.NewSession(pixivtest.DemoAccount().ID)
			in := auth.Input{Cookies: []session.Cookie{{Name: ck.Name, Value: ck.Value, Domain: pixiv.CookieDomain, Path: "/", Secure: true}}}
			if c.noCookie {
				in.Cookies = nil
			}
			if c.fault != nil {
				srv.Inject(pixivtest.EndpointPostRedirect, *c.fault)
			}
			if c.expire {
				srv.ExpireSessions()
			}
			browser := &authtest.Coder{Server: srv, AccountID: pixivtest.DemoAccount().ID}
			coders := []auth.Coder{auth.HTTPSession{Client: &httplogin.Client{HTTP: srv.Client()}, FallBack: c.fallBack}}
			if c.fallBack {
				coders = append(coders, browser)
			}
			res, err := auth.Login(context.Background(), auth.Config{Input: in, Coders: coders,
				Client: &exchange.Client{HTTPClient: srv.Client()}, Timeout: time.Minute})
			if got := reason.Of(err); got != c.want {
				t.Fatalf("reason %q, want %q: %v", got, c.want, err)
			}
			if c.want == "" && (res.Token == nil || res.Token.User.ID != pixivtest.DemoAccount().ID) {
				t.Errorf("no tokens of the session's account: %+v, %v", res.Token, err)
			}
			if c.want != "" && errors.Is(err, auth.ErrFallBack) && c.fallBack {
				t.Errorf("the last error still asks for a fall-back: %v", err)
			}
			if n := len(browser.Inputs()); n != c.browsers {
				t.Errorf("the browser was asked %d times, want %d", n, c.browsers)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
