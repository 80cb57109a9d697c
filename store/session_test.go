package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/session"
)

// sessionCookie is a Pixiv session cookie expiring at expires.
func sessionCookie(expires time.Time) session.Cookie {
	return session.Cookie{
		Name: pixiv.SessionCookie, Value: "123_abc", Domain: pixiv.CookieDomain, Path: "/",
		Expires: expires, Secure: true, HTTPOnly: true, SameSite: "Lax",
	}
}

func TestSessionSaveLoad(t *testing.T) {
	s, w := newStore(t)
	p := newProfile(t, s, "default")
	if _, err := p.LoadSession(); !errors.Is(err, ErrNoSession) {
		t.Fatalf("LoadSession of an empty profile: %v", err)
	}
	pixivCookie := sessionCookie(testNow.Add(24 * time.Hour))
	in := &session.Session{Version: 7, SavedAt: time.Unix(1, 0), Cookies: []session.Cookie{
		{Name: "NID", Value: "google", Domain: ".google.com", Path: "/"},
		pixivCookie,
		{Name: "p_ab_id", Value: "1", Domain: ".pixiv.net", Path: "/"},
	}}
	orig := *in
	orig.Cookies = slices.Clone(in.Cookies)
	if err := p.SaveSession(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if in.Version != orig.Version || !in.SavedAt.Equal(orig.SavedAt) || !slices.Equal(in.Cookies, orig.Cookies) {
		t.Error("SaveSession changed its argument")
	}
	path := filepath.Join(p.Dir(), sessionFile)
	if got := mode(t, path); got != 0o600 && permsApply {
		t.Errorf("mode %04o, want 0600", got)
	}
	got, err := p.LoadSession()
	if err != nil {
		t.Fatal(err)
	}
	want := []session.Cookie{pixivCookie, {Name: "p_ab_id", Value: "1", Domain: ".pixiv.net", Path: "/"}}
	if got.Version != SessionVersion || !got.SavedAt.Equal(testNow) || !cookiesEqual(got.Cookies, want) {
		t.Errorf("loaded %+v; want version 1, saved at %v, cookies %v", got, testNow, want)
	}
	if !got.Live(testNow) {
		t.Error("the loaded session is not live")
	}

	// The file is the documented format: fields by their JSON names, no
	// expires for a session cookie.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Version int              `json:"version"`
		SavedAt string           `json:"saved_at"`
		Cookies []map[string]any `json:"cookies"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Version != 1 || raw.SavedAt != "2026-01-02T15:04:05Z" || len(raw.Cookies) != 2 {
		t.Fatalf("session file: %s", data)
	}
	wantKeys := map[string]any{
		"name": pixiv.SessionCookie, "value": "123_abc", "domain": pixiv.CookieDomain, "path": "/",
		"expires": "2026-01-03T15:04:05Z", "secure": true, "http_only": true, "same_site": "Lax",
	}
	if !mapsEqual(raw.Cookies[0], wantKeys) {
		t.Errorf("cookie in file: %v, want %v", raw.Cookies[0], wantKeys)
	}
	if want := map[string]any{"name": "p_ab_id", "value": "1", "domain": ".pixiv.net", "path": "/"}; !mapsEqual(raw.Cookies[1], want) {
		t.Errorf("cookie in file: %v, want %v", raw.Cookies[1], want)
	}
	if got := w.all(); len(got) != 0 {
		t.Errorf("warnings: %q", got)
	}

	// Nothing of Pixiv's: refused, and the saved session stays.
	if err := p.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{{Name: "NID", Value: "g", Domain: ".google.com", Path: "/"}}}); err == nil {
		t.Error("saved a session without a Pixiv cookie")
	}
	if err := p.SaveSession(context.Background(), nil); err == nil {
		t.Error("saved a nil session")
	}
	if _, err := p.LoadSession(); err != nil {
		t.Error(err)
	}
}

func cookiesEqual(a, b []session.Cookie) bool {
	return slices.EqualFunc(a, b, func(x, y session.Cookie) bool {
		if !x.Expires.Equal(y.Expires) {
			return false
		}
		x.Expires, y.Expires = time.Time{}, time.Time{}
		return x == y
	})
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestLoadSessionCorrupt(t *testing.T) {
	tests := []struct {
		name, content, reason string
	}{
		{"not JSON", "# Netscape HTTP Cookie File", "not valid JSON"},
		{"no version", `{"cookies":[]}`, "no version"},
		{"nameless cookie", `{"version":1,"cookies":[{"value":"` + secret + `","domain":".pixiv.net"}]}`, "cookie 1 has no name or no domain"},
		{"bad expiry", `{"version":1,"cookies":[{"name":"a","value":"v","domain":"d","expires":"` + secret + `"}]}`, "not in the expected format"},
		{"cookies not a list", `{"version":1,"cookies":{"name":"` + secret + `"}}`, `field "cookies" has the wrong type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := newStore(t)
			p := newProfile(t, s, "default")
			path := filepath.Join(p.Dir(), sessionFile)
			writeFile(t, path, []byte(tt.content), 0o600)
			if _, err := p.LoadSession(); !errors.Is(err, ErrNoSession) {
				t.Fatalf("LoadSession: %v, want ErrNoSession", err)
			}
			moved := path + ".corrupt-20260102T150405Z"
			if data, err := os.ReadFile(moved); err != nil || string(data) != tt.content {
				t.Errorf("moved-aside file: %v", err)
			}
			got := w.all()
			if len(got) != 1 || !strings.Contains(got[0], moved) || !strings.Contains(got[0], tt.reason) {
				t.Errorf("warnings %q, want one naming %s and %q", got, moved, tt.reason)
			}
			if strings.Contains(strings.Join(got, "\n"), secret) {
				t.Errorf("a warning holds the file's content: %q", got)
			}
		})
	}
	t.Run("newer version", func(t *testing.T) {
		// Written by a newer pixivauth: an error, and the file stays.
		s, w := newStore(t)
		p := newProfile(t, s, "default")
		path := filepath.Join(p.Dir(), sessionFile)
		writeFile(t, path, []byte(`{"version":2,"cookies":[]}`), 0o600)
		if _, err := p.LoadSession(); err == nil || errors.Is(err, ErrNoSession) || !strings.Contains(err.Error(), "version 2") {
			t.Errorf("LoadSession: %v", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Error(err)
		}
		if got := w.all(); len(got) != 0 {
			t.Errorf("warnings: %q", got)
		}
	})
}
