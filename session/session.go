package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Version is the version of the session format this package writes and
// reads.
const Version = 1

// Session is a browser's Pixiv session: its cookies, in the format of the
// package documentation.
type Session struct {
	// Version is [Version].
	Version int `json:"version"`
	// SavedAt is when the session was saved.
	SavedAt time.Time `json:"saved_at"`
	// Cookies are the browser's cookies of pixiv.net and its subdomains.
	Cookies []Cookie `json:"cookies"`
}

// Cookie is a browser cookie. Its String method leaves the value out, so
// that logging one cannot leak a session.
type Cookie struct {
	// Name and Value are the cookie's; Value is a secret for the session
	// cookie (PHPSESSID).
	Name  string `json:"name"`
	Value string `json:"value"`
	// Domain with a leading dot also matches its subdomains; without one,
	// the cookie is the host's alone.
	Domain string `json:"domain"`
	// Path is the path the cookie is sent on ("/").
	Path string `json:"path"`
	// Expires is zero for a session cookie, which lasts as long as the
	// browser does.
	Expires time.Time `json:"expires,omitzero"`
	// Secure sends it over HTTPS only; HTTPOnly hides it from page scripts.
	Secure   bool `json:"secure,omitempty"`
	HTTPOnly bool `json:"http_only,omitempty"`
	// SameSite is "Strict", "Lax", "None", or empty when unset.
	SameSite string `json:"same_site,omitempty"`
}

// String describes c without its value.
func (c Cookie) String() string {
	return fmt.Sprintf("%s=… (domain %s, path %s)", c.Name, c.Domain, c.Path)
}

// isPixiv reports whether c belongs to pixiv.net or a subdomain.
func (c Cookie) isPixiv() bool {
	return pixiv.IsPixivHost(strings.TrimPrefix(c.Domain, "."))
}

// PixivOnly returns the cookies of pixiv.net and its subdomains (with or
// without a leading dot), in their order: a session keeps no other site's.
func PixivOnly(cookies []Cookie) []Cookie {
	var kept []Cookie
	for _, c := range cookies {
		if c.isPixiv() {
			kept = append(kept, c)
		}
	}
	return kept
}

// Unexpired returns the cookies that have not expired at now, in their
// order; one without an expiry (a browser-session cookie) is kept. A
// browser loads no expired cookie, and one given after a live cookie of
// the same name would delete it: an export can hold both.
func Unexpired(cookies []Cookie, now time.Time) []Cookie {
	var kept []Cookie
	for _, c := range cookies {
		if c.Expires.IsZero() || c.Expires.After(now) {
			kept = append(kept, c)
		}
	}
	return kept
}

// Live reports whether s can still log a browser in: whether it holds a
// non-empty Pixiv session cookie (pixiv.SessionCookie) that has not expired
// at now. Pixiv can still end a live session on its side; only a login
// tells.
func (s *Session) Live(now time.Time) bool {
	if s == nil {
		return false
	}
	for _, c := range s.Cookies {
		if c.Name == pixiv.SessionCookie && c.Value != "" && c.isPixiv() &&
			(c.Expires.IsZero() || c.Expires.After(now)) {
			return true
		}
	}
	return false
}

// String describes s without any cookie's value.
func (s *Session) String() string {
	if s == nil {
		return "<nil session>"
	}
	names := make([]string, len(s.Cookies))
	for i, c := range s.Cookies {
		names[i] = c.Name
	}
	return fmt.Sprintf("session saved %s with cookies %s", s.SavedAt.Format(time.RFC3339), strings.Join(names, ", "))
}

// FormatError says why data is not in the session format. Its reason never
// quotes the data, which holds cookie values.
type FormatError struct {
	// Reason says what is wrong.
	Reason string
}

// Error returns the reason.
func (e *FormatError) Error() string { return e.Reason }

// JSONReason describes a JSON decoding error without quoting the input:
// encoding/json's own messages can hold a piece of it (a time that did not
// parse, say).
func JSONReason(err error) *FormatError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &FormatError{fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)}
	case errors.As(err, &typ) && typ.Field != "":
		return &FormatError{fmt.Sprintf("field %q has the wrong type", typ.Field)}
	}
	return &FormatError{"not in the expected format"}
}

// Decode reads the session format, returning a *[FormatError] when data is
// not in it, and another error when it is a newer version than this package
// knows.
func Decode(data []byte) (*Session, error) {
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, JSONReason(err)
	}
	switch {
	case s.Version > Version:
		return nil, fmt.Errorf("session format version %d is newer than this pixivauth knows (%d)", s.Version, Version)
	case s.Version < 1:
		return nil, &FormatError{"no version"}
	}
	for i, c := range s.Cookies {
		if c.Name == "" || c.Domain == "" {
			return nil, &FormatError{fmt.Sprintf("cookie %d has no name or no domain", i+1)}
		}
	}
	return &s, nil
}

