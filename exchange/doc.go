// Package exchange turns what a Pixiv login yields (an authorization code,
// a refresh token, or once upon a time a password) into tokens, by talking
// to Pixiv's token endpoint, [pixiv.TokenURL].
//
// The happy path, with the browser step left to package capture:
//
//	verifier := exchange.NewVerifier()     // PKCE, RFC 7636
//	loginURL := exchange.LoginURL(verifier) // the page a browser logs in on
//	code := ...                             // capture.Start(ctx, capture.Options{LoginURL: loginURL}), then Code
//	var c exchange.Client                   // the zero value is ready
//	tok, err := c.Exchange(ctx, code, verifier)
//	if errors.Is(err, exchange.ErrRejected) { /* too slow: log in again */ }
//	fmt.Println(tok.User.Name, tok.AccessToken, tok.Expiry)
//	tok, err = c.Refresh(ctx, tok.RefreshToken) // an hour later
//	api := oauth2.NewClient(ctx, c.TokenSource(ctx, tok)) // or refresh as needed
//
// Every failure is an [*Error] whose text says what happened and what to do,
// and which is [ErrRejected] (a person must log in again), [ErrUnavailable]
// (Pixiv is unreachable, blocked or failing: try later), or
// [context.Canceled]. No error text and no log line holds a token, code,
// verifier or password.
package exchange
