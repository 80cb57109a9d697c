package httplogin

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/session"
)

// jar is the login's one cookie jar: net/http/cookiejar decides what each
// request carries, and beside it jar keeps the session as session.Cookies
// (domain, path, expiry and flags, which cookiejar does not give back),
// updated by every Set-Cookie, to save after the login.
type jar struct {
	*cookiejar.Jar

	mu   sync.Mutex
	kept []session.Cookie
}

func newJar(cookies []session.Cookie) (*jar, error) {
	cj, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	j := &jar{Jar: cj}
	for _, c := range session.Unexpired(cookies, time.Now()) {
		host := strings.TrimPrefix(c.Domain, ".")
		hc := &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Expires: c.Expires,
			Secure: c.Secure, HttpOnly: c.HTTPOnly}
		if strings.HasPrefix(c.Domain, ".") {
			hc.Domain = host
		}
		if hc.Path == "" {
			hc.Path = "/"
		}
		cj.SetCookies(&url.URL{Scheme: "https", Host: host, Path: "/"}, []*http.Cookie{hc})
		j.kept = append(j.kept, c)
	}
	return j, nil
}

// SetCookies stores what an answer set, in both forms.
func (j *jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.Jar.SetCookies(u, cookies)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	for _, hc := range cookies {
		c := sessionCookie(u, hc, now)
		i := j.index(c)
		gone := hc.MaxAge < 0 || !c.Expires.IsZero() && !c.Expires.After(now)
		switch {
		case gone && i >= 0:
			j.kept = append(j.kept[:i], j.kept[i+1:]...)
		case gone:
		case i >= 0:
			j.kept[i] = c
		default:
			j.kept = append(j.kept, c)
		}
	}
}

// index is where a cookie with c's name, domain and path is kept, or -1.
func (j *jar) index(c session.Cookie) int {
	for i, k := range j.kept {
		if k.Name == c.Name && strings.EqualFold(k.Domain, c.Domain) && k.Path == c.Path {
			return i
		}
	}
	return -1
}

// cookies returns the session as it is now.
func (j *jar) cookies() []session.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return session.PixivOnly(append([]session.Cookie(nil), j.kept...))
}

// sessionCookie is a Set-Cookie of an answer from u as a browser stores it
// (RFC 6265 section 5.3): a Domain attribute makes a domain cookie
// (".pixiv.net"), none a host-only one; a missing Path is the directory of
// u's path; Max-Age wins over Expires.
func sessionCookie(u *url.URL, hc *http.Cookie, now time.Time) session.Cookie {
	c := session.Cookie{Name: hc.Name, Value: hc.Value, Domain: strings.ToLower(u.Hostname()), Path: hc.Path,
		Expires: hc.Expires, Secure: hc.Secure, HTTPOnly: hc.HttpOnly}
	if d := strings.TrimPrefix(strings.ToLower(hc.Domain), "."); d != "" {
		c.Domain = "." + d
	}
	if c.Path == "" || !strings.HasPrefix(c.Path, "/") {
		c.Path = "/"
		if i := strings.LastIndex(u.Path, "/"); i > 0 {
			c.Path = u.Path[:i]
		}
	}
	if hc.MaxAge > 0 {
		c.Expires = now.Add(time.Duration(hc.MaxAge) * time.Second).UTC().Truncate(time.Second)
	}
	switch hc.SameSite {
	case http.SameSiteLaxMode:
		c.SameSite = "Lax"
	case http.SameSiteStrictMode:
		c.SameSite = "Strict"
	case http.SameSiteNoneMode:
		c.SameSite = "None"
	}
	return c
}
