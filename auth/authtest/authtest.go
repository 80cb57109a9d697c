// Package authtest is a fake way to get a login's code, for tests of
// programs built on package auth (the pixivauth CLI among them): no
// browser, the code minted by a pixivtest double for the login's own PKCE
// challenge, so that the exchange, the store and everything after the code
// run for real. Tests about the browser use real Chromium instead.
//
//	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
//	fake := &authtest.Coder{Server: srv, AccountID: pixivtest.DemoAccount().ID}
//	res, err := auth.Login(ctx, auth.Config{Coders: []auth.Coder{fake}, Client: ...})
//
// To make a login fail as the browser would, set Err to an error with the
// reason it would carry, e.g.
//
//	fmt.Errorf("%w: the session has expired: %w", capture.ErrNeedsPerson, reason.SessionExpired)
package authtest

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/session"
)

// Coder is a fake [auth.Coder]. Its zero value is not usable: set Server
// and AccountID, or Err. It is safe for concurrent use.
type Coder struct {
	// Server mints the code and the session cookie.
	Server *pixivtest.Server
	// AccountID is the account that logs in.
	AccountID string
	// Err, if set, ends every login with it instead of a code.
	Err error
	// StartErr, if set, makes Start fail with it, as a browser that does
	// not start.
	StartErr error
	// Delay is how long the code takes to arrive; Code returns ctx's
	// cause if it ends first.
	Delay time.Duration
	// NoSession makes Finish return no cookies.
	NoSession bool

	mu       sync.Mutex
	inputs   []auth.Input
	outcomes []error
	open     int
}

// Start begins a fake login.
func (c *Coder) Start(ctx context.Context, loginURL string, in auth.Input) (auth.Attempt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inputs = append(c.inputs, in)
	if c.StartErr != nil {
		return nil, c.StartErr
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return nil, err
	}
	challenge := u.Query().Get("code_challenge")
	if challenge == "" {
		return nil, errors.New("authtest: the login URL has no code_challenge")
	}
	c.open++
	return &attempt{c: c, challenge: challenge}, nil
}

// Inputs returns what each login was started with, in order.
func (c *Coder) Inputs() []auth.Input {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]auth.Input(nil), c.inputs...)
}

// Outcomes returns the exchange errors that Finish was told, in order (nil
// for a login whose tokens arrived).
func (c *Coder) Outcomes() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.outcomes...)
}

// Open is the number of attempts started and not closed: zero once every
// login has ended as it should.
func (c *Coder) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

type attempt struct {
	c         *Coder
	challenge string
	closeOnce sync.Once
}

func (a *attempt) Code(ctx context.Context) (string, error) {
	if a.c.Delay > 0 {
		t := time.NewTimer(a.c.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}
	if a.c.Err != nil {
		return "", a.c.Err
	}
	return a.c.Server.NewCode(a.c.AccountID, a.challenge), nil
}

func (a *attempt) Finish(ctx context.Context, exchangeErr error) ([]session.Cookie, error) {
	a.c.mu.Lock()
	a.c.outcomes = append(a.c.outcomes, exchangeErr)
	a.c.mu.Unlock()
	if exchangeErr != nil || a.c.NoSession {
		return nil, nil
	}
	ck := a.c.Server.NewSession(a.c.AccountID)
	return []session.Cookie{{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: ck.Path,
		Expires: ck.Expires, Secure: ck.Secure, HTTPOnly: ck.HttpOnly}}, nil
}

func (a *attempt) Close() error {
	a.closeOnce.Do(func() {
		a.c.mu.Lock()
		a.c.open--
		a.c.mu.Unlock()
	})
	return nil
}
