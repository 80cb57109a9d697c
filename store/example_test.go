package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/store"
)

func ExampleParseCookiesTxt() {
	// As a browser extension, yt-dlp or gallery-dl writes it.
	const cookiesTxt = "# Netscape HTTP Cookie File\n" +
		"#HttpOnly_.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123456_AbCdEf\n" +
		"www.pixiv.net\tFALSE\t/\tFALSE\t0\ta_type\t0\n"
	cookies, err := store.ParseCookiesTxt(strings.NewReader(cookiesTxt))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cookies {
		fmt.Println(c.Name, c.Domain, c.Expires.Format(time.RFC3339), c.HTTPOnly)
	}

	// An error names the line and what is wrong, never a value.
	_, err = store.ParseCookiesTxt(strings.NewReader("# Netscape HTTP Cookie File\n" +
		".pixiv.net\tTRUE\t/\tTRUE\tnever\tPHPSESSID\t123456_AbCdEf\n"))
	fmt.Println(err)
	// Output:
	// PHPSESSID .pixiv.net 2026-01-02T15:04:05Z true
	// a_type www.pixiv.net 0001-01-01T00:00:00Z false
	// cookies.txt line 2: the expiry field (5th) must be a Unix time in seconds, or 0 for a session cookie
}

func ExampleWriteCookiesTxt() {
	err := store.WriteCookiesTxt(os.Stdout, []store.Cookie{{
		Name: "PHPSESSID", Value: "123456_AbCdEf", Domain: ".pixiv.net", Path: "/",
		Expires: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), Secure: true, HTTPOnly: true,
	}})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Netscape HTTP Cookie File
	// # Written by pixivauth. Each line: domain, include subdomains, path, secure, expiry, name, value.
	//
	// #HttpOnly_.pixiv.net	TRUE	/	TRUE	1767366245	PHPSESSID	123456_AbCdEf
}

func ExampleParseSessionFile() {
	// The tool's own format, as `pixivauth session export` prints it.
	// Cookies of other sites are dropped.
	session, err := store.ParseSessionFile([]byte(`{
  "version": 1,
  "saved_at": "2026-01-02T15:04:05Z",
  "cookies": [
    {"name": "PHPSESSID", "value": "123456_AbCdEf", "domain": ".pixiv.net", "path": "/",
     "expires": "2026-02-01T15:04:05Z", "secure": true, "http_only": true, "same_site": "Lax"},
    {"name": "NID", "value": "x", "domain": ".google.com", "path": "/"}
  ]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(session.Cookies), session.Cookies[0])
	fmt.Println("live on Jan 10:", session.Live(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)))
	fmt.Println("live on Mar 1:", session.Live(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	// Output:
	// 1 PHPSESSID=… (domain .pixiv.net, path /)
	// live on Jan 10: true
	// live on Mar 1: false
}

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