// ParseFile reads a session a person brings, in any of three formats told
// apart by the first non-space byte: the session format of the package
// documentation ('{', as `pixivauth session export` prints it), the JSON
// array that the Cookie-Editor and EditThisCookie extensions export ('[',
// [ParseExtensionJSON]), or else a Netscape cookies.txt ([ParseCookiesTxt]);
// UTF-16 text is refused with [ErrUTF16].
// Only Pixiv cookies are kept ([PixivOnly]). A cookie exported from one Pixiv
// page can be host-only ("www.pixiv.net"), which a browser would not send
// to the login host: from the two foreign formats, each is widened to the
// whole of pixiv.net ([ForLogin]). Whether any of them is a live session is
// [Session.Check]'s to say. Errors never quote a cookie's value.
func ParseFile(data []byte) (*Session, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, ErrUTF16
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		s, err := Decode(trimmed)
		var format *FormatError
		if errors.As(err, &format) {
			return nil, fmt.Errorf("session file: %s", format.Reason)
		}
		if err != nil {
			return nil, err
		}
		s.Cookies = PixivOnly(s.Cookies)
		return s, nil
	case len(trimmed) > 0 && trimmed[0] == '[':
		cookies, err := ParseExtensionJSON(trimmed)
		if err != nil {
			return nil, fmt.Errorf("cookie extension JSON (Cookie-Editor, EditThisCookie): %w", err)
		}
		return &Session{Version: Version, Cookies: ForLogin(PixivOnly(cookies))}, nil
	}
	cookies, err := ParseCookiesTxt(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &Session{Version: Version, Cookies: ForLogin(PixivOnly(cookies))}, nil
}

// ErrUTF16 is why [ParseFile] refuses a file of UTF-16 text, as Windows
// PowerShell's > and Out-File write by default.
var ErrUTF16 = errors.New("the file is UTF-16 text (as PowerShell's > writes it): save it as UTF-8 (Out-File -Encoding utf8)")

// ForLogin returns Pixiv cookies so that a browser sends each of them to
// the login host (pixiv.AccountsHost): a cookie of another Pixiv host
// ("www.pixiv.net", host-only or not) gets the domain of all of pixiv.net,
// which is where Pixiv itself sets its session cookie. A widened cookie that
// would clash with one already sent there (same name and path) is dropped:
// the one Pixiv set for the login host wins. The order is kept.
func ForLogin(cookies []Cookie) []Cookie {
	type key struct{ name, path string }
	sent := map[key]bool{}
	for _, c := range cookies {
		if sentToAccounts(c.Domain) {
			sent[key{c.Name, c.Path}] = true
		}
	}
	var out []Cookie
	for _, c := range cookies {
		if !sentToAccounts(c.Domain) {
			k := key{c.Name, c.Path}
			if sent[k] {
				continue
			}
			sent[k] = true
			c.Domain = pixiv.CookieDomain
		}
		out = append(out, c)
	}
	return out
}

// sentToAccounts reports whether a browser sends a cookie of domain to the
// login host: a host-only cookie of that host, or a domain cookie of it or
// a domain above it.
func sentToAccounts(domain string) bool {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	host := pixiv.AccountsHost
	if wide, ok := strings.CutPrefix(d, "."); ok {
		return wide == host || strings.HasSuffix(host, "."+wide)
	}
	return d == host
}

// ErrNoSessionCookie is why a session without any Pixiv session cookie
// (pixiv.SessionCookie) cannot log a browser in; [ErrExpired] is why one
// whose session cookie has expired cannot.
var (
	ErrNoSessionCookie = errors.New("holds no " + pixiv.SessionCookie + " cookie, the one that keeps a Pixiv login")
	ErrExpired         = errors.New("has expired")
)

// Check says why s cannot log a browser in, or nil if [Session.Live]: an
// error that is [ErrNoSessionCookie] when s has no non-empty Pixiv session
// cookie at all (an export of the wrong site, or of a logged-out browser),
// and [ErrExpired], naming when, when it has only expired ones.
func (s *Session) Check(now time.Time) error {
	if s.Live(now) {
		return nil
	}
	var last time.Time
	found := false
	if s != nil {
		for _, c := range s.Cookies {
			if c.Name == pixiv.SessionCookie && c.Value != "" && c.isPixiv() {
				found = true
				if c.Expires.After(last) {
					last = c.Expires
				}
			}
		}
	}
	if !found {
		return ErrNoSessionCookie
	}
	return fmt.Errorf("%w: its %s cookie expired at %s", ErrExpired, pixiv.SessionCookie, last.UTC().Format(time.RFC3339))
}
