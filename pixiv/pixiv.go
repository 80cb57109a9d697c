// Package pixiv is the one place that knows Pixiv's app-login flow: every
// host, URL, constant and page selector that pixivauth depends on.
//
// Pixiv changes this flow without notice. When it does, the fix should be an
// edit to this file, and nothing else. The facts here come from the Pixiv
// Android app (the client credentials are public, shipped in every copy of
// it) and from the login notes in the project's protocol document.
package pixiv

import "strings"

// Hosts of the flow. The test double answers for all three; pixivauth routes
// them to it by address, never by rewriting URLs.
const (
	AppAPIHost   = "app-api.pixiv.net"
	AccountsHost = "accounts.pixiv.net"
	OAuthHost    = "oauth.secure.pixiv.net"
)

// Hosts lists every host the login flow talks to, in the order the browser
// meets them.
func Hosts() []string { return []string{AppAPIHost, AccountsHost, OAuthHost} }

// Client credentials of the Android app.
const (
	ClientID     = "MOBrBDS8blbauoSck0ZfDbtuzpyT"
	ClientSecret = "lsACyCD94FhDUtGTXi3QzcFE2uU1hqtDaKeqrdwj"

	// ClientName is the value of the login URL's client parameter.
	ClientName = "pixiv-android"

	// HashSecret is appended to X-Client-Time before hashing it into
	// X-Client-Hash.
	HashSecret = "28c1fdd170a5204386cb1313c7077b34f83e4aaf4aa829ce78c231e05b0bae2c"

	// UserAgent is what token requests send: the Android app's.
	UserAgent = "PixivAndroidApp/5.0.234 (Android 11; Pixel 5)"
)

// Paths and URLs of the flow, step by step.
const (
	// LoginPath is where the flow starts: it redirects to the accounts login
	// page with a return_to that leads to StartPath.
	LoginPath = "/web/v1/login"
	LoginURL  = "https://" + AppAPIHost + LoginPath

	// AccountsLoginPath shows the login form, or the account selection
	// page when the browser holds a live session.
	AccountsLoginPath = "/login"
	AccountsLoginURL  = "https://" + AccountsHost + AccountsLoginPath

	// AccountSelectedPath is what "Continue using this account" posts to.
	AccountSelectedPath = "/account-selected"

	// PostRedirectPath sends the browser on to its return_to.
	PostRedirectPath = "/post-redirect"

	// StartPath redirects to the authorize endpoint.
	StartPath = "/web/v1/users/auth/pixiv/start"
	StartURL  = "https://" + AppAPIHost + StartPath

	// AuthorizePath issues the code and redirects to the callback.
	AuthorizePath = "/auth/authorize"
	AuthorizeURL  = "https://" + OAuthHost + AuthorizePath

	// CallbackPath carries the code (?state=…&code=…); it is also the
	// redirect_uri of the code grant.
	CallbackPath = "/web/v1/users/auth/pixiv/callback"
	CallbackURL  = "https://" + AppAPIHost + CallbackPath
	RedirectURI  = CallbackURL

	// AppCallbackURL is where the callback finally sends the browser. Chrome
	// has no handler for the scheme, so the page stays where it was.
	AppCallbackURL = "pixiv://account/login"

	// TokenPath is the token endpoint for every grant.
	TokenPath = "/auth/token"
	TokenURL  = "https://" + OAuthHost + TokenPath
)

// Cookies.
const (
	// SessionCookie holds a browser session, "<user id>_<random>".
	SessionCookie = "PHPSESSID"
	// CookieDomain is the domain of Pixiv's session cookies.
	CookieDomain = ".pixiv.net"
)

// Selectors of the accounts pages, as working tools use them.
const (
	UsernameInput = `input[autocomplete^='username']`
	PasswordInput = `input[autocomplete^='current-password']`
	SubmitButton  = `button[type=submit]`
	OTPInput      = `input[autocomplete='one-time-code']`

	// ContinueButtonText is the label of the account selection page's
	// button; the page does not redirect by itself.
	ContinueButtonText = "Continue using this account"

	// CaptchaFrame matches the reCAPTCHA challenge that can follow a submit.
	CaptchaFrame = `iframe[src*='recaptcha'], .g-recaptcha, #recaptcha`

	// LoginErrorText matches the message a wrong password leaves on the form.
	LoginError = `[role=alert], .error-msg`
)

// Token endpoint parameters.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	// GrantPassword is the original grant, retired by Pixiv around
	// February 2021; Pixiv now answers it with an error.
	GrantPassword = "password"

	// DeviceToken is the device_token the password grant sent.
	DeviceToken = "pixiv"

	// ErrorCodeInvalidGrant is Pixiv's own code for a rejected refresh token
	// or an expired authorization code.
	ErrorCodeInvalidGrant = 1508
)

// CodeTTL is about how long an authorization code lives: the code is
// single-use and lives for seconds (one tool's docs say 30 s).
const CodeTTLSeconds = 30

// IsPixivHost reports whether host (a name, without a port) is one of
// Pixiv's: pixiv.net or a name under it.
func IsPixivHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "pixiv.net" || strings.HasSuffix(host, ".pixiv.net")
}

// HostResolverRules returns a value for Chrome's --host-resolver-rules that
// sends every Pixiv host to addr (a loopback "127.0.0.1:8443", where a test
// double listens) and resolves every other name to nothing, so that a browser
// pointed at a double never reaches the internet. URLs stay unchanged: the
// browser still asks for https://app-api.pixiv.net/..., which is what the
// callback matching must see.
func HostResolverRules(addr string) string {
	return "MAP *.pixiv.net " + addr + ", MAP pixiv.net " + addr +
		", MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
}
