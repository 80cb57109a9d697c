package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/store"
)

// TokenConfig says where [Token] finds a token and how it refreshes one.
type TokenConfig struct {
	// Client refreshes; nil means a zero exchange.Client.
	Client *exchange.Client
	// Profile is the token cache; nil means none, and then RefreshToken is
	// needed.
	Profile *store.Profile
	// RefreshToken, if set, is the refresh token to use (a CI secret, say):
	// it names the account, so a cached access token is used only if it
	// came from this refresh token. Empty uses the cached one.
	RefreshToken string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logf, if set, receives a line per step, never a secret.
	Logf func(format string, args ...any)
}

// TokenResult is what [Token] returns.
type TokenResult struct {
	// Token is the access token to use, with its refresh token and user.
	Token *exchange.Token
	// Refreshed reports that Token is fresh from Pixiv, not the cache's.
	Refreshed bool
}

// Token returns a valid access token: the cached one while it has more than
// [exchange.ExpiryLeeway] of life left, else a fresh one from a refresh,
// saved in the cache. The refresh happens under the profile's lock, after a
// re-read of the cache, so that ten processes started together with a stale
// cache make one refresh between them: the others find the fresh token when
// the lock is theirs. Every wait for the lock ends with ctx: one that
// cannot get the lock in time fails with [reason.CacheBusy], having
// refreshed nothing.
//
// With no token to use or refresh the error wraps [reason.NoToken]. A cache
// that cannot be read (a file where the config directory should be) is an
// error of its own, not "no token" — unless RefreshToken is given: then the
// refresh goes ahead and the tokens come with a [*SaveError].
func Token(ctx context.Context, cfg TokenConfig) (TokenResult, error) {
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	usable := func(t *exchange.Token) bool {
		return t.Valid(now(), exchange.ExpiryLeeway) && (cfg.RefreshToken == "" || t.RefreshToken == cfg.RefreshToken)
	}
	p := cfg.Profile
	var cacheErr error
	var cached *exchange.Token
	if p != nil {
		cached, cacheErr = load(p.LoadToken)
		if usable(cached) {
			cfg.logf("the cached access token has %s left", cached.ExpiresIn(now()).Round(time.Second))
			return TokenResult{Token: cached}, nil
		}
	}
	// With nothing to refresh with there is nothing to save: a profile
	// that holds no token is not made (a lock file in a new directory) by
	// asking it for one.
	if p != nil && cacheErr == nil && cached == nil && cfg.RefreshToken == "" {
		return TokenResult{}, fmt.Errorf("no token: profile %q holds none: %w", p.Name(), reason.NoToken)
	}
	var lock *store.Locked
	if p != nil && cacheErr == nil {
		var err error
		lock, err = p.Lock(ctx)
		switch {
		case errors.Is(err, reason.CacheBusy):
			return TokenResult{}, err
		case err != nil:
			// No lock, no cache: refresh all the same, and say so at the end.
			cacheErr = err
		default:
			defer lock.Unlock()
			// Another process may have refreshed while this one waited.
			if cached, cacheErr = load(lock.LoadToken); usable(cached) {
				cfg.logf("another process refreshed the token meanwhile")
				return TokenResult{Token: cached}, nil
			}
		}
	}
	rt, from := cfg.RefreshToken, "the given refresh token"
	if rt == "" && cached != nil {
		rt, from = cached.RefreshToken, "the profile's cache"
	}
	switch {
	case rt == "" && cacheErr != nil:
		return TokenResult{}, cacheErr
	case rt == "" && p != nil:
		return TokenResult{}, fmt.Errorf("no token: profile %q holds none: %w", p.Name(), reason.NoToken)
	case rt == "":
		return TokenResult{}, fmt.Errorf("no token: no refresh token was given and there is no cache: %w", reason.NoToken)
	}
	cfg.logf("refreshing with %s", from)
	client := cfg.Client
	if client == nil {
		client = &exchange.Client{}
	}
	t, err := client.Refresh(ctx, rt)
	if err != nil {
		return TokenResult{}, err
	}
	res := TokenResult{Token: t, Refreshed: true}
	switch {
	case p == nil:
		return res, nil
	case cacheErr != nil:
		return res, &SaveError{cacheErr}
	}
	if err := lock.SaveToken(t); err != nil {
		return res, &SaveError{err}
	}
	cfg.logf("saved the tokens in profile %q", p.Name())
	return res, nil
}

// load reads the cache with fn: ErrNoToken is no token and no error.
func load(fn func() (*exchange.Token, error)) (*exchange.Token, error) {
	t, err := fn()
	if errors.Is(err, store.ErrNoToken) {
		return nil, nil
	}
	return t, err
}

func (cfg *TokenConfig) logf(format string, args ...any) {
	if cfg.Logf != nil {
		cfg.Logf(format, args...)
	}
}
