package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/auth/authtest"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

type fixture struct {
	srv     *pixivtest.Server
	account pixivtest.Account
	store   *store.Store
	profile *store.Profile
	fake    *authtest.Coder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	a := pixivtest.DemoAccount()
	srv := pixivtest.New(pixivtest.WithAccount(a))
	t.Cleanup(srv.Close)
	s := &store.Store{Dir: filepath.Join(t.TempDir(), "config")}
	return &fixture{srv: srv, account: a, store: s, profile: newProfile(t, s),
		fake: &authtest.Coder{Server: srv, AccountID: a.ID}}
}

func newProfile(t *testing.T, s *store.Store) *store.Profile {
	t.Helper()
	p, err := s.Profile("default")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) config() auth.Config {
	return auth.Config{
		Coders:      []auth.Coder{f.fake},
		Client:      &exchange.Client{HTTPClient: f.srv.Client()},
		Profile:     f.profile,
		SaveSession: true,
		Timeout:     time.Minute,
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var steps []capture.StepName
	cfg := f.config()
	cfg.Input = auth.Input{Username: "u", Password: "p"}
	cfg.Progress = func(s capture.Step) { steps = append(steps, s.Name) }
	res, err := auth.Login(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	issued := f.srv.Issued()
	if len(issued) != 1 || issued[0].AccessToken != res.Token.AccessToken {
		t.Fatalf("token %q is not the one issued (%d issued)", res.Token.AccessToken, len(issued))
	}
	if !res.Saved || !res.SessionSaved || res.TokensAt.Before(res.CodeAt) {
		t.Errorf("result %+v", res)
	}
	cached, err := f.profile.LoadToken()
	if err != nil || cached.AccessToken != res.Token.AccessToken {
		t.Errorf("cache: %v", err)
	}
	if s, err := f.profile.LoadSession(); err != nil || len(s.Cookies) != 1 {
		t.Errorf("session: %v", err)
	}
	if in := f.fake.Inputs(); len(in) != 1 || in[0].Username != "u" || in[0].Password != "p" {
		t.Errorf("the coder was given %+v", in)
	}
	if out := f.fake.Outcomes(); len(out) != 1 || out[0] != nil {
		t.Errorf("the coder was told %v, want one nil outcome", out)
	}
	if f.fake.Open() != 0 {
		t.Error("the attempt was not closed")
	}
	if len(steps) != 1 || steps[0] != capture.StepTokensReceived {
		t.Errorf("steps %v", steps)
	}
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	expired := fmt.Errorf("%w: the session has expired: %w", capture.ErrNeedsPerson, reason.SessionExpired)
	tests := []struct {
		name      string
		setup     func(f *fixture)
		reason    reason.Reason
		tokenReqs int
		told      bool // Finish was told the outcome
	}{
		{"the coder needs a person", func(f *fixture) { f.fake.Err = expired }, reason.SessionExpired, 0, false},
		{"the browser does not start", func(f *fixture) {
			f.fake.StartErr = fmt.Errorf("%w: no browser: %w", capture.ErrBrowser, reason.BrowserMissing)
		}, reason.BrowserMissing, 0, false},
		{"the code is rejected", func(f *fixture) {
			f.srv.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 400,
				Body: `{"has_error":true,"errors":{"system":{"message":"Invalid authorization code","code":1508}},"error":"invalid_grant"}`})
		}, reason.Rejected, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tt.setup(f)
			res, err := auth.Login(t.Context(), f.config())
			if reason.Of(err) != tt.reason || res.Token != nil {
				t.Fatalf("Login: %v (reason %q), token %v; want reason %q and no token", err, reason.Of(err), res.Token, tt.reason)
			}
			if n := len(f.srv.TokenRequests()); n != tt.tokenReqs {
				t.Errorf("%d token requests, want %d", n, tt.tokenReqs)
			}
			if out := f.fake.Outcomes(); tt.told != (len(out) == 1 && out[0] != nil) {
				t.Errorf("the coder was told %v", out)
			}
			if _, err := f.profile.LoadToken(); !errors.Is(err, store.ErrNoToken) {
				t.Errorf("a failed login saved something: %v", err)
			}
			if f.fake.Open() != 0 {
				t.Error("the attempt was not closed")
			}
		})
	}
}

