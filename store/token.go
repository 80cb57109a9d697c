package store

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pixivauth/pixivauth/exchange"
)

// ErrNoToken means the profile holds no usable token: none was saved, it
// was deleted, or the file was corrupt and has been moved aside.
var ErrNoToken = errors.New("store: no cached token")

// ErrOtherUser is wrapped by the error of a save that would replace the
// token of one user with another's: a profile belongs to one user.
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
	if err := checkToken(&t); err != nil {
		return nil, &corruptError{err.Error()}
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

// SaveToken writes t to the profile's cache, holding the profile's lock
// while it checks and writes. It refuses, with an error wrapping
// [ErrOtherUser], to replace a token of another user: when both tokens name
// their user and the IDs differ. A caller that already holds the lock uses
// [Profile.SaveTokenLocked].
func (p *Profile) SaveToken(t *exchange.Token) error {
	return p.withLock("SaveToken", func() error { return p.SaveTokenLocked(t) })
}

// SaveTokenLocked is [Profile.SaveToken] for a caller that holds the
// profile's lock through this Profile value, as a read-refresh-write does.
// Called without the lock, it fails.
func (p *Profile) SaveTokenLocked(t *exchange.Token) error {
	if err := p.checkHeld("SaveTokenLocked"); err != nil {
		return err
	}
	if t == nil {
		return errors.New("store: SaveTokenLocked with a nil token")
	}
	if err := checkToken(t); err != nil {
		return fmt.Errorf("store: not saving a token with %w", err)
	}
	old, err := p.LoadToken()
	if err != nil && !errors.Is(err, ErrNoToken) {
		return err
	}
	if old != nil && old.User.ID != "" && t.User.ID != "" && old.User.ID != t.User.ID {
		return fmt.Errorf("%w: profile %q holds the token of %s, so this one, of %s, was not saved; keep it in a profile of its own with --profile NAME",
			ErrOtherUser, p.name, describeUser(old.User), describeUser(t.User))
	}
	data, err := json.MarshalIndent(t, "", "  ")
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
