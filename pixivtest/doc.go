// Package pixivtest is a Pixiv double: a TLS server on 127.0.0.1 that answers
// for app-api.pixiv.net, accounts.pixiv.net and oauth.secure.pixiv.net the way
// Pixiv does, in the spirit of net/http/httptest.
//
// It serves the whole browser login flow of the project's protocol document
// (login form, one-time code, account selection, post-redirect, start,
// authorize, callback) and the token endpoint with its three grants. URLs are
// never rewritten: a client reaches the double by dialling its address for
// every Pixiv host, which [Server.Client], [Server.DialContext] and
// [Server.BrowserFlags] arrange, so the code under test sees the same URLs it
// would see against Pixiv.
//
// The happy path, with plain HTTP standing in for the browser:
//
//	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
//	defer s.Close()
//	c := s.Client() // with a cookie jar, not following redirects
//	resp, _ := c.Get(pixiv.LoginURLFor(challenge)) // 302 to the login form
//	c.PostForm(resp.Header.Get("Location"), url.Values{"login_id": {"demo"}, "password": {"demo-password"}})
//	// GET pixiv.StartURLFor(challenge) and follow: authorize, callback,
//	// then pixiv://account/login?code=CODE&via=login.
//	c.PostForm(pixiv.TokenURL, url.Values{"grant_type": {"authorization_code"},
//		"code": {code}, "code_verifier": {verifier}, "redirect_uri": {pixiv.RedirectURI}, ...})
//
// ExampleNew runs it end to end. A browser is pointed at the double with
// [Server.BrowserFlags], and [WithAutoLogin] makes the login form fill itself
// in, standing in for the person at a visible window.
//
// Failures are part of the double: wrong passwords, reCAPTCHA, two-factor
// codes, dead sessions ([Server.ExpireSessions]), pages that never move on,
// decoy requests that look like the callback, and any status, delay, hang,
// reset or broken body on any endpoint ([Server.Inject]). Every request is
// recorded ([Server.Requests]) and every token set issued ([Server.Issued]).
//
// Where the double has to answer something the protocol document does not
// describe, the code says "inferred" next to the choice.
package pixivtest
