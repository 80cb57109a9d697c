// Package pixiv is the one place that knows Pixiv's app-login flow: every
// host, URL, constant and page selector that pixivauth depends on.
//
// Pixiv changes this flow without notice. When it does, the fix should be an
// edit to this file, and nothing else. The facts here come from the Pixiv
// Android app (the client credentials are public, shipped in every copy of
// it) and from what working login tools of 2025–2026 report of Pixiv's
// pages; a fact that is only inferred says so where it is defined.
package pixiv

import (
	"net/url"
	"strings"
)

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

// The accounts pages of 2025–2026 are single-page apps drawn by script from
// a JSON document in the HTML. The driver decides what a page is from that
// data and from the JSON answers of the login XHRs, never from a label.
const (
	// InitConfigID is the id of the hidden input whose value is the page's
	// JSON: <input type="hidden" id="init-config" class="json-data" value='{…}'>.
	InitConfigID = "init-config"
	// DataPropsAttr is the attribute some pages carry the same JSON in.
	DataPropsAttr = "data-props"
	// InitConfigAccount is the init-config key of the account data; the
	// keys below are inside it.
	InitConfigAccount = "pixivAccount"
	// ConfigUserID is the logged-in user's ID, null without a session.
	ConfigUserID = "userId"
	// ConfigContinueURL is what account selection posts as return_to.
	ConfigContinueURL = "continueWithCurrentAccountUrl"
	// ConfigReturnTo is where post-redirect sends the browser (start).
	ConfigReturnTo = "returnTo"
	// ConfigTT is the CSRF token every POST of the page carries as tt.
	ConfigTT = "tt"
)

// Paths and answers of the login XHRs.
const (
	// AjaxLoginPath takes the login form: POST ?lang=xx, answer JSON.
	AjaxLoginPath = "/ajax/login"
	// TwoFactorPath takes the one-time code of two-factor login. Pixiv's
	// requests are under /ajax/login/two-factor-authentication/; the last
	// part is inferred.
	TwoFactorPath = "/ajax/login/two-factor-authentication/verify"
	// EmailCodePath takes the e-mailed verification code (inferred: the
	// step is confirmed, its requests are not).
	EmailCodePath = "/ajax/login/email-verification/verify"

	// AnswerSuccess is the body key of a login that went through; its
	// object's return_to (or returnTo) is where the page goes next.
	AnswerSuccess = "success"
	// AnswerValidationErrors is the body key of a refused submit: an object
	// of field → message.
	AnswerValidationErrors = "validation_errors"
	// ValidationCaptcha asks for the checkbox captcha, which then appears
	// inside the form.
	ValidationCaptcha = "captcha"
	// ValidationLocked is a locked account (inferred name; every other key
	// but captcha is taken as refused credentials).
	ValidationLocked = "locked"
	// ValidationCredentials is a wrong login ID or password (inferred name;
	// the driver does not depend on it).
	ValidationCredentials = "etc"
	// AnswerTwoFactor is the body key of an answer that asks for a TOTP
	// code (inferred).
	AnswerTwoFactor = "two_factor_authentication"
	// AnswerEmailCode is the body key of an answer that says a code was
	// e-mailed (inferred).
	AnswerEmailCode = "email_verification"
)

// Selectors of the accounts pages, as working tools use them.
const (
	UsernameInput = `input[autocomplete^='username']`
	PasswordInput = `input[autocomplete^='current-password']`
	SubmitButton  = `button[type=submit]`
	// Clickable matches what a page may draw a button as.
	Clickable = `button, [role=button], a, input[type=submit], input[type=button]`
	// CodeInput is the field of a one-time code, TOTP or e-mailed.
	CodeInput = `input[autocomplete='one-time-code']`
	OTPInput  = CodeInput

	// RecaptchaHost serves reCAPTCHA's frames; RecaptchaFrame matches them.
	// Every login page holds the invisible score frame (size=invisible) in
	// a small fixed badge; only a frame without size=invisible, outside
	// the badge and big enough to click, is a challenge for a person.
	RecaptchaHost       = "www.google.com"
	RecaptchaAnchorPath = "/recaptcha/enterprise/anchor"
	RecaptchaFrame      = `iframe[src*='/recaptcha/']`
	RecaptchaInvisible  = "size=invisible"
	RecaptchaBadge      = `.grecaptcha-badge`

	// CloudflareBlocked matches Cloudflare's "Sorry, you have been blocked"
	// page, which Pixiv's hosts answer a blocked client with.
	CloudflareBlocked = `#cf-error-details, .cf-error-details`

	// CloudflareChallenge matches Cloudflare's "Just a moment..." check (a
	// script, often with a Turnstile box), which a headless browser rarely
	// passes.
	CloudflareChallenge = `#challenge-running, #challenge-stage, #challenge-form, #cf-challenge-running, .cf-browser-verification, .cf-turnstile, script[src*='/cdn-cgi/challenge-platform/']`
)

