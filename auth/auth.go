// Package auth is pixivauth's login flow as a library: what `pixivauth
// login` and `pixivauth token` do, for any Go program.
//
// [Login] composes the steps of a login: a session or credentials
// ([Input]), the ways to get the authorization code, tried in turn
// ([Coder]: [HTTPSession], six plain HTTP requests with a stored session,
// and [Browser], a real Chrome through package capture), the code exchange
// (package exchange) and the store (package store):
//
//	res, err := auth.Login(ctx, auth.Config{
//		Input:   auth.Input{Cookies: stored},              // or Username and Password
//		Coders:  []auth.Coder{auth.Browser{}},             // a headless Chrome
//		Client:  &exchange.Client{},
//		Profile: profile,                                  // nil saves nothing
//		SaveSession: true,
//		Timeout: time.Minute,                              // the whole login
//	})
//	var save *auth.SaveError
//	switch {
//	case errors.As(err, &save):
//		// res.Token is good: Pixiv issued it; only the cache is stale.
//	case err != nil:
//		return err // reason.Of(err) says why
//	}
//
// [Token] is get-or-refresh under the profile's lock: the cached access
// token while it has life left, else one refresh, which ten processes
// started together on one profile share.
//
// Errors carry a [reason.Reason] (from capture, exchange or store) that
// says why a login ended; they never name a command-line option, so a
// program adds its own hints.
//
// Against the pixivtest double (ExampleLogin), each way the login reaches
// Pixiv is pointed at it: a Browser's Options.Flags = srv.BrowserFlags(),
// the Client's HTTPClient = srv.Client(), and an HTTPSession's
// Client.HTTP = srv.Client(). One left out goes to the real Pixiv.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

// ExchangeFloor is the least time a caught code gets for its exchange, even
// when the login's timeout is (nearly) spent or the caller's ctx ends (a
// Ctrl-C): Pixiv has issued the code, and may be issuing the tokens, which
// are lost if nobody reads the answer. It is short, because the timeout is
// a promise too: a run ends within its timeout plus this (plus the
// browser's shutdown).
const ExchangeFloor = 2 * time.Second

// finishTimeout bounds telling the browser the outcome and reading its
// cookies after the exchange: a browser that no longer answers must not
// hold tokens already in hand.
const finishTimeout = 5 * time.Second

// coderGrace is how much longer than the login's timeout a Coder that keeps
// its own timer (the browser does, with a message that says what timed out
// and on which page) may take before Login's own deadline cuts it off: that
// Coder should be the one to report it. Any other Coder (the browserless
// login, a caller's) gets the deadline itself.
const coderGrace = 2 * time.Second

// OwnTimer is implemented by a Coder that ends its login at the login's
// timeout by itself, with a message of its own, as [Browser] does: [Login]
// then cuts it off only two seconds later, so that the Coder's message is
// the one the caller gets.
type OwnTimer interface {
	// KeepsOwnTimer marks the Coder; it does nothing.
	KeepsOwnTimer()
}

// Input is what a login is made with: a session, credentials, or both.
type Input struct {
	// Cookies are a stored or imported session to log in with.
	Cookies []session.Cookie
	// Username and Password fill the login form when it shows.
	Username, Password string
	// TOTPSecret answers a two-factor prompt (base32 or otpauth:// URI).
	TOTPSecret string
}

// A Coder is one way to get a login's authorization code: it takes Pixiv's
// login page at loginURL through to the callback with what in holds, and
// catches the code. [Browser] is the way with a real Chrome.
type Coder interface {
	// Start begins a login at loginURL. The Attempt it returns must be
	// closed, whatever happens next.
	Start(ctx context.Context, loginURL string, in Input) (Attempt, error)
}

// An Attempt is one login under way, from [Coder.Start] to Close.
type Attempt interface {
	// Code waits for the callback and returns its code, or the error that
	// ended the login. It never returns an empty code without an error.
	Code(ctx context.Context) (string, error)
	// Finish is told how the code's exchange ended (nil: the tokens are in
	// hand), so that whoever watches the login (a person at the window)
	// learns the outcome, and returns the session's Pixiv cookies after a
	// successful login, for saving (none after a failed one).
	Finish(ctx context.Context, exchangeErr error) ([]session.Cookie, error)
	// Close ends the attempt and frees what it holds: the browser, its
	// temporary profile.
	Close() error
}

