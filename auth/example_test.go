package auth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/store"
)

// A whole headless login with a real Chrome against the Pixiv double: the
// browser fills the form, the code is exchanged the moment the browser asks
// for the callback, and the tokens and the session land in the profile.
// Against Pixiv itself, leave out Flags and the HTTP client.
func ExampleLogin() {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "pixivauth-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	profile, err := (&store.Store{Dir: filepath.Join(dir, "config")}).Profile("default")
	if err != nil {
		fmt.Println(err)
		return
	}

	res, err := auth.Login(context.Background(), auth.Config{
		Input: auth.Input{Username: pixivtest.DemoAccount().Username, Password: pixivtest.DemoAccount().Password},
		Coders: []auth.Coder{auth.Browser{Options: capture.Options{
			Flags:   srv.BrowserFlags(), // send Pixiv's hosts to the double
			TempDir: dir,
		}}},
		Client:      &exchange.Client{HTTPClient: srv.Client()},
		Profile:     profile,
		SaveSession: true,
		Timeout:     time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in as", res.Token.User.Name)
	fmt.Println("saved:", res.Saved, "session saved:", res.SessionSaved)
	// Output:
	// logged in as Demo User
	// saved: true session saved: true
}

// The token a program needs, as `pixivauth token` prints it: the cache's
// while it has life left, else one refresh, saved for the next run.
func ExampleToken() {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "pixivauth-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	profile, err := (&store.Store{Dir: dir}).Profile("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	// A cache whose access token has expired.
	stale := &exchange.Token{AccessToken: "stale", RefreshToken: srv.NewRefreshToken(pixivtest.DemoAccount().ID),
		Expiry: time.Now().Add(-time.Hour)}
	if err := profile.SaveToken(ctx, stale); err != nil {
		fmt.Println(err)
		return
	}
	cfg := auth.TokenConfig{Client: &exchange.Client{HTTPClient: srv.Client()}, Profile: profile}
	for range 2 {
		res, err := auth.Token(ctx, cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res.Token.User.Name, "refreshed:", res.Refreshed)
	}
	fmt.Println("token requests:", len(srv.TokenRequests()))
	// Output:
	// Demo User refreshed: true
	// Demo User refreshed: false
	// token requests: 1
}