// A Coder that cannot do a login hands it to the next; any other failure
// ends the login.
func TestLoginFallsBack(t *testing.T) {
	t.Parallel()
	for _, fallBack := range []bool{true, false} {
		t.Run(fmt.Sprint("fall back ", fallBack), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			first := &authtest.Coder{Err: fmt.Errorf("cloudflare: %w", reason.Blocked)}
			if fallBack {
				first.Err = fmt.Errorf("the page is not understood: %w", auth.ErrFallBack)
			}
			cfg := f.config()
			cfg.Coders = []auth.Coder{first, f.fake}
			res, err := auth.Login(t.Context(), cfg)
			if fallBack && (err != nil || res.Token == nil || len(f.fake.Inputs()) != 1) {
				t.Errorf("Login: %v; the second coder ran %d times", err, len(f.fake.Inputs()))
			}
			if !fallBack && (!errors.Is(err, reason.Blocked) || len(f.fake.Inputs()) != 0) {
				t.Errorf("Login: %v; the second coder ran %d times, want 0", err, len(f.fake.Inputs()))
			}
		})
	}
}

// Tokens that cannot be saved come back all the same, with a SaveError
// that says why.
func TestLoginSaveFailures(t *testing.T) {
	t.Parallel()
	t.Run("another user's profile", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		other := &exchange.Token{AccessToken: "a", RefreshToken: "r", User: exchange.User{ID: "999", Name: "Other"}}
		if err := f.profile.SaveToken(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		res, err := auth.Login(t.Context(), f.config())
		var save *auth.SaveError
		if !errors.As(err, &save) || !errors.Is(err, reason.OtherUser) || res.Token == nil || res.Saved || res.SessionSaved {
			t.Fatalf("Login: %v; result %+v", err, res)
		}
		if _, err := f.profile.LoadSession(); !errors.Is(err, store.ErrNoSession) {
			t.Errorf("the other user's profile got this session: %v", err)
		}
	})
	t.Run("config dir is a file", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if err := os.WriteFile(f.store.Dir, []byte("a file"), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := auth.Login(t.Context(), f.config())
		if !errors.Is(err, reason.NotADirectory) || res.Token == nil {
			t.Fatalf("Login: %v; token %v", err, res.Token)
		}
	})
	t.Run("the lock is held", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		l, err := newProfile(t, f.store).Lock(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock()
		cfg := f.config()
		cfg.Timeout = time.Second
		start := time.Now()
		res, err := auth.Login(t.Context(), cfg)
		if !errors.Is(err, reason.CacheBusy) || res.Token == nil {
			t.Fatalf("Login: %v; token %v", err, res.Token)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("the login waited %s for the lock", took)
		}
	})
}

// The timeout bounds the whole login; a code caught at its very end still
// gets the floor for its exchange.
func TestLoginTimeout(t *testing.T) {
	t.Parallel()
	t.Run("no code", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.fake.Delay = 10 * time.Minute
		cfg := f.config()
		cfg.Timeout = 100 * time.Millisecond
		_, err := auth.Login(t.Context(), cfg)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Login: %v, want the deadline", err)
		}
	})
	t.Run("code caught after the timeout", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.fake.Delay = 300 * time.Millisecond
		cfg := f.config()
		cfg.Timeout = 100 * time.Millisecond
		// As the browser would: it keeps its own timer, so Login lets it
		// run a little past the timeout, and a code caught then counts.
		cfg.Coders = []auth.Coder{timedFake{f.fake}}
		res, err := auth.Login(t.Context(), cfg)
		if err != nil || res.Token == nil || !res.Saved {
			t.Errorf("Login: %v; result %+v", err, res)
		}
	})
	t.Run("exchange bounded", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.Inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true})
		cfg := f.config()
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		_, err := auth.Login(t.Context(), cfg)
		if !errors.Is(err, reason.Unreachable) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Login: %v", err)
		}
		if took := time.Since(start); took > auth.ExchangeFloor+10*time.Second {
			t.Errorf("a hanging exchange held the login for %s", took)
		}
	})
}