// ErrFallBack is wrapped by the error of a Coder that could not get a code
// where another Coder might: [Login] then tries the next of [Config.Coders].
// Any other error ends the login.
var ErrFallBack = errors.New("this way to log in cannot finish the login")

// Config is one login.
type Config struct {
	// Input is the session and the credentials to log in with.
	Input

	// Coders are the ways to get the code, tried in order: the next one
	// only when the one before fails with an error wrapping [ErrFallBack].
	// This is the one place a new way plugs in: the browserless session
	// login ([HTTPSession], package httplogin) goes first for a headless
	// login with a session, with the browser after it:
	//
	//	Coders: []auth.Coder{auth.HTTPSession{FallBack: true}, auth.Browser{Options: opts}}
	//
	// Empty means a headless [Browser] with default options.
	Coders []Coder

	// Client exchanges the code; nil means a zero exchange.Client.
	Client *exchange.Client

	// Profile is where the tokens are saved, and the session if
	// SaveSession; nil saves nothing. A headless [Browser] without an
	// Options.LastFailureDir keeps what a failed login saw in the
	// profile's (store.Profile.LastFailureDir).
	Profile *store.Profile
	// SaveSession saves the session cookies the login ends with.
	SaveSession bool

	// Timeout bounds the whole login, from the browser's start to the
	// save; zero leaves it to ctx and the Coders' own timeouts. A
	// [Browser] whose Options.Timeout is zero gets what is left of it. The
	// code exchange gets what is left of it, and at least [ExchangeFloor].
	Timeout time.Duration

	// Progress, if set, is told each step of the login: a Coder's own
	// (a [Browser]'s through its Options.Progress, which is Progress
	// unless set), then capture.StepTokensReceived.
	Progress func(capture.Step)
	// Logf, if set, receives a line per step of the login, never a
	// secret: Login's own, and a [Browser]'s unless its Options.Logf is
	// set. An [HTTPSession] logs through its Client's Logf.
	Logf func(format string, args ...any)
}

// Result is what a login got.
type Result struct {
	// Token is what Pixiv issued.
	Token *exchange.Token
	// Cookies are the session after the login (Pixiv's cookies only).
	Cookies []session.Cookie
	// Saved reports that Token was saved in the profile, SessionSaved that
	// Cookies were.
	Saved, SessionSaved bool
	// CodeAt and TokensAt are when the code was caught and when the tokens
	// arrived: the exchange's latency is their difference.
	CodeAt, TokensAt time.Time
}

// SaveError is the error of a Login, [Token] or [Save] that has tokens
// Pixiv issued but could not save them all. The tokens come with it, and
// are good: they cannot be asked for again, so a program should deliver
// them all the same, and then report the error.
type SaveError struct {
	// Err is why: a store error, which may wrap reason.OtherUser (the
	// profile belongs to another user), reason.CacheBusy (another process
	// held the lock for as long as the run could wait) or
	// reason.NotADirectory.
	Err error
}

// Error says the tokens could not be saved, and why.
func (e *SaveError) Error() string { return "the tokens could not be saved: " + e.Err.Error() }

// Unwrap returns Err.
func (e *SaveError) Unwrap() error { return e.Err }

// Login runs one login as cfg says: gets a code, exchanges it at once (a
// code lives for seconds), tells the Coder the outcome, and saves the tokens
// and the session. A save that fails still returns the tokens, with a
// [*SaveError].
func Login(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	var deadline time.Time
	if cfg.Timeout > 0 {
		deadline = start.Add(cfg.Timeout)
	}
	coders := cfg.Coders
	if len(coders) == 0 {
		coders = []Coder{Browser{}}
	}
	var err error
	for i, c := range coders {
		if b, ok := c.(Browser); ok {
			c = b.withConfig(cfg, deadline)
		}
		var res Result
		res, err = loginWith(ctx, cfg, c, deadline)
		if err == nil || !errors.Is(err, ErrFallBack) || i == len(coders)-1 {
			if err != nil {
				return Result{}, err
			}
			return res, saveLogin(ctx, cfg, &res, deadline)
		}
		cfg.logf("%v; trying the next way to log in", err)
	}
	return Result{}, err
}

