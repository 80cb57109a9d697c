package session

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParseCookiesTxt(t *testing.T) {
	exp := time.Unix(1767366245, 0).UTC()
	tests := []struct {
		name, in string
		want     []Cookie
	}{
		{"empty", "", nil},
		{"header only", "# Netscape HTTP Cookie File\n", nil},
		{"one cookie",
			"# Netscape HTTP Cookie File\n.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n",
			[]Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Expires: exp, Secure: true}}},
		{"no final newline",
			".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc",
			[]Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Expires: exp, Secure: true}}},
		{"HttpOnly",
			"#HttpOnly_.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n",
			[]Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Expires: exp, Secure: true, HTTPOnly: true}}},
		{"CRLF, comments and blank lines",
			"# Netscape HTTP Cookie File\r\n\r\n# a comment\r\n   # an indented one\r\n \t \r\n" +
				"www.pixiv.net\tFALSE\t/path\tFALSE\t0\ta\t1\r\n\r\n" +
				"#HttpOnly_pixiv.net\tFALSE\t/\tFALSE\t0\tb\t\r\n",
			[]Cookie{
				{Name: "a", Value: "1", Domain: "www.pixiv.net", Path: "/path"},
				{Name: "b", Value: "", Domain: "pixiv.net", Path: "/", HTTPOnly: true},
			}},
		{"byte order mark", "\uFEFF.pixiv.net\tTRUE\t/\tFALSE\t0\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/"}}},
		{"include subdomains adds the dot", "pixiv.net\tTRUE\t/\tFALSE\t0\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/"}}},
		{"dot kept without include subdomains", ".pixiv.net\tFALSE\t/\tFALSE\t0\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/"}}},
		{"lower-case booleans", ".pixiv.net\ttrue\t/\ttrue\t0\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", Secure: true}}},
		{"fractional expiry", ".pixiv.net\tTRUE\t/\tFALSE\t1767366245.75\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", Expires: exp}}},
		{"expiry past year 9999", ".pixiv.net\tTRUE\t/\tFALSE\t99999999999999999999\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", Expires: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}}},
		{"value with spaces, = and #", ".pixiv.net\tTRUE\t/\tFALSE\t0\ta\t x=#y \n",
			[]Cookie{{Name: "a", Value: " x=#y ", Domain: ".pixiv.net", Path: "/"}}},
		{"other sites kept", ".example.com\tTRUE\t/\tFALSE\t0\ta\tb\n",
			[]Cookie{{Name: "a", Value: "b", Domain: ".example.com", Path: "/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCookiesTxt(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !cookiesEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			// Read a byte at a time, the same.
			got, err = ParseCookiesTxt(iotest.OneByteReader(strings.NewReader(tt.in)))
			if err != nil || !cookiesEqual(got, tt.want) {
				t.Errorf("one byte at a time: %v, %v", got, err)
			}
		})
	}
}