// cancelOnSend cancels a login's ctx the moment its token request is
// sent: a Ctrl-C while the exchange is under way.
type cancelOnSend struct {
	base   http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelOnSend) RoundTrip(r *http.Request) (*http.Response, error) {
	c.cancel()
	time.Sleep(50 * time.Millisecond) // the cancellation has spread
	return c.base.RoundTrip(r)
}

// TestExchangeOutlivesTheCaller: a login whose caller gives up (Ctrl-C)
// while the code's exchange is under way still reads Pixiv's answer, so
// that tokens Pixiv issued are not lost: Login returns them (their save,
// under a ctx that has ended, may fail).
func TestExchangeOutlivesTheCaller(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := f.config()
	cfg.Client = &exchange.Client{HTTPClient: &http.Client{Transport: cancelOnSend{base: f.srv.Client().Transport, cancel: cancel}}}
	res, err := auth.Login(ctx, cfg)
	issued := f.srv.Issued()
	if len(issued) != 1 {
		t.Fatalf("the double issued %d token sets", len(issued))
	}
	if res.Token == nil || res.Token.AccessToken != issued[0].AccessToken {
		t.Fatalf("Login: %+v, %v; want the tokens Pixiv issued, though the caller gave up", res.Token, err)
	}
	var save *auth.SaveError
	if err != nil && !errors.As(err, &save) {
		t.Errorf("Login: %v; want nil or a SaveError beside the tokens", err)
	}
}

// timedFake is the fake browser as an auth.OwnTimer, like the real one.
type timedFake struct{ *authtest.Coder }

func (timedFake) KeepsOwnTimer() {}

// timedCoder is a Coder that says it keeps its own timer.
type timedCoder struct{ auth.CodeFunc }

func (timedCoder) KeepsOwnTimer() {}

// TestCoderDeadline: a Coder gets the login's deadline itself, unless it
// keeps its own timer (the browser), which gets 2 s more to report it in
// its own words. The browserless login has no timer of its own: with the
// grace, a stalled answer ran 2 s past --timeout (seen in make soak).
func TestCoderDeadline(t *testing.T) {
	t.Parallel()
	const timeout = time.Minute
	errStop := errors.New("stop")
	tests := []struct {
		name  string
		coder func(auth.CodeFunc) auth.Coder
		grace time.Duration
	}{
		{"no timer of its own", func(f auth.CodeFunc) auth.Coder { return f }, 0},
		{"its own timer", func(f auth.CodeFunc) auth.Coder { return timedCoder{f} }, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var deadline time.Time
			var ok bool
			before := time.Now()
			cfg := f.config()
			cfg.Timeout = timeout
			cfg.Coders = []auth.Coder{tt.coder(func(ctx context.Context, _ string, _ []session.Cookie) (string, []session.Cookie, error) {
				deadline, ok = ctx.Deadline()
				return "", nil, errStop
			})}
			if _, err := auth.Login(t.Context(), cfg); !errors.Is(err, errStop) {
				t.Fatalf("Login: %v", err)
			}
			after := time.Now()
			// Login's clock starts between before and after.
			if want := before.Add(timeout + tt.grace); !ok || deadline.Before(want) || deadline.After(after.Add(timeout+tt.grace)) {
				t.Errorf("the Coder's deadline is %v (set: %v), want %v after the login's start", deadline.Sub(before), ok, timeout+tt.grace)
			}
		})
	}
}