// ContinueLabels are labels of the account selection button. Only zh is
// confirmed; the others are what the driver tries first before the page's
// only primary button and, last, a POST from init-config.
func ContinueLabels() []string {
	return []string{"继续使用此账号", "Continue using this account",
		"このアカウントで続ける", "繼續使用此帳號", "이 계정으로 계속하기"}
}

// SkipLabels are the labels of the buttons that put off a passkey or
// two-factor setup prompt after the password. The first four are
// confirmed.
func SkipLabels() []string {
	return []string{"Remind me later", "Skip", "あとで", "スキップ", "稍后提醒我", "跳过", "稍後提醒我", "略過", "나중에", "건너뛰기"}
}

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

	// RetiredGrantMessage starts the message Pixiv answers the retired
	// password grant with: "Invalid grant_type parameter or parameter
	// missing". Only the start is matched, so that a rewording of its tail
	// still reads as "retired".
	RetiredGrantMessage = "Invalid grant_type"
)

// Form fields that every token request sends besides the client credentials
// and its grant's own fields, with the values the Android app sends. The
// password grant sent get_secure_url=true instead of 1.
const (
	IncludePolicyField = "include_policy"
	IncludePolicy      = "true"
	GetSecureURLField  = "get_secure_url"
	GetSecureURL       = "1"
	// PasswordGetSecureURL is get_secure_url as the password grant sent it.
	PasswordGetSecureURL = "true"
	DeviceTokenField     = "device_token"
)

// Headers of token requests besides the user agent.
const (
	// ClientTimeHeader carries the time of the request, written with
	// ClientTimeLayout in UTC.
	ClientTimeHeader = "X-Client-Time"
	// ClientHashHeader carries hex md5(X-Client-Time + HashSecret).
	ClientHashHeader = "X-Client-Hash"
	// ClientTimeLayout is RFC 3339 with a numeric zone, as the app writes
	// it ("2021-02-13T08:00:00+00:00").
	ClientTimeLayout = "2006-01-02T15:04:05-07:00"
	// AcceptLanguage asks for English messages, since the retired grant is
	// recognised by its English message (inferred: Pixiv localises API
	// messages by this header in its other app endpoints).
	AcceptLanguage = "en-us"
)

// CodeTTLSeconds is about how long an authorization code lives: the code is
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
//
// reCAPTCHA's host goes to addr too: a double serves the frames every login
// page loads.
func HostResolverRules(addr string) string {
	return "MAP *.pixiv.net " + addr + ", MAP pixiv.net " + addr + ", MAP " + RecaptchaHost + " " + addr +
		", MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
}

// Parameters of the browser flow that are Pixiv's own (the OAuth ones,
// code, state and so on, are RFC 6749's).
const (
	// CodeChallengeMethod is the PKCE method of the flow; Pixiv takes no other.
	CodeChallengeMethod = "S256"

	// ReturnToParam carries R, the URL the accounts pages send the browser
	// on to once someone is logged in (see [StartURLFor]).
	ReturnToParam = "return_to"

	// CSRFParam is the account selection page's CSRF token, which the page
	// also holds in a script as pixivAccount.tt; "Continue using this
	// account" posts it to AccountSelectedPath with return_to.
	CSRFParam = "tt"

	// ViaParam=ViaLogin is what post-redirect adds to start's URL; start
	// takes only a POST that carries it.
	ViaParam = "via"
	ViaLogin = "login"

	// LangParam picks the accounts pages' language (en, ja, zh, zh-tw, ko).
	LangParam = "lang"
)

