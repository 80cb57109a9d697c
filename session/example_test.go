package session_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/session"
)

func ExampleParseCookiesTxt() {
	// As a browser extension, yt-dlp or gallery-dl writes it.
	const cookiesTxt = "# Netscape HTTP Cookie File\n" +
		"#HttpOnly_.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123456_AbCdEf\n" +
		"www.pixiv.net\tFALSE\t/\tFALSE\t0\ta_type\t0\n"
	cookies, err := session.ParseCookiesTxt(strings.NewReader(cookiesTxt))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cookies {
		fmt.Println(c.Name, c.Domain, c.Expires.Format(time.RFC3339), c.HTTPOnly)
	}

	// An error names the line and what is wrong, never a value.
	_, err = session.ParseCookiesTxt(strings.NewReader("# Netscape HTTP Cookie File\n" +
		".pixiv.net\tTRUE\t/\tTRUE\tnever\tPHPSESSID\t123456_AbCdEf\n"))
	fmt.Println(err)
	// Output:
	// PHPSESSID .pixiv.net 2026-01-02T15:04:05Z true
	// a_type www.pixiv.net 0001-01-01T00:00:00Z false
	// cookies.txt line 2: the expiry field (5th) must be a Unix time in seconds, or 0 for a session cookie
}

func ExampleWriteCookiesTxt() {
	err := session.WriteCookiesTxt(os.Stdout, []session.Cookie{{
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

func ExampleParseFile() {
	// The tool's own format, as `pixivauth session export` prints it.
	// Cookies of other sites are dropped.
	s, err := session.ParseFile([]byte(`{
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
	fmt.Println(len(s.Cookies), s.Cookies[0])
	fmt.Println("live on Jan 10:", s.Live(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)))
	fmt.Println("live on Mar 1:", s.Live(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	// Output:
	// 1 PHPSESSID=… (domain .pixiv.net, path /)
	// live on Jan 10: true
	// live on Mar 1: false
}
