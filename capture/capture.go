// Package capture drives a real Chrome through Pixiv's login page and catches
// the authorization code the moment the browser asks for the callback URL.
//
// The code lives for seconds, so capture does not wait for pages to settle:
// it watches the DevTools Network domain, and the first
// Network.requestWillBeSent for the callback hands the code over, before the
// request has even left the browser.
//
//	verifier := exchange.NewVerifier()
//	l, err := capture.Start(ctx, capture.Options{LoginURL: exchange.LoginURL(verifier)})
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	code, err := l.Code(ctx)
//	if err != nil {
//		return err
//	}
//	tok, err := new(exchange.Client).Exchange(ctx, code, verifier)
//	l.Finish(ctx, err) // the window said "finishing…" until now
package capture

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/pixivauth/pixivauth/session"
)

// Options says which browser to use and how to log in.
type Options struct {
	// LoginURL is where the browser starts: exchange.LoginURL(verifier).
	LoginURL string

	// Browser is the path of the browser to start; empty finds one.
	Browser string
	// BrowserURL attaches to a running browser instead of starting one:
	// ws://… or http://host:9222. A Visible login there needs a browser
	// with a window: in a headless one, Start fails at once with
	// ErrBrowser (reason.HeadlessBrowser).
	BrowserURL string
	// Visible opens a window for a person; otherwise the browser is headless.
	Visible bool
	// ProfileDir is a persistent browser profile; empty uses a fresh
	// temporary one, removed when the login ends.
	ProfileDir string
	// TempDir is where temporary profiles are made; empty is os.TempDir().
	TempDir string
	// Flags are extra browser flags, such as those of pixivtest.Server.BrowserFlags.
	Flags map[string]any
	// Proxy is a proxy URL for the browser; with BrowserURL, for the
	// login's own browser context (the attached browser's setting stays).
	Proxy string

	// Cookies are loaded into the browser before it navigates: a stored or
	// imported session.
	Cookies []session.Cookie
	// Username and Password fill the login form when it shows; TOTPSecret
	// answers a one-time-code field (base32 or otpauth:// URI).
	Username, Password, TOTPSecret string
	// EmailCode, if set, is asked for the verification code Pixiv e-mails
	// when it wants one after the password (a terminal prompt, say).
	// Without it such a login ends with reason.EmailCode.
	EmailCode func(ctx context.Context) (string, error)
	// ChooseAccount leaves account selection to the person at a visible
	// window; otherwise a window with a stored session continues by
	// itself, as headless does.
	ChooseAccount bool

	// Timeout bounds the whole login; zero means 5 minutes with a window and
	// 60 seconds headless.
	Timeout time.Duration

	// StallTimeout is how long a headless login may stay on a page it has
	// nothing to do on before it ends with ErrStalled; zero means 15 s.
	StallTimeout time.Duration

	// Logf, if set, receives a line per step at -v: URLs without their query
	// values, never a code, token, password or cookie value.
	Logf func(format string, args ...any)
	// Progress, if set, is called at each step of the login, for timing.
	Progress func(Step)
	// LastFailureDir, if set, is where a headless run that meets a page it
	// does not understand saves a screenshot and the page's HTML (query
	// values removed), replacing what an earlier failure saved there. It is
	// made (0700) only when there is something to save.
	LastFailureDir string

	probe bool // Probe: start and stop the browser, no login
}

// Step is a moment of the login, reported through Options.Progress.
type Step struct {
	// Name is which moment it is.
	Name StepName
	// Time is when it happened.
	Time time.Time
}

// StepName is one of the moments of a login, in the order they happen.
type StepName int

// The steps reported through Options.Progress, and the one after them that
// the flow (package auth) reports once the code is exchanged.
const (
	StepBrowserStarted StepName = iota + 1
	StepLoginPage
	StepFormFilled
	StepContinue
	StepCodeCaptured
	StepTokensReceived
)

// String names the step for a person: "code captured".
func (s StepName) String() string {
	switch s {
	case StepBrowserStarted:
		return "browser started"
	case StepLoginPage:
		return "login page shown"
	case StepFormFilled:
		return "form submitted"
	case StepContinue:
		return "account selected"
	case StepCodeCaptured:
		return "code captured"
	case StepTokensReceived:
		return "tokens received"
	}
	return "step " + strconv.Itoa(int(s))
}

// Errors of a login. Each is wrapped by the error returned, with the detail;
// check them with errors.Is.
var (
	// ErrBrowser: the browser is missing, failed to start, crashed, was
	// closed, or there is no display for a window.
	ErrBrowser = errors.New("browser problem")
	// ErrNeedsPerson: the login cannot go on without a person: the session
	// expired, the password was wrong, a captcha or one-time code without a
	// secret, or a window login timed out waiting.
	ErrNeedsPerson = errors.New("a person must act")
	// ErrStalled: a headless login cannot go on because of Pixiv or the
	// network: a page did not load (a network error, a Cloudflare block),
	// Pixiv answered with an error, or the login stopped making progress on
	// a page it does not understand. Its text leads every such message, so
	// it names none of these causes.
	ErrStalled = errors.New("the login could not go on")
)
