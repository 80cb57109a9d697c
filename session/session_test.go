package session

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// secret stands for a cookie value that no error may quote.
const secret = "s3cr3t-c00kie-value"

// savedAt is the time a test session was saved.
var savedAt = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// sessionCookie is a Pixiv session cookie expiring at expires.
func sessionCookie(expires time.Time) Cookie {
	return Cookie{
		Name: pixiv.SessionCookie, Value: "123_abc", Domain: pixiv.CookieDomain, Path: "/",
		Expires: expires, Secure: true, HTTPOnly: true, SameSite: "Lax",
	}
}

func TestUnexpired(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		expires time.Time
		kept    bool
	}{
		{"browser-session cookie", time.Time{}, true},
		{"lasting", now.Add(time.Hour), true},
		{"expired", now.Add(-time.Hour), false},
		{"expiring now", now, false},
	}
	var in, want []Cookie
	for _, tt := range tests {
		c := sessionCookie(tt.expires)
		c.Value = tt.name
		in = append(in, c)
		if tt.kept {
			want = append(want, c)
		}
	}
	if got := Unexpired(in, now); !reflect.DeepEqual(got, want) {
		t.Errorf("Unexpired kept %v, want %v", got, want)
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
	now := savedAt
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

func cookiesEqual(a, b []Cookie) bool {
	return slices.EqualFunc(a, b, func(x, y Cookie) bool {
		if !x.Expires.Equal(y.Expires) {
			return false
		}
		x.Expires, y.Expires = time.Time{}, time.Time{}
		return x == y
	})
}

func TestParseFile(t *testing.T) {
	pixivTxt := ".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n" +
		".google.com\tTRUE\t/\tFALSE\t0\tNID\tg\n"
	want := []Cookie{{Name: pixiv.SessionCookie, Value: "123_abc", Domain: pixiv.CookieDomain, Path: "/",
		Expires: time.Unix(1767366245, 0).UTC(), Secure: true}}
	exported, err := json.Marshal(&Session{Version: 1, SavedAt: savedAt, Cookies: append(slices.Clone(want),
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
		{"JSON", string(exported), want, savedAt, ""},
		{"JSON after blank lines", "\n\r\n  \t" + string(exported), want, savedAt, ""},
		{"JSON with a byte order mark", "\uFEFF" + string(exported), want, savedAt, ""},
		{"no Pixiv cookies", ".google.com\tTRUE\t/\tFALSE\t0\tNID\tg\n", nil, time.Time{}, ""},
		{"empty", "", nil, time.Time{}, ""},
		{"bad cookies.txt", ".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\n", nil, time.Time{}, "cookies.txt line 1: want 7"},
		{"bad JSON", `{"version":1,"cookies":[{"name":"PHPSESSID","value":"` + secret, nil, time.Time{}, "session file: not valid JSON"},
		{"JSON without version", `{"cookies":[]}`, nil, time.Time{}, "session file: no version"},
		{"JSON from the future", `{"version":3}`, nil, time.Time{}, "version 3 is newer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tt.data))
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
