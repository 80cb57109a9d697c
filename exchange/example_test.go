package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// The examples that need Pixiv run against pixivtest, the Pixiv double:
// against Pixiv itself, leave Client.HTTPClient nil.

func ExampleLoginURL() {
	// RFC 7636's example verifier; a login uses a fresh exchange.NewVerifier().
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	fmt.Println(exchange.LoginURL(verifier))
	// Output:
	// https://app-api.pixiv.net/web/v1/login?code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&client=pixiv-android
}

func ExampleClient_Refresh() {
	double := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer double.Close()
	refreshToken := double.NewRefreshToken(pixivtest.DemoAccount().ID)

	c := &exchange.Client{HTTPClient: double.Client()}
	tok, err := c.Refresh(context.Background(), refreshToken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.User.Name, tok.User.ID, tok.TokenType)
	fmt.Println("expires in", tok.ExpiresIn(time.Now()).Round(time.Minute))
	fmt.Println("same refresh token:", tok.RefreshToken == refreshToken)
	// Output:
	// Demo User 11111111 bearer
	// expires in 1h0m0s
	// same refresh token: true
}

func ExampleError() {
	double := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer double.Close()
	refreshToken := double.NewRefreshToken(pixivtest.DemoAccount().ID)
	double.RevokeRefreshToken(refreshToken) // the person logged out of the app

	c := &exchange.Client{HTTPClient: double.Client()}
	_, err := c.Refresh(context.Background(), refreshToken)
	switch {
	case errors.Is(err, exchange.ErrRejected):
		fmt.Println("a person must act:", err)
	case errors.Is(err, exchange.ErrUnavailable):
		fmt.Println("try later:", err)
	}
	var e *exchange.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.OAuth)
	}
	// Output:
	// a person must act: refresh: Pixiv rejected the refresh token (Invalid refresh token, code 1508, invalid_grant): it was revoked, has expired, or is not a refresh token
	// 400 1508 invalid_grant
}

func ExampleClient_TokenSource() {
	double := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer double.Close()
	ctx := context.Background()

	// A cached token without an access token (or an expired one) is
	// refreshed on first use, then reused until a minute before expiry.
	cached := &exchange.Token{RefreshToken: double.NewRefreshToken(pixivtest.DemoAccount().ID)}
	c := &exchange.Client{HTTPClient: double.Client()}
	ts := c.TokenSource(ctx, cached)
	// oauth2.NewClient(ctx, ts) would send it as "Authorization: Bearer …".

	first, err := ts.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	second, _ := ts.Token()
	fmt.Println("reused:", first.AccessToken == second.AccessToken)
	fmt.Println("refreshes:", len(double.Issued()))
	// Output:
	// reused: true
	// refreshes: 1
}
