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
	if err := p.SaveToken(context.Background(), alice); err != nil {
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
	err = p.SaveToken(context.Background(), &bob)
	fmt.Println(errors.Is(err, store.ErrOtherUser))
	fmt.Println(err)
	// Output:
	// Alice 2026-01-02T16:04:05Z -rw-------
	// true
	// store: the token is another user's: profile "default" holds the token of Alice (@alice, id 1), so this one, of Bob (@bob, id 2), was not saved (the profile belongs to another Pixiv user)
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
	if err := p.SaveToken(context.Background(), &exchange.Token{AccessToken: "stale", RefreshToken: "refresh"}); err != nil {
		fmt.Println(err)
		return
	}

	l, err := p.Lock(context.Background())
	if err != nil {
		fmt.Println(err) // reason.CacheBusy: another process held it until ctx ended
		return
	}
	defer l.Unlock()
	t, err := l.LoadToken() // re-read under the lock: another process may have refreshed
	if err != nil {
		fmt.Println(err) // ErrNoToken: a person must log in
		return
	}
	if !t.Valid(time.Now(), exchange.ExpiryLeeway) {
		t = refresh(t)
		if err := l.SaveToken(t); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(t.AccessToken)
	// Output:
	// fresh
}