// loginWith gets a code with c and exchanges it.
func loginWith(ctx context.Context, cfg Config, c Coder, deadline time.Time) (Result, error) {
	codeCtx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		end := deadline
		if _, ok := c.(OwnTimer); ok {
			end = deadline.Add(coderGrace)
		}
		codeCtx, cancel = context.WithDeadline(ctx, end)
		defer cancel()
	}
	verifier := exchange.NewVerifier()
	att, err := c.Start(codeCtx, exchange.LoginURL(verifier), cfg.Input)
	if err != nil {
		return Result{}, err
	}
	defer att.Close()
	code, err := att.Code(codeCtx)
	if err == nil && code == "" {
		err = errors.New("auth: the login ended without a code")
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{CodeAt: time.Now()}

	// The exchange takes what is left of the login's time, but at least
	// the floor: the code is caught, and it is good for seconds only. It
	// outlives the caller's giving up (Ctrl-C) by up to the floor too:
	// Pixiv may be issuing the tokens that moment, and tokens issued but
	// never read are lost.
	xctx, xcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer xcancel()
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		xctx, cancel = context.WithDeadline(xctx, later(deadline, time.Now().Add(ExchangeFloor)))
		defer cancel()
	}
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(ExchangeFloor, xcancel) })
	defer stopGrace()
	client := cfg.Client
	if client == nil {
		client = &exchange.Client{}
	}
	tok, xerr := client.Exchange(xctx, code, verifier)
	if xerr == nil {
		res.Token, res.TokensAt = tok, time.Now()
		if cfg.Progress != nil {
			cfg.Progress(capture.Step{Name: capture.StepTokensReceived, Time: res.TokensAt})
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel) // still ends with the caller
	defer stop()
	cookies, ferr := att.Finish(fctx, xerr)
	if xerr != nil {
		return Result{}, xerr
	}
	if ferr != nil && cfg.SaveSession {
		cfg.logf("cannot read the browser's cookies, so its session is not saved: %v", ferr)
	}
	res.Cookies = session.PixivOnly(cookies)
	return res, nil
}

// saveLogin saves a login's tokens and, if cfg says so, its session, under
// one hold of the profile's lock, waited for no later than the login's
// deadline.
func saveLogin(ctx context.Context, cfg Config, res *Result, deadline time.Time) error {
	if cfg.Profile == nil {
		return nil
	}
	sctx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	var cookies []session.Cookie
	if cfg.SaveSession {
		cookies = res.Cookies
	}
	var err error
	res.Saved, res.SessionSaved, err = save(sctx, cfg.Profile, res.Token, cookies)
	if res.Saved {
		cfg.logf("saved the tokens in profile %q", cfg.Profile.Name())
	}
	if res.SessionSaved {
		cfg.logf("saved the session in profile %q", cfg.Profile.Name())
	}
	return err
}

// Save saves t in profile p, and the session cookies if there are any, under
// one hold of the profile's lock, waiting for it until ctx is done. A
// profile that holds another user's token keeps it, and keeps its session
// too. Any failure is a [*SaveError].
func Save(ctx context.Context, p *store.Profile, t *exchange.Token, cookies []session.Cookie) error {
	_, _, err := save(ctx, p, t, cookies)
	return err
}

func save(ctx context.Context, p *store.Profile, t *exchange.Token, cookies []session.Cookie) (saved, sessionSaved bool, err error) {
	l, err := p.Lock(ctx)
	if err != nil {
		return false, false, &SaveError{err}
	}
	defer l.Unlock()
	if err := l.SaveToken(t); err != nil {
		return false, false, &SaveError{err}
	}
	if len(session.PixivOnly(cookies)) == 0 {
		return true, false, nil
	}
	if err := l.SaveSession(&session.Session{Cookies: cookies}); err != nil {
		return true, false, &SaveError{fmt.Errorf("the session: %w", err)}
	}
	return true, true, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (cfg *Config) logf(format string, args ...any) {
	if cfg.Logf != nil {
		cfg.Logf(format, args...)
	}
}
