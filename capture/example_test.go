package capture_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// A whole login against the Pixiv double: start a headless browser, let it
// fill the form, take the code the moment the browser asks for the
// callback, and exchange it. Against Pixiv itself, leave out Flags and the
// HTTP client. It needs a browser, so go test only builds it.
func ExampleStart() {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()

	ctx := context.Background()
	verifier := exchange.NewVerifier()
	l, err := capture.Start(ctx, capture.Options{
		LoginURL: exchange.LoginURL(verifier),
		Flags:    srv.BrowserFlags(), // send Pixiv's hosts to the double
		Username: pixivtest.DemoAccount().Username,
		Password: pixivtest.DemoAccount().Password,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	code, err := l.Code(ctx)
	if err != nil {
		log.Fatal(err)
	}
	client := &exchange.Client{HTTPClient: srv.Client()}
	tok, err := client.Exchange(ctx, code, verifier)
	// The page says "finishing…" until the caller tells it how the
	// exchange ended; with a window, Finish keeps the result up a moment.
	l.Finish(ctx, err)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in as", tok.User.Name)
}

func ExampleParseCallback() {
	for _, u := range []string{
		"https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&code=C0DE",
		"https://accounts.pixiv.net/recaptcha/api2/callback?code=decoy",
		"https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&error=access_denied",
	} {
		code, errCode, ok := capture.ParseCallback(u)
		fmt.Printf("%v %q %q\n", ok, code, errCode)
	}
	// Output:
	// true "C0DE" ""
	// false "" ""
	// true "" "access_denied"
}

func ExampleRedactQuery() {
	fmt.Println(capture.RedactQuery("GET https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&code=C0DE"))
	// Output: GET https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=…&code=…
}

func ExampleTOTPCode() {
	// The secret an authenticator app holds, as base32 or an otpauth:// URI.
	code, err := capture.TOTPCode("otpauth://totp/pixiv:me?secret=JBSWY3DPEHPK3PXP&issuer=pixiv", time.Unix(0, 0))
	fmt.Println(code, err)
	// Output: 282760 <nil>
}
