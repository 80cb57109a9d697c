package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/store"
)

func ExampleProfile_SaveToken() {
	dir, err := os.MkdirTemp("", "pixivauth-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s := &store.Store{Dir: filepath.Join(dir, "config")}
	p, err := s.Profile("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	alice := &exchange.Token{
		AccessToken: "access", RefreshToken: "refresh", TokenType: "bearer",
		Expiry: time.Date(2026, 1, 2, 16, 4, 5, 0, time.UTC),
		User:   exchange.User{ID: "1", Name: "Alice", Account: "alice"},
	}
	if err := p.SaveToken(alice); err != nil {
		fmt.Println(err)
		return
	}
	t, err := p.LoadToken()
	if err != nil {
		fmt.Println(err)
		return
	}
	fi, _ := os.Stat(filepath.Join(p.Dir(), "token.json"))
	fmt.Println(t.User.Name, t.Expiry.Format(time.RFC3339), fi.Mode())

	// A profile belongs to one user.
	bob := *alice
	bob.User = exchange.User{ID: "2", Name: "Bob", Account: "bob"}
	err = p.SaveToken(&bob)
	fmt.Println(errors.Is(err, store.ErrOtherUser))
	fmt.Println(err)
	// Output:
	// Alice 2026-01-02T16:04:05Z -rw-------
	// true
	// store: the token is another user's: profile "default" holds the token of Alice (@alice, id 1), so this one, of Bob (@bob, id 2), was not saved; keep it in a profile of its own with --profile NAME
}

// A read-refresh-write holds the profile's lock from the read to the write,
// so that two processes never spend the same refresh token.
func ExampleProfile_Lock() {
	dir, err := os.MkdirTemp("", "pixivauth-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	p, err := (&store.Store{Dir: dir}).Profile("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	// refresh stands for exchange's refresh through Pixiv.
	refresh := func(t *exchange.Token) *exchange.Token {
		fresh := *t
		fresh.AccessToken = "fresh"
		fresh.Expiry = t.Expiry.Add(time.Hour)
		return &fresh
	}
	if err := p.SaveToken(&exchange.Token{AccessToken: "stale", RefreshToken: "refresh"}); err != nil {
		fmt.Println(err)
		return
	}

	unlock, err := p.Lock(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer unlock()
	t, err := p.LoadToken() // re-read under the lock: another process may have refreshed
	if err != nil {
		fmt.Println(err) // ErrNoToken: a person must log in
		return
	}
	if !t.Valid(time.Now(), exchange.ExpiryLeeway) {
		t = refresh(t)
		if err := p.SaveTokenLocked(t); err != nil { // SaveToken would refuse: the lock is held
			fmt.Println(err)
			return
		}
	}
	fmt.Println(t.AccessToken)
	// Output:
	// fresh
}
