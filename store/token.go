package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
)

// ErrNoToken means the profile holds no usable token: none was saved, it
// was deleted, or the file was corrupt and has been moved aside.
var ErrNoToken = errors.New("store: no cached token")

// ErrOtherUser is wrapped, with [reason.OtherUser], by the error of a save
// that would replace the token of one user with another's: a profile belongs
// to one user.
var ErrOtherUser = errors.New("store: the token is another user's")

// LoadToken returns the cached token, or [ErrNoToken]. It takes no lock
// (writes are atomic); to refresh, re-read under [Profile.Lock]. A cache
// file with loose permissions is repaired and a corrupt one moved aside,
// each with a warning (see [Store]).
func (p *Profile) LoadToken() (*exchange.Token, error) {
	var t *exchange.Token
	found, err := p.load(tokenFile, func(data []byte) (err error) {
		t, err = decodeToken(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoToken
	}
	return t, nil
}

func decodeToken(data []byte) (*exchange.Token, error) {
	var t exchange.Token
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, jsonReason(err)
	}
	// A refresh token alone is still worth something: the caller refreshes
	// with it (its access token is never valid), rather than lose it to
	// the corrupt pile.
	if t.RefreshToken == "" {
		return nil, &corruptError{"no refresh_token"}
	}
	return &t, nil
}

func checkToken(t *exchange.Token) error {
	switch {
	case t.AccessToken == "":
		return errors.New("no access_token")
	case t.RefreshToken == "":
		return errors.New("no refresh_token")
	}
	return nil
}

// SaveToken is [Locked.SaveToken] with the lock taken for the write:
// it waits for the lock until ctx is done (see [Profile.Lock]).
func (p *Profile) SaveToken(ctx context.Context, t *exchange.Token) error {
	return p.withLock(ctx, func(l *Locked) error { return l.SaveToken(t) })
}

// saveToken is SaveToken for a caller that holds the lock.
func (p *Profile) saveToken(t *exchange.Token) error {
	if t == nil {
		return errors.New("store: SaveToken with a nil token")
	}
	if err := checkToken(t); err != nil {
		return fmt.Errorf("store: not saving a token with %w", err)
	}
	old, err := p.LoadToken()
	if err != nil && !errors.Is(err, ErrNoToken) {
		return err
	}
	saved := *t
	if old != nil && old.User.ID != "" {
		switch {
		case t.User.ID == "" && t.RefreshToken == old.RefreshToken:
			// A refresh of the cached token whose answer names no user
			// is still that user's: keep what the profile knows of them.
			saved.User = old.User
		case t.User.ID == "":
			return fmt.Errorf("%w: profile %q holds the token of %s, so this one, which names no user, was not saved (%w)",
				ErrOtherUser, p.name, describeUser(old.User), reason.OtherUser)
		case old.User.ID != t.User.ID:
			return fmt.Errorf("%w: profile %q holds the token of %s, so this one, of %s, was not saved (%w)",
				ErrOtherUser, p.name, describeUser(old.User), describeUser(t.User), reason.OtherUser)
		}
	}
	// In whole seconds, as the token is printed (never later than Pixiv
	// said: a second's fraction is dropped, not rounded up).
	saved.Expiry = saved.Expiry.Truncate(time.Second)
	data, err := json.MarshalIndent(&saved, "", "  ")
	if err != nil {
		return fmt.Errorf("store: encode token: %w", err)
	}
	return p.writeAtomic(tokenFile, append(data, '\n'))
}

// describeUser names u for a person: "Name (@account, id 123)".
func describeUser(u exchange.User) string {
	switch {
	case u.Name != "" && u.Account != "":
		return fmt.Sprintf("%s (@%s, id %s)", u.Name, u.Account, u.ID)
	case u.Account != "":
		return fmt.Sprintf("@%s (id %s)", u.Account, u.ID)
	case u.Name != "":
		return fmt.Sprintf("%s (id %s)", u.Name, u.ID)
	}
	return "user id " + u.ID
}
