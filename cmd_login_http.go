package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/httplogin"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// The browserless session login (issue 12): a headless login with a
// session tries plain HTTP first and starts a browser only when that meets
// something it does not expect; --no-browser never starts one.

// optNoBrowser forces the browserless login.
const optNoBrowser = "no-browser"

func noBrowserFlag() cli.Flag {
	return &cli.BoolFlag{Name: optNoBrowser,
		Usage: "log in with the session over plain HTTP only: never start (or look for) a browser"}
}

// checkNoBrowser refuses what --no-browser cannot do, before any request.
func checkNoBrowser(c *cli.Context) error {
	if !c.Bool(optNoBrowser) {
		return nil
	}
	for _, name := range []string{optUsername, optBrowserURL, optFallbackWindow, optBrowserProfile, optChooseAccount} {
		if c.IsSet(name) {
			return usageErrorf("--%s logs in with a session only, without a browser: it cannot be used with --%s", optNoBrowser, name)
		}
	}
	return nil
}

// httpFirst reports whether a login with opts tries the browserless path
// first: headless, with a session, and nothing that needs the browser (a
// username to type in, a browser to attach to).
func httpFirst(opts capture.Options) bool {
	return !opts.Visible && opts.Username == "" && opts.BrowserURL == "" && len(opts.Cookies) > 0
}

// sessionLogin is a login that may go without a browser: over HTTP when
// noBrowser or httpFirst, falling back to the browser (unless noBrowser)
// only when the HTTP path met an answer it does not expect.
func (o *options) sessionLogin(ctx context.Context, opts capture.Options, client *exchange.Client, noBrowser bool) (*exchange.Token, []session.Cookie, error) {
	if noBrowser || httpFirst(opts) {
		t, cookies, err := o.httpLogin(ctx, opts, client)
		var codeErr *browserlessError
		if !errors.As(err, &codeErr) {
			return t, cookies, err // tokens, or the exchange's own error
		}
		if noBrowser || !errors.Is(err, httplogin.ErrUnexpected) {
			return nil, nil, httpLoginError(ctx, codeErr.err)
		}
		o.logf("the browserless login met something it does not expect (%v); logging in with a browser instead", codeErr.err)
	}
	return o.browserLogin(ctx, opts, client)
}

// httpLogin logs in with opts.Cookies over HTTP and exchanges the code the
// moment it arrives. It reports the same steps as the browser login.
func (o *options) httpLogin(ctx context.Context, opts capture.Options, client *exchange.Client) (*exchange.Token, []session.Cookie, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = capture.DefaultHeadlessTimeout
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	o.logf("logging in with the session over HTTP, without a browser")
	// The token client's transport: the code exchange then reuses the
	// connection to oauth that authorize opened, a TLS handshake saved.
	hc := client.HTTPClient
	if hc == nil {
		hc = o.httpClient()
	}
	hl := &httplogin.Client{HTTP: hc, Logf: o.stepLogf(), LastFailureDir: opts.LastFailureDir}
	verifier := exchange.NewVerifier()
	code, cookies, err := hl.Code(lctx, exchange.LoginURL(verifier), opts.Cookies)
	if err != nil {
		return nil, nil, &browserlessError{err}
	}
	progress(opts, capture.StepCodeCaptured)
	xctx, xcancel := o.withTimeout()
	defer xcancel()
	t, err := client.Exchange(xctx, code, verifier)
	if err != nil {
		return nil, nil, err
	}
	progress(opts, stepTokensReceived)
	return t, cookies, nil
}

func progress(opts capture.Options, step string) {
	if opts.Progress != nil {
		opts.Progress(capture.Step{Name: step, Time: time.Now()})
	}
}

// httpLoginError gives the browserless login's error its exit status and
// the hint that names what to do.
func httpLoginError(ctx context.Context, err error) error {
	if ctx.Err() != nil && reason.Of(err) == "" {
		return err // interrupted: reported as the signal
	}
	switch reason.Of(err) {
	case reason.SessionExpired:
		return needsPersonf("%v: log in again with a window (`pixivauth login`), or give --%s with a password", err, optUsername)
	case reason.Rejected:
		return needsPersonf("%v: log in again", err)
	case reason.Blocked:
		return &exitError{code: exitUnavailable, err: fmt.Errorf("%w: try again later, or from another network", err)}
	case reason.Unreachable:
		return &exitError{code: exitUnavailable, err: fmt.Errorf("%w: check the network or --proxy, then try again", err)}
	case reason.Failing:
		return &exitError{code: exitUnavailable, err: fmt.Errorf("%w: try again later", err)}
	}
	return err
}

// browserlessError marks an error of the browserless login itself, before
// any code exchange.
type browserlessError struct{ err error }

func (e *browserlessError) Error() string { return e.err.Error() }
func (e *browserlessError) Unwrap() error { return e.err }
