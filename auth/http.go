package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/httplogin"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// HTTPSession gets the code without a browser: a live session (the
// Input's Cookies) becomes a code with the six plain HTTP requests of
// package httplogin. It is the Coder to try first for a headless login
// with a session, with [Browser] after it:
//
//	Coders: []auth.Coder{auth.HTTPSession{FallBack: true}, auth.Browser{Options: opts}}
//
// The session Pixiv leaves (a rotated PHPSESSID, a new device_token) is
// what Finish returns, for saving.
type HTTPSession struct {
	// Client makes the requests; nil means a zero httplogin.Client (a
	// direct connection, the proxy of the environment).
	Client *httplogin.Client
	// FallBack hands the login on to the next Coder ([ErrFallBack]) when
	// the HTTP path meets an answer it does not expect
	// ([httplogin.ErrUnexpected]: a Cloudflare page, an unknown page), and
	// when there is no session to log in with. A dead session, a network
	// error or a server error end the login all the same: a browser would
	// meet them too.
	FallBack bool
	// Progress, if set, is told capture.StepCodeCaptured.
	Progress func(capture.Step)
}

// Start checks that in holds a session; the requests are made by Code.
func (h HTTPSession) Start(ctx context.Context, loginURL string, in Input) (Attempt, error) {
	if len(session.PixivOnly(in.Cookies)) == 0 {
		err := reason.Mark(errors.New("auth: a login without a browser needs a session, and none was given"), reason.NoSession)
		if h.FallBack {
			err = fmt.Errorf("%w: %w", err, ErrFallBack)
		}
		return nil, err
	}
	c := h.Client
	if c == nil {
		c = &httplogin.Client{}
	}
	return &httpAttempt{h: h, c: c, loginURL: loginURL, cookies: in.Cookies}, nil
}

type httpAttempt struct {
	h        HTTPSession
	c        *httplogin.Client
	loginURL string
	cookies  []session.Cookie // the session to log in with, then the one after
}

func (a *httpAttempt) Code(ctx context.Context) (string, error) {
	code, cookies, err := a.c.Code(ctx, a.loginURL, a.cookies)
	if err != nil {
		if a.h.FallBack && errors.Is(err, httplogin.ErrUnexpected) {
			return "", fmt.Errorf("%w (%w)", err, ErrFallBack)
		}
		return "", err
	}
	a.cookies = cookies
	if a.h.Progress != nil {
		a.h.Progress(capture.Step{Name: capture.StepCodeCaptured, Time: time.Now()})
	}
	return code, nil
}

func (a *httpAttempt) Finish(_ context.Context, exchangeErr error) ([]session.Cookie, error) {
	if exchangeErr != nil {
		return nil, nil
	}
	return a.cookies, nil
}

func (a *httpAttempt) Close() error { return nil }
