package auth

import (
	"context"

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
	// HARM: tell the window the outcome here, once capture has it:
	//	a.l.Finish(ctx, exchangeErr)
	// (issue 9.6: "finishing…" until the tokens are in hand, then success
	// or the failure in plain words).
	if exchangeErr != nil {
		return nil, nil
	}
	return a.l.Cookies(ctx)
}

func (a browserAttempt) Close() error { return a.l.Close() }
