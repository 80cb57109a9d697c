package session

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// extensionCookie is one cookie of the JSON array that the Cookie-Editor
// and EditThisCookie browser extensions export (their fields are those of
// the browsers' chrome.cookies.Cookie): the way most people copy cookies
// out of a browser. Fields pixivauth does not need (storeId, id, session's
// twin expirationDate) are read where they say something and ignored
// otherwise.
type extensionCookie struct {
	Name   *string `json:"name"`
	Value  *string `json:"value"`
	Domain string  `json:"domain"`
	Path   string  `json:"path"`
	// ExpirationDate is Unix seconds with a fraction; absent (or with
	// Session true) for a session cookie.
	ExpirationDate *float64 `json:"expirationDate"`
	HostOnly       bool     `json:"hostOnly"`
	HTTPOnly       bool     `json:"httpOnly"`
	Secure         bool     `json:"secure"`
	Session        bool     `json:"session"`
	// SameSite is "no_restriction", "lax", "strict" or "unspecified"
	// (chrome.cookies), or null; some versions write Chrome's own "None",
	// "Lax", "Strict".
	SameSite *string `json:"sameSite"`
}

// extensionSameSite maps an extension's sameSite to [Cookie.SameSite].
var extensionSameSite = map[string]string{
	"no_restriction": "None",
	"none":           "None",
	"lax":            "Lax",
	"strict":         "Strict",
	"unspecified":    "",
	"":               "",
}

// ParseExtensionJSON reads the JSON array of cookies that the Cookie-Editor
// and EditThisCookie browser extensions export: per cookie name, value,
// domain, path, expirationDate (Unix seconds, absent for a session cookie),
// hostOnly, httpOnly, secure, session and sameSite. A cookie that is not
// host-only gets a domain with a leading dot ([Cookie.Domain]); a host-only
// one loses any dot. Cookies of every site are returned, in file order. An
// error is a *[FormatError] that never quotes the data, which holds cookie
// values.
func ParseExtensionJSON(data []byte) ([]Cookie, error) {
	var raw []extensionCookie
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, JSONReason(err)
	}
	cookies := make([]Cookie, 0, len(raw))
	for i, e := range raw {
		c, msg := e.cookie()
		if msg != "" {
			return nil, &FormatError{fmt.Sprintf("cookie %d %s", i+1, msg)}
		}
		cookies = append(cookies, c)
	}
	return cookies, nil
}

// cookie converts e, or says what is wrong with it (never quoting a value).
func (e extensionCookie) cookie() (Cookie, string) {
	switch {
	case e.Name == nil || *e.Name == "":
		return Cookie{}, "has no name"
	case e.Value == nil:
		return Cookie{}, "has no value"
	case hasControl(*e.Name) || hasControl(*e.Value) || hasControl(e.Path):
		return Cookie{}, "has a control character in its name, path or value"
	case !utf8.ValidString(*e.Name) || !utf8.ValidString(*e.Value) || !utf8.ValidString(e.Path):
		return Cookie{}, "is not valid UTF-8"
	}
	c := Cookie{Name: *e.Name, Value: *e.Value, Path: e.Path, Secure: e.Secure, HTTPOnly: e.HTTPOnly}
	c.Domain = strings.TrimPrefix(e.Domain, ".")
	if !validDomain(c.Domain) {
		return Cookie{}, "has an empty domain, or one with a space or a control character"
	}
	if !e.HostOnly {
		c.Domain = "." + c.Domain
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if !strings.HasPrefix(c.Path, "/") {
		return Cookie{}, "has a path that does not start with /"
	}
	if e.SameSite != nil {
		s, ok := extensionSameSite[strings.ToLower(*e.SameSite)]
		if !ok {
			return Cookie{}, "has a sameSite that is none of no_restriction, lax, strict and unspecified"
		}
		c.SameSite = s
	}
	if e.ExpirationDate != nil && !e.Session {
		d := *e.ExpirationDate
		switch {
		case math.IsNaN(d) || d < 0:
			return Cookie{}, "has an expirationDate that is not a Unix time"
		case d >= maxCookieExpiry:
			c.Expires = time.Unix(maxCookieExpiry, 0).UTC()
		case d >= 1:
			// Whole seconds, as cookies.txt keeps them.
			c.Expires = time.Unix(int64(d), 0).UTC()
		default:
			// Before 1970 and a second: expired long ago, not a session cookie.
			c.Expires = time.Unix(1, 0).UTC()
		}
	}
	return c, ""
}
