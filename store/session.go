package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// SessionVersion is the version of the session format this package writes
// and reads.
const SessionVersion = 1

// ErrNoSession means the profile holds no session: none was saved, it was
// deleted, or the file was corrupt and has been moved aside.
var ErrNoSession = errors.New("store: no saved session")

// Session is a browser's Pixiv session: its cookies, in the format of the
// package documentation.
type Session struct {
	// Version is SessionVersion.
	Version int `json:"version"`
	// SavedAt is when the session was saved.
	SavedAt time.Time `json:"saved_at"`
	// Cookies are the browser's cookies of pixiv.net and its subdomains.
	Cookies []Cookie `json:"cookies"`
}

// Cookie is a browser cookie. Its String method leaves the value out, so
// that logging one cannot leak a session.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Domain with a leading dot also matches its subdomains; without one,
	// the cookie is the host's alone.
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// Expires is zero for a session cookie, which lasts as long as the
	// browser does.
	Expires  time.Time `json:"expires,omitzero"`
	Secure   bool      `json:"secure,omitempty"`
	HTTPOnly bool      `json:"http_only,omitempty"`
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

// decodeSession reads the session format, returning a *corruptError when
// data is not in it.
func decodeSession(data []byte) (*Session, error) {
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, jsonReason(err)
	}
	switch {
	case s.Version > SessionVersion:
		return nil, fmt.Errorf("store: session format version %d is newer than this pixivauth knows (%d)", s.Version, SessionVersion)
	case s.Version < 1:
		return nil, &corruptError{"no version"}
	}
	for i, c := range s.Cookies {
		if c.Name == "" || c.Domain == "" {
			return nil, &corruptError{fmt.Sprintf("cookie %d has no name or no domain", i+1)}
		}
	}
	return &s, nil
}

// ParseSessionFile reads a session a person brings: the session format of
// the package documentation (as `pixivauth session export` prints it), or a
// Netscape cookies.txt ([ParseCookiesTxt]), told apart by the first
// non-space byte ('{' for JSON). Only Pixiv cookies are kept ([PixivOnly]);
// whether any of them is a live session is [Session.Live]'s to say. Errors
// never quote a cookie's value.
func ParseSessionFile(data []byte) (*Session, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		s, err := decodeSession(trimmed)
		var corrupt *corruptError
		if errors.As(err, &corrupt) {
			return nil, fmt.Errorf("store: session file: %s", corrupt.reason)
		}
		if err != nil {
			return nil, err
		}
		s.Cookies = PixivOnly(s.Cookies)
		return s, nil
	}
	cookies, err := ParseCookiesTxt(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &Session{Version: SessionVersion, Cookies: PixivOnly(cookies)}, nil
}

// LoadSession returns the profile's saved session, or [ErrNoSession]. Like
// [Profile.LoadToken], it repairs loose permissions and moves a corrupt file
// aside, with a warning.
func (p *Profile) LoadSession() (*Session, error) {
	var s *Session
	found, err := p.load(sessionFile, func(data []byte) (err error) {
		s, err = decodeSession(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoSession
	}
	return s, nil
}

// SaveSession writes s as the profile's session, holding the profile's lock:
// its Pixiv cookies only ([PixivOnly]), as SessionVersion, saved_at now. s
// itself is not changed. A session with no Pixiv cookie is refused. A caller
// that already holds the lock uses [Profile.SaveSessionLocked].
func (p *Profile) SaveSession(s *Session) error {
	return p.withLock("SaveSession", func() error { return p.SaveSessionLocked(s) })
}

// SaveSessionLocked is [Profile.SaveSession] for a caller that holds the
// profile's lock through this Profile value. Called without the lock, it
// fails.
func (p *Profile) SaveSessionLocked(s *Session) error {
	if err := p.checkHeld("SaveSessionLocked"); err != nil {
		return err
	}
	if s == nil {
		return errors.New("store: SaveSessionLocked with a nil session")
	}
	out := Session{Version: SessionVersion, SavedAt: p.store.now().UTC(), Cookies: PixivOnly(s.Cookies)}
	if len(out.Cookies) == 0 {
		return fmt.Errorf("store: not saving a session with no cookie of %s", strings.TrimPrefix(pixiv.CookieDomain, "."))
	}
	for i, c := range out.Cookies {
		if c.Name == "" {
			return fmt.Errorf("store: not saving a session whose cookie %d has no name", i+1)
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
	return p.writeAtomic(sessionFile, append(data, '\n'))
}