// A line of another site that cannot be read is skipped: only Pixiv's
// cookies are wanted, and tools write odd lines for some sites. The same
// line of Pixiv's is an error (TestParseCookiesTxtErrors).
func TestParseCookiesTxtSkipsOtherSitesLines(t *testing.T) {
	good := ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\tgood\n"
	for _, line := range []string{
		".example.com\tTRUE\t/\tFALSE\t1999999999\temptyval", // curl's empty value, its tab dropped
		".example.com\tTRUE\t/\tFALSE\t-1\tneg\tv",           // a negative expiry
		"#HttpOnly_www.example.org\tFALSE\t/\tTRUE\tsoon\tx\ty",
		"example.com TRUE / FALSE 0 spaced value", // spaces for tabs
		"sub.example.co.jp\tmaybe\t/\tTRUE\t0\tn\tv",
	} {
		cookies, err := ParseCookiesTxt(strings.NewReader(line + "\n" + good))
		if err != nil || len(cookies) != 1 || cookies[0].Value != "good" {
			t.Errorf("%q: got %v, %v; want the Pixiv cookie alone", line, cookies, err)
		}
	}
	for _, line := range []string{
		"pixiv.net\tTRUE\t/\tFALSE\t1999999999\tPHPSESSID", // Pixiv's own
		"#HttpOnly_.accounts.pixiv.net\tTRUE\t/\tTRUE\t-1\tn\tv",
		"PIXIV.NET TRUE / TRUE 0 PHPSESSID v",
		"localhost\tTRUE\t/\tTRUE\t-1\tn\tv", // no site that can be told
		"hello",
	} {
		if _, err := ParseCookiesTxt(strings.NewReader(good + line + "\n")); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}

func TestParseCookiesTxtErrors(t *testing.T) {
	good := ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\tgood\n"
	tests := []struct {
		name, line string
		msg        string
	}{
		{"too few fields", ".pixiv.net\tTRUE\t/\tTRUE\t0\t" + secret, "want 7 tab-separated fields (domain, include subdomains, path, secure, expiry, name, value), found 6"},
		{"too many fields", ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret + "\textra", "found 8"},
		{"spaces, not tabs", ".pixiv.net TRUE / TRUE 0 PHPSESSID " + secret, msgTabs},
		{"spaces, not tabs, empty value", ".pixiv.net TRUE / TRUE 0 PHPSESSID", msgTabs},
		{"tabs and spaces mixed", ".pixiv.net\tTRUE / TRUE\t0 PHPSESSID " + secret, msgTabs},
		{"a word", "hello", "found 1"},
		{"six words of prose", "this is not a cookie file", "found 1"},
		{"HttpOnly mark alone", "#HttpOnly_", "found 1"},
		{"empty domain", "\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret, msgDomain},
		{"domain with a space", "pixiv .net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret, msgDomain},
		{"indented line", " .pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret, msgDomain},
		{"HttpOnly with a # domain", "#HttpOnly_#x\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret, msgDomain},
		{"include subdomains", ".pixiv.net\tyes\t/\tTRUE\t0\tPHPSESSID\t" + secret, msgSubdomains},
		{"path", ".pixiv.net\tTRUE\tpath\tTRUE\t0\tPHPSESSID\t" + secret, msgPath},
		{"empty path", ".pixiv.net\tTRUE\t\tTRUE\t0\tPHPSESSID\t" + secret, msgPath},
		{"secure", ".pixiv.net\tTRUE\t/\t1\t0\tPHPSESSID\t" + secret, msgSecure},
		{"expiry not a number", ".pixiv.net\tTRUE\t/\tTRUE\tsoon\tPHPSESSID\t" + secret, msgExpiry},
		{"negative expiry", ".pixiv.net\tTRUE\t/\tTRUE\t-1\tPHPSESSID\t" + secret, msgExpiry},
		{"empty expiry", ".pixiv.net\tTRUE\t/\tTRUE\t\tPHPSESSID\t" + secret, msgExpiry},
		{"expiry in exponent form", ".pixiv.net\tTRUE\t/\tTRUE\t1e9\tPHPSESSID\t" + secret, msgExpiry},
		{"empty name", ".pixiv.net\tTRUE\t/\tTRUE\t0\t\t" + secret, msgName},
		{"control character in value", ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret + "\x00", "the value field has a control character"},
		{"CR inside value", ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret + "\r" + secret, "the value field has a control character"},
		{"control character in name", ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHP\x1b\t" + secret, "the name field has a control character"},
		{"invalid UTF-8 in value", ".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t" + secret + "\xff", "the value field is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Line 5, after a header, a comment, a blank line and a good one.
			in := "# Netscape HTTP Cookie File\r\n# comment\n\n" + good + tt.line + "\n" + good
			cookies, err := ParseCookiesTxt(strings.NewReader(in))
			if cookies != nil {
				t.Errorf("cookies returned with an error: %v", cookies)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want a *SyntaxError", err, err)
			}
			if se.Line != 5 || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("error at line %d %q, want line 5 %q", se.Line, se.Msg, tt.msg)
			}
			if want := "cookies.txt line 5: "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start %q", err, want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the cookie's value", err)
			}
		})
	}
}

func TestParseCookiesTxtReadError(t *testing.T) {
	_, err := ParseCookiesTxt(iotest.ErrReader(errors.New("disk on fire")))
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v", err)
	}
}

func TestWriteCookiesTxt(t *testing.T) {
	cookies := []Cookie{
		{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Expires: time.Unix(1767366245, 0).UTC(), Secure: true, HTTPOnly: true, SameSite: "Lax"},
		{Name: "a", Value: "", Domain: "www.pixiv.net", Path: "/x"},
		{Name: "old", Value: "v", Domain: "pixiv.net", Path: "/", Expires: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	var buf bytes.Buffer
	if err := WriteCookiesTxt(&buf, cookies); err != nil {
		t.Fatal(err)
	}
	want := "# Netscape HTTP Cookie File\n" +
		"# Written by pixivauth. Each line: domain, include subdomains, path, secure, expiry, name, value.\n\n" +
		"#HttpOnly_.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n" +
		"www.pixiv.net\tFALSE\t/x\tFALSE\t0\ta\t\n" +
		"pixiv.net\tFALSE\t/\tFALSE\t1\told\tv\n"
	if buf.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := ParseCookiesTxt(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// SameSite is not part of the format; an expiry before 1970 stays past.
	cookies[0].SameSite = ""
	cookies[2].Expires = time.Unix(1, 0).UTC()
	if !cookiesEqual(back, cookies) {
		t.Errorf("read back %v, want %v", back, cookies)
	}
}

func TestWriteCookiesTxtErrors(t *testing.T) {
	tests := []struct {
		name string
		c    Cookie
		msg  string
	}{
		{"no name", Cookie{Value: secret, Domain: ".pixiv.net", Path: "/"}, "has no name"},
		{"no domain", Cookie{Name: "a", Value: secret, Path: "/"}, "empty domain"},
		{"# domain", Cookie{Name: "a", Value: secret, Domain: "#x", Path: "/"}, "leading '#'"},
		{"relative path", Cookie{Name: "a", Value: secret, Domain: ".pixiv.net", Path: "x"}, "path"},
		{"newline in value", Cookie{Name: "a", Value: secret + "\n", Domain: ".pixiv.net", Path: "/"}, "control character"},
		{"tab in name", Cookie{Name: "a\tb", Value: secret, Domain: ".pixiv.net", Path: "/"}, "control character"},
		{"invalid UTF-8", Cookie{Name: "a", Value: secret + "\xff", Domain: ".pixiv.net", Path: "/"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteCookiesTxt(&buf, []Cookie{{Name: "ok", Value: "v", Domain: ".pixiv.net", Path: "/"}, tt.c})
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "cookie 2") {
				t.Errorf("error %v, want one about cookie 2 with %q", err, tt.msg)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the value", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
	if err := WriteCookiesTxt(failingWriter{}, nil); err == nil {
		t.Error("a failing writer gave no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("full") }
