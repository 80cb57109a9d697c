package httplogin_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/httplogin"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// A stored session becomes tokens with six HTTP requests and no browser.
// Against Pixiv itself, leave Client.HTTP nil (or give it a proxy).
func ExampleClient_Code() {
	double := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer double.Close()
	// The session a window login saved: PHPSESSID on .pixiv.net.
	c := double.NewSession(pixivtest.DemoAccount().ID)
	stored := []session.Cookie{{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Secure: true, HTTPOnly: true}}

	ctx := context.Background()
	verifier := exchange.NewVerifier()
	login := &httplogin.Client{HTTP: double.Client()}
	code, cookies, err := login.Code(ctx, exchange.LoginURL(verifier), stored)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := (&exchange.Client{HTTPClient: double.Client()}).Exchange(ctx, code, verifier)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in as", tok.User.Name)
	fmt.Println("session kept:", (&session.Session{Cookies: cookies}).Live(time.Now()))

	// Once the session has ended on Pixiv's side, the same call says so.
	double.ExpireSessions()
	_, _, err = login.Code(ctx, exchange.LoginURL(exchange.NewVerifier()), cookies)
	fmt.Println("expired:", errors.Is(err, reason.SessionExpired), "fall back to a browser:", errors.Is(err, httplogin.ErrUnexpected))
	// Output:
	// logged in as Demo User
	// session kept: true
	// expired: true fall back to a browser: false
}
