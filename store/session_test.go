package store

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// sessionCookie is a Pixiv session cookie expiring at expires.
func sessionCookie(expires time.Time) Cookie {
	return Cookie{
		Name: pixiv.SessionCookie, Value: "123_abc", Domain: pixiv.CookieDomain, Path: "/",
		Expires: expires, Secure: true, HTTPOnly: true, SameSite: "Lax",
	}
}

func TestPixivOnly(t *testing.T) {
	tests := []struct {
		domain string
		kept   bool
	}{
		{".pixiv.net", true},
		{"pixiv.net", true},
		{"accounts.pixiv.net", true},
		{".accounts.pixiv.net", true},
		{"PIXIV.NET", true},
		{"pixiv.net.", true},
		{"notpixiv.net", false},
		{".notpixiv.net", false},
		{"pixiv.net.evil.example", false},
		{".google.com", false},
		{"", false},
	}
	var in, want []Cookie
	for _, tt := range tests {
		c := Cookie{Name: "c", Domain: tt.domain, Path: "/"}
		in = append(in, c)
		if tt.kept {
			want = append(want, c)
		}
	}
	if got := PixivOnly(in); !slices.Equal(got, want) {
		t.Errorf("PixivOnly kept %v, want %v", got, want)
	}
}

func TestSessionLive(t *testing.T) {
	now := testNow
	other := Cookie{Name: "device_token", Value: "x", Domain: pixiv.CookieDomain, Path: "/"}
	tests := []struct {
		name    string
		cookies []Cookie
		live    bool
	}{
		{"no cookies", nil, false},
		{"session cookie without expiry", []Cookie{sessionCookie(time.Time{})}, true},
		{"expires later", []Cookie{sessionCookie(now.Add(time.Hour))}, true},
		{"expired", []Cookie{sessionCookie(now.Add(-time.Second))}, false},
		{"expires now", []Cookie{sessionCookie(now)}, false},
		{"other cookies only", []Cookie{other}, false},
		{"expired and live", []Cookie{sessionCookie(now.Add(-time.Hour)), other, sessionCookie(now.Add(time.Hour))}, true},
		{"empty value", []Cookie{{Name: pixiv.SessionCookie, Domain: pixiv.CookieDomain, Path: "/"}}, false},
		{"other site's", []Cookie{{Name: pixiv.SessionCookie, Value: "x", Domain: ".example.com", Path: "/"}}, false},
		{"host-only domain", []Cookie{{Name: pixiv.SessionCookie, Value: "x", Domain: "www.pixiv.net", Path: "/"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{Version: 1, Cookies: tt.cookies}
			if got := s.Live(now); got != tt.live {
				t.Errorf("Live = %v, want %v", got, tt.live)
			}
		})
	}
	if (*Session)(nil).Live(now) {
		t.Error("a nil session is live")
	}
}

func TestSessionSaveLoad(t *testing.T) {
	s, w := newStore(t)
	p := newProfile(t, s, "default")
	if _, err := p.LoadSession(); !errors.Is(err, ErrNoSession) {
		t.Fatalf("LoadSession of an empty profile: %v", err)
	}
	pixivCookie := sessionCookie(testNow.Add(24 * time.Hour))
	in := &Session{Version: 7, SavedAt: time.Unix(1, 0), Cookies: []Cookie{
		{Name: "NID", Value: "google", Domain: ".google.com", Path: "/"},
		pixivCookie,
		{Name: "p_ab_id", Value: "1", Domain: ".pixiv.net", Path: "/"},
	}}
	orig := *in
	orig.Cookies = slices.Clone(in.Cookies)
	if err := p.SaveSession(in); err != nil {
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
	want := []Cookie{pixivCookie, {Name: "p_ab_id", Value: "1", Domain: ".pixiv.net", Path: "/"}}
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
	if err := p.SaveSession(&Session{Cookies: []Cookie{{Name: "NID", Value: "g", Domain: ".google.com", Path: "/"}}}); err == nil {
		t.Error("saved a session without a Pixiv cookie")
	}
	if err := p.SaveSession(nil); err == nil {
		t.Error("saved a nil session")
	}
	if _, err := p.LoadSession(); err != nil {
		t.Error(err)
	}
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

func cookiesEqual(a, b []Cookie) bool {
	return slices.EqualFunc(a, b, func(x, y Cookie) bool {
		if !x.Expires.Equal(y.Expires) {
			return false
		}
		x.Expires, y.Expires = time.Time{}, time.Time{}
		return x == y
	})
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

func TestParseSessionFile(t *testing.T) {
	pixivTxt := ".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n" +
		".google.com\tTRUE\t/\tFALSE\t0\tNID\tg\n"
	want := []Cookie{{Name: pixiv.SessionCookie, Value: "123_abc", Domain: pixiv.CookieDomain, Path: "/",
		Expires: time.Unix(1767366245, 0).UTC(), Secure: true}}
	exported, err := json.Marshal(&Session{Version: 1, SavedAt: testNow, Cookies: append(slices.Clone(want),
		Cookie{Name: "NID", Value: "g", Domain: ".google.com", Path: "/"})})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data string
		want       []Cookie
		saved      time.Time
		err        string
	}{
		{"cookies.txt", "# Netscape HTTP Cookie File\n" + pixivTxt, want, time.Time{}, ""},
		{"cookies.txt without header", pixivTxt, want, time.Time{}, ""},
		{"JSON", string(exported), want, testNow, ""},
		{"JSON after blank lines", "\n\r\n  \t" + string(exported), want, testNow, ""},
		{"JSON with a byte order mark", "\uFEFF" + string(exported), want, testNow, ""},
		{"no Pixiv cookies", ".google.com\tTRUE\t/\tFALSE\t0\tNID\tg\n", nil, time.Time{}, ""},
		{"empty", "", nil, time.Time{}, ""},
		{"bad cookies.txt", ".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\n", nil, time.Time{}, "cookies.txt line 1: want 7"},
		{"bad JSON", `{"version":1,"cookies":[{"name":"PHPSESSID","value":"` + secret, nil, time.Time{}, "session file: not valid JSON"},
		{"JSON without version", `{"cookies":[]}`, nil, time.Time{}, "session file: no version"},
		{"JSON from the future", `{"version":3}`, nil, time.Time{}, "version 3 is newer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSessionFile([]byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), secret) {
					t.Errorf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || !got.SavedAt.Equal(tt.saved) || !cookiesEqual(got.Cookies, tt.want) {
				t.Errorf("got %+v %v, want cookies %v", got, got.Cookies, tt.want)
			}
		})
	}
}
