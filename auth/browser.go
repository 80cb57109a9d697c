package auth

import (
	"context"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/session"
)

// Browser gets the code with a real Chrome, through package capture: a
// window for a person (Options.Visible), or headless, acting as the person
// would with the session or credentials of the login's [Input].
type Browser struct {
	// Options say which browser and how; their LoginURL, Cookies,
	// Username, Password and TOTPSecret are set by Start from its
	// arguments.
	Options capture.Options
}

// KeepsOwnTimer marks Browser as an [OwnTimer]: capture ends the login at
// Options.Timeout, naming the page it was on.
func (Browser) KeepsOwnTimer() {}

// withConfig is b with what cfg says of the whole login, where b's Options
// leave it unset: the time left of cfg.Timeout (from deadline), the
// profile's last-failure directory for a headless login, and cfg's Logf
// and Progress.
func (b Browser) withConfig(cfg Config, deadline time.Time) Browser {
	if b.Options.Timeout == 0 && !deadline.IsZero() {
		// Never zero or less, which would be capture's default.
		// Rounded, so that a message names the timeout given (3s, not
		// 2.99998s).
		b.Options.Timeout = max(time.Until(deadline).Round(100*time.Millisecond), time.Millisecond)
	}
	if b.Options.LastFailureDir == "" && cfg.Profile != nil && !b.Options.Visible {
		b.Options.LastFailureDir = cfg.Profile.LastFailureDir()
	}
	if b.Options.Logf == nil {
		b.Options.Logf = cfg.Logf
	}
	if b.Options.Progress == nil {
		b.Options.Progress = cfg.Progress
	}
	return b
}

// Start starts the browser and opens the login page.
func (b Browser) Start(ctx context.Context, loginURL string, in Input) (Attempt, error) {
	opts := b.Options
	opts.LoginURL = loginURL
	opts.Cookies = in.Cookies
	opts.Username, opts.Password, opts.TOTPSecret = in.Username, in.Password, in.TOTPSecret
	l, err := capture.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	return browserAttempt{l}, nil
}

type browserAttempt struct{ l *capture.Login }

func (a browserAttempt) Code(ctx context.Context) (string, error) { return a.l.Code(ctx) }

func (a browserAttempt) Finish(ctx context.Context, exchangeErr error) ([]session.Cookie, error) {
	// The window says "finishing…" until now: it shows the outcome, for a
	// moment, before Close shuts it (issue 9.6).
	a.l.Finish(ctx, exchangeErr)
	if exchangeErr != nil {
		return nil, nil
	}
	return a.l.Cookies(ctx)
}

func (a browserAttempt) Close() error { return a.l.Close() }

// CodeFunc is a way to get the code in one call, with no browser to watch or
// close: given the login URL and the session's cookies, it returns the code
// and the session's cookies after the login. A function of the caller's
// becomes a Coder as auth.CodeFunc(f), to go before the browser in
// Config.Coders; its error wraps [ErrFallBack] when the browser should try
// instead. (The browserless session login of package httplogin is
// [HTTPSession].)
type CodeFunc func(ctx context.Context, loginURL string, cookies []session.Cookie) (code string, after []session.Cookie, err error)

// Start runs f at once; the Attempt hands over what it returned.
func (f CodeFunc) Start(ctx context.Context, loginURL string, in Input) (Attempt, error) {
	code, after, err := f(ctx, loginURL, in.Cookies)
	return funcAttempt{code: code, cookies: after, err: err}, nil
}

type funcAttempt struct {
	code    string
	cookies []session.Cookie
	err     error
}

func (a funcAttempt) Code(context.Context) (string, error) { return a.code, a.err }

func (a funcAttempt) Finish(_ context.Context, exchangeErr error) ([]session.Cookie, error) {
	if exchangeErr != nil {
		return nil, nil
	}
	return a.cookies, nil
}

func (funcAttempt) Close() error { return nil }