// AccountsOrigin is the Origin of every POST the accounts pages make.
const AccountsOrigin = "https://" + AccountsHost

// Default profile pictures: what the token endpoint's user carries for an
// account that has not set one (inferred from answers seen in the wild).
const (
	NoProfileImage16  = "https://s.pximg.net/common/images/no_profile_ss.png"
	NoProfileImage50  = "https://s.pximg.net/common/images/no_profile_s.png"
	NoProfileImage170 = "https://s.pximg.net/common/images/no_profile.png"
)

// challengeQuery is the query of LoginURL and StartURL, in Pixiv's order
// (url.Values would sort it).
func challengeQuery(challenge string) string {
	return "code_challenge=" + url.QueryEscape(challenge) +
		"&code_challenge_method=" + CodeChallengeMethod + "&client=" + ClientName
}

// LoginURLFor returns the URL that starts the browser flow for a PKCE code
// challenge (S256).
func LoginURLFor(challenge string) string {
	return LoginURL + "?" + challengeQuery(challenge)
}

// StartURLFor returns R for a code challenge: the return_to that LoginURL
// puts on the accounts login page, and where post-redirect finally sends the
// browser.
func StartURLFor(challenge string) string {
	return StartURL + "?" + challengeQuery(challenge)
}

// AccountsLoginURLFor returns the accounts login page that LoginURL
// redirects to, with returnTo as its return_to.
func AccountsLoginURLFor(returnTo string) string {
	return AccountsLoginURL + "?prompt=select_account&" + ReturnToParam + "=" + url.QueryEscape(returnTo) +
		"&source=" + ClientName + "&view_type=page&ref="
}

// AppCallbackURLFor returns where the callback sends the browser with a code:
// AppCallbackURL?code=CODE&via=login.
func AppCallbackURLFor(code string) string {
	return AppCallbackURL + "?code=" + url.QueryEscape(code) + "&via=login"
}

// Headers of the Chromium that the browserless login stands in for: the
// same major version as the Chromium that pixivauth tests with, its reduced
// User-Agent (minor versions zero, as Chrome sends since version 101) and
// the client hints that capture's headless browser sends.
const (
	// ChromeMajor is the Chromium version the headers claim.
	ChromeMajor = "156"

	// BrowserUserAgentFormat is Chrome's reduced user agent; %s is the
	// platform part, one of the BrowserPlatform* values.
	BrowserUserAgentFormat = "Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + ChromeMajor + ".0.0.0 Safari/537.36"
	BrowserPlatformLinux   = "X11; Linux x86_64"
	BrowserPlatformMac     = "Macintosh; Intel Mac OS X 10_15_7"
	BrowserPlatformWindows = "Windows NT 10.0; Win64; x64"

	// SecCHUA is the Sec-CH-UA brand list, in the order Chromium sends it.
	SecCHUA = `"Chromium";v="` + ChromeMajor + `", "Not_A Brand";v="24"`
	// SecCHUAMobile is Sec-CH-UA-Mobile of a desktop browser.
	SecCHUAMobile = "?0"

	// AcceptDocument is what Chromium accepts for a page (a navigation).
	AcceptDocument = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	// BrowserAcceptLanguage is an English-speaking person's Chromium.
	BrowserAcceptLanguage = "en-US,en;q=0.9"
)

// Markers of Cloudflare's answers in a page's HTML or headers: its block
// page, and its "Just a moment..." challenge, which only a browser can pass.
const (
	CloudflareBlockMarker     = "cf-error-details"
	CloudflareChallengeMarker = "/cdn-cgi/challenge-platform/"
	CloudflareChallengeTitle  = "Just a moment..."
	// CloudflareMitigatedHeader is "challenge" on a challenge answer.
	CloudflareMitigatedHeader = "Cf-Mitigated"
	CloudflareRayHeader       = "Cf-Ray"
)

// Other cookies Pixiv sets beside the session.
const (
	// DeviceTokenCookie is set beside PHPSESSID.
	DeviceTokenCookie = "device_token"
)
