// Package reason names why a login or a token request ended without tokens,
// in words that do not depend on who asks: the browser driver, the
// browserless login, the token client and the store all wrap one of these
// reasons into the errors they return, and a program (the pixivauth CLI
// among them) decides from the reason alone what to tell the person and how
// to exit.
//
// A Reason is an error, so it is wrapped and checked like any sentinel:
//
//	return fmt.Errorf("the password was refused: %w", reason.WrongPassword)
//	...
//	if errors.Is(err, reason.WrongPassword) { … }
//	switch reason.Of(err) { … }
//
// The messages of the libraries never name a command-line option; the
// program that knows its options adds the hint.
package reason

import "errors"

// Reason is why something ended. Its Error method returns a short
// description.
type Reason string

// Error returns the reason's description.
func (r Reason) Error() string { return string(r) }

// The reasons. A person must act on the first group; Pixiv or the network on
// the second; the browser on the third; the token cache on the fourth.
const (
	// SessionExpired: the stored or imported session is no longer logged in
	// (Pixiv showed the login form, or init-config's userId is null).
	SessionExpired Reason = "the Pixiv session has expired"
	// NoCredentials: the login form showed and there was nothing to fill it with.
	NoCredentials Reason = "the login needs a username and password"
	// NoSession: a way to log in that works only with a session (the
	// browserless login) was given none.
	NoSession Reason = "the login needs a session"
	// WrongPassword: Pixiv refused the username or password.
	WrongPassword Reason = "Pixiv refused the username or password"
	// AccountLocked: Pixiv says the account is locked or suspended.
	AccountLocked Reason = "the Pixiv account is locked"
	// Captcha: Pixiv wants a visible reCAPTCHA solved.
	Captcha Reason = "Pixiv wants a captcha solved"
	// OneTimeCode: Pixiv wants a two-factor (TOTP) code and there is no secret.
	OneTimeCode Reason = "Pixiv wants a two-factor code"
	// WrongCode: Pixiv refused the two-factor code that was given.
	WrongCode Reason = "Pixiv refused the one-time code"
	// EmailCode: Pixiv e-mailed a verification code and nobody can type it.
	EmailCode Reason = "Pixiv e-mailed a verification code"
	// Rejected: Pixiv refused a token, code or grant (invalid_grant, 400).
	Rejected Reason = "Pixiv rejected the request"
	// TimedOut: a window login waited for the person until its time ran out.
	TimedOut Reason = "the login timed out waiting for the person"
	// NoToken: there is no token to use or refresh: none was given and the
	// cache holds none.
	NoToken Reason = "there is no token to refresh"
	// NoBrowserProfile: the desktop browser or profile to read cookies from
	// is not there.
	NoBrowserProfile Reason = "no such browser profile"
	// NoBrowserSession: the desktop browser's cookie store holds no Pixiv
	// session: nobody is logged in to pixiv.net in it.
	NoBrowserSession Reason = "the browser holds no Pixiv session"
	// BrowserStoreUnreadable: the desktop browser's cookie store, or the key
	// its cookies are encrypted with, cannot be read. The error says what
	// would let it be read; a cookies.txt exported from the browser is the
	// way past it that always works, and the program says how it takes one.
	BrowserStoreUnreadable Reason = "the browser's cookie store cannot be read"

	// Unreachable: Pixiv could not be reached (a network error).
	Unreachable Reason = "Pixiv is unreachable"
	// Blocked: Pixiv's Cloudflare front answered with a block or challenge page.
	Blocked Reason = "Pixiv's Cloudflare front blocked the request"
	// Failing: Pixiv answered with a server error, or with something that is
	// not what it should be.
	Failing Reason = "Pixiv is failing"
	// Stalled: a headless login stopped making progress on a page it does
	// not understand.
	Stalled Reason = "the login stopped making progress"

	// BrowserMissing: no browser was found, or the path is not a browser.
	BrowserMissing Reason = "no usable browser"
	// BrowserFailed: the browser failed to start or exited while starting.
	BrowserFailed Reason = "the browser failed to start"
	// BrowserCrashed: the browser or its page crashed, or was killed.
	BrowserCrashed Reason = "the browser crashed"
	// WindowClosed: the person closed the login window.
	WindowClosed Reason = "the login window was closed"
	// NoDisplay: a window was wanted and there is no display.
	NoDisplay Reason = "there is no display for a window"
	// HeadlessBrowser: a window was wanted in an attached browser that is
	// headless, where nobody could see it.
	HeadlessBrowser Reason = "the attached browser is headless"
	// ProfileInUse: the persistent browser profile is in use by another browser.
	ProfileInUse Reason = "the browser profile is in use by another browser"

	// CacheBusy: another process held the profile's lock for as long as the
	// caller could wait.
	CacheBusy Reason = "the cache is busy"
	// OtherUser: the profile holds another Pixiv user's token, which a save
	// does not replace.
	OtherUser Reason = "the profile belongs to another Pixiv user"
	// NotADirectory: a path where the config or profile directory should be
	// is something else, such as a regular file.
	NotADirectory Reason = "is not a directory"
)

// Mark returns an error whose message is err's and which is also r, for
// errors.Is and [Of]: for a message that already says in its own words what
// r says, so that it need not say it twice.
func Mark(err error, r Reason) error { return marked{err, r} }

type marked struct {
	err error
	r   Reason
}

func (m marked) Error() string   { return m.err.Error() }
func (m marked) Unwrap() []error { return []error{m.err, m.r} }

// Of returns the first Reason wrapped in err's chain, or "" when there is none.
func Of(err error) Reason {
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ""
}