func seedStale(t *testing.T, f *fixture) string {
	t.Helper()
	rt := f.srv.NewRefreshToken(f.account.ID)
	err := f.profile.SaveToken(t.Context(), &exchange.Token{AccessToken: "stale", RefreshToken: rt,
		Expiry: time.Now().Add(-time.Hour), User: exchange.User{ID: f.account.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// Ten Token calls at once make one refresh, each with a Profile value of
// its own as ten processes would have, or sharing one as the goroutines of
// a server would.
func TestTokenParallelRefreshesOnce(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("one shared Profile %v", shared), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			seedStale(t, f)
			one := newProfile(t, f.store)
			const n = 10
			results := make([]auth.TokenResult, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				p := one
				if !shared {
					p = newProfile(t, f.store)
				}
				wg.Go(func() {
					results[i], errs[i] = auth.Token(t.Context(), auth.TokenConfig{
						Client: &exchange.Client{HTTPClient: f.srv.Client()}, Profile: p})
				})
			}
			wg.Wait()
			refreshed := 0
			for i := range n {
				if errs[i] != nil || results[i].Token.AccessToken != results[0].Token.AccessToken {
					t.Errorf("run %d: %v", i, errs[i])
				}
				if results[i].Refreshed {
					refreshed++
				}
			}
			if got := len(f.srv.TokenRequests()); got != 1 || refreshed != 1 {
				t.Errorf("%d token requests and %d refreshes, want 1 and 1", got, refreshed)
			}
		})
	}
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	t.Run("no token", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		_, err := auth.Token(t.Context(), auth.TokenConfig{Client: &exchange.Client{HTTPClient: f.srv.Client()}, Profile: f.profile})
		if !errors.Is(err, reason.NoToken) {
			t.Errorf("Token: %v, want NoToken", err)
		}
		// Asking a profile that holds nothing makes nothing (no
		// directory with a lock file in it).
		if _, err := os.Stat(f.profile.Dir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the profile's directory after Token: %v", err)
		}
	})
	t.Run("config dir is a file", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if err := os.WriteFile(f.store.Dir, []byte("a file"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := auth.Token(t.Context(), auth.TokenConfig{Client: &exchange.Client{HTTPClient: f.srv.Client()}, Profile: f.profile})
		if !errors.Is(err, reason.NotADirectory) || errors.Is(err, reason.NoToken) {
			t.Errorf("Token: %v, want NotADirectory", err)
		}
		// With a refresh token given, it refreshes and reports the save.
		res, err := auth.Token(t.Context(), auth.TokenConfig{Client: &exchange.Client{HTTPClient: f.srv.Client()},
			Profile: f.profile, RefreshToken: f.srv.NewRefreshToken(f.account.ID)})
		var save *auth.SaveError
		if !errors.As(err, &save) || res.Token == nil {
			t.Errorf("Token with a refresh token: %v, %v", res.Token, err)
		}
	})
	t.Run("the lock is held", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		seedStale(t, f)
		l, err := newProfile(t, f.store).Lock(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err = auth.Token(ctx, auth.TokenConfig{Client: &exchange.Client{HTTPClient: f.srv.Client()}, Profile: f.profile})
		if !errors.Is(err, reason.CacheBusy) {
			t.Errorf("Token: %v, want CacheBusy", err)
		}
		if n := len(f.srv.TokenRequests()); n != 0 {
			t.Errorf("%d token requests without the lock", n)
		}
	})
	t.Run("a given refresh token names the account", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		err := f.profile.SaveToken(t.Context(), &exchange.Token{AccessToken: "cached", RefreshToken: "another",
			Expiry: time.Now().Add(time.Hour), User: exchange.User{ID: f.account.ID}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := auth.Token(t.Context(), auth.TokenConfig{Client: &exchange.Client{HTTPClient: f.srv.Client()},
			Profile: f.profile, RefreshToken: f.srv.NewRefreshToken(f.account.ID)})
		if err != nil || !res.Refreshed || res.Token.AccessToken == "cached" {
			t.Errorf("Token: %v, %+v", err, res)
		}
	})
}

// Save keeps the session with the token, under one lock.
func TestSave(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ck := f.srv.NewSession(f.account.ID)
	cookies := []session.Cookie{{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: "/"}}
	tok := &exchange.Token{AccessToken: "a", RefreshToken: "r", User: exchange.User{ID: f.account.ID}}
	if err := auth.Save(t.Context(), f.profile, tok, cookies); err != nil {
		t.Fatal(err)
	}
	if s, err := f.profile.LoadSession(); err != nil || len(s.Cookies) != 1 {
		t.Errorf("session: %v", err)
	}
}

// A one-call way to get the code, tried before the browser as the
// browserless session login will be, hands the login on when it cannot
// finish it.
func TestCodeFuncFirst(t *testing.T) {
	t.Parallel()
	for _, canFinish := range []bool{true, false} {
		t.Run(fmt.Sprint("can finish ", canFinish), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var gotCookies []session.Cookie
			first := auth.CodeFunc(func(ctx context.Context, loginURL string, cookies []session.Cookie) (string, []session.Cookie, error) {
				gotCookies = cookies
				if !canFinish {
					return "", nil, fmt.Errorf("the account selection page changed: %w", auth.ErrFallBack)
				}
				u, _ := url.Parse(loginURL)
				ck := f.srv.NewSession(f.account.ID)
				return f.srv.NewCode(f.account.ID, u.Query().Get("code_challenge")),
					[]session.Cookie{{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: "/"}}, nil
			})
			cfg := f.config()
			cfg.Input.Cookies = []session.Cookie{{Name: "PHPSESSID", Value: "v", Domain: ".pixiv.net", Path: "/"}}
			cfg.Coders = []auth.Coder{first, f.fake}
			res, err := auth.Login(t.Context(), cfg)
			if err != nil || res.Token == nil || !res.SessionSaved {
				t.Fatalf("Login: %v; result %+v", err, res)
			}
			if len(gotCookies) != 1 {
				t.Errorf("the first way was given %v", gotCookies)
			}
			if browserRan := len(f.fake.Inputs()) == 1; browserRan == canFinish {
				t.Errorf("the browser ran: %v, want %v", browserRan, !canFinish)
			}
		})
	}
}

// TestBrowserTakesTheLoginsSettings: an auth.Browser whose Options leave
// them unset gets the login's Timeout (the time left of it) and Logf: a
// library caller who sets Config.Timeout to 12 s gets a login that ends at
// 12 s naming its page, not at capture's default minute. Real Chromium (its
// headless shell), a page that never finishes loading. (TestWithConfig
// checks every setting Browser takes from the Config.)
func TestBrowserTakesTheLoginsSettings(t *testing.T) {
	t.Parallel()
	_, err := capture.FindBrowser("", false)
	testenv.Need(t, err == nil, fmt.Sprint(err))
	shell := testenv.HeadlessShell(t, capture.BrowserLocations(false), capture.BrowserLocations(true))
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	srv.Inject(pixivtest.EndpointAccountsLogin, pixivtest.Fault{Hang: true, Body: "<!doctype html><html><body><p>Loading…"})
	profile, err := (&store.Store{Dir: t.TempDir()}).Profile("default")
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	var mu sync.Mutex
	start := time.Now()
	_, err = auth.Login(t.Context(), auth.Config{
		Input: auth.Input{Username: pixivtest.DemoAccount().Username, Password: pixivtest.DemoAccount().Password},
		Coders: []auth.Coder{auth.Browser{Options: capture.Options{Browser: shell, Flags: srv.BrowserFlags(),
			TempDir: t.TempDir(), StallTimeout: time.Minute}}},
		Client:  &exchange.Client{HTTPClient: srv.Client()},
		Profile: profile,
		// Long enough for a browser to start and ask for the page on a
		// busy machine, short beside the browser's own default (1m).
		Timeout: 12 * time.Second,
		Logf: func(format string, args ...any) {
			mu.Lock()
			logged = append(logged, fmt.Sprintf(format, args...))
			mu.Unlock()
		},
	})
	took := time.Since(start)
	if !errors.Is(err, reason.Stalled) || !strings.Contains(err.Error(), "did not finish within 12s") ||
		!strings.Contains(err.Error(), pixiv.AccountsHost+pixiv.AccountsLoginPath) {
		t.Errorf("Login: %v; want the browser's own timeout, 12s, naming the page", err)
	}
	if took > 40*time.Second {
		t.Errorf("took %s with a 12s timeout", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(logged, func(l string) bool { return strings.HasPrefix(l, "starting the browser") }) {
		t.Errorf("Config.Logf did not get the browser's steps: %q", logged)
	}
}
