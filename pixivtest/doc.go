// Package pixivtest is a Pixiv double: a TLS server on 127.0.0.1 that answers
// for app-api.pixiv.net, accounts.pixiv.net and oauth.secure.pixiv.net the way
// Pixiv does, in the spirit of net/http/httptest.
//
// It serves the whole browser login flow as Pixiv serves it in 2025–2026
// (as working tools of that time report it; package pixiv keeps each fact
// and says which are only inferred), and the token endpoint with its three
// grants. The accounts pages are single-page apps: the HTML holds the
// page's data as JSON in <input id="init-config"> (pixivAccount.tt, userId,
// continueWithCurrentAccountUrl, returnTo, …, the reCAPTCHA keys), and a
// script draws the visible page after load: account selection (a button
// with no form around it, whose click POSTs account-selected with
// return_to and tt), or the login form, which posts by XHR to /ajax/login
// and follows its JSON answer (success, validation_errors with captcha,
// wrong password or a locked account, a two-factor step, an e-mailed code
// recorded in [Server.EmailedCodes]); setup prompts with skip buttons;
// post-redirect, which POSTs to start with via=login. Every login page holds
// reCAPTCHA Enterprise's invisible score frame in its badge, served on
// www.google.com by the double ([Server.BrowserFlags] routes it there).
// Pages speak en, ja, zh, zh-tw and ko (lang, Accept-Language,
// [WithLanguage]).
//
// What is only inferred, or was reported once, is a
// switch, so that a client is tested against each side: [WithAltEnglish],
// [WithUsernameFirst], [WithScriptCallback], [WithCamelReturnTo],
// [WithDataProps]; the names of the validation_errors keys and of the
// two-factor and e-mail answers are the double's picks (package pixiv).
//
// On the browserless path it enforces what Pixiv does: account-selected
// and start take POSTs from the accounts origin only, tt must be the
// session's, start needs via=login, a dead session gets the login form
// (userId null), and a code is single-use. URLs are
// never rewritten: a client reaches the double by dialling its address for
// every Pixiv host, which [Server.Client], [Server.DialContext] and
// [Server.BrowserFlags] arrange, so the code under test sees the same URLs it
// would see against Pixiv.
//
// The happy path, with plain HTTP standing in for the browser:
//
//	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
//	defer s.Close()
//	c := s.Client()
//	c.Jar, _ = cookiejar.New(nil)
//	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
//	resp, _ := c.Get(pixiv.LoginURLFor(challenge)) // 302 to the login page
//	// GET it and read init-config: pixivAccount.tt and returnTo. POST
//	// /ajax/login?lang=en (Origin https://accounts.pixiv.net) with login_id,
//	// password, return_to and tt: the JSON answer's body.success.return_to
//	// is post-redirect. GET it, read init-config returnTo (start), POST it
//	// with via=login and follow: authorize, callback, then
//	// pixiv://account/login?code=CODE&via=login.
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
// Where the double has to answer something nobody has reported, the code
// says "inferred" next to the choice.
package pixivtest
