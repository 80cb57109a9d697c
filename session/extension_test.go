package session

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// cookieEditorExport is what Cookie-Editor's "Export → JSON" writes for a
// browser logged in to Pixiv (values replaced), with a cookie of another
// site that a whole-browser export holds too.
const cookieEditorExport = `[
{
    "domain": ".pixiv.net",
    "expirationDate": 1798902245.123456,
    "hostOnly": false,
    "httpOnly": true,
    "name": "PHPSESSID",
    "path": "/",
    "sameSite": "lax",
    "secure": true,
    "session": false,
    "storeId": "0",
    "value": "123456_AbCdEf"
},
{
    "domain": "www.pixiv.net",
    "hostOnly": true,
    "httpOnly": false,
    "name": "a_type",
    "path": "/",
    "sameSite": null,
    "secure": false,
    "session": true,
    "storeId": "0",
    "value": "0"
},
{
    "domain": ".google.com",
    "expirationDate": 1798902245,
    "hostOnly": false,
    "httpOnly": true,
    "name": "NID",
    "path": "/",
    "sameSite": "no_restriction",
    "secure": true,
    "session": false,
    "storeId": "0",
    "value": "other-site"
}
]`

// editThisCookieExport is EditThisCookie's export: the same fields, with
// an id, on one line.
const editThisCookieExport = `[{"domain":"www.pixiv.net","hostOnly":true,"httpOnly":true,"name":"PHPSESSID","path":"/","sameSite":"unspecified","secure":true,"session":true,"storeId":"0","value":"123456_AbCdEf","id":1}]`

func TestParseExtensionJSON(t *testing.T) {
	exp := time.Unix(1798902245, 0).UTC()
	tests := []struct {
		name, in string
		want     []Cookie
	}{
		{"Cookie-Editor", cookieEditorExport, []Cookie{
			{Name: "PHPSESSID", Value: "123456_AbCdEf", Domain: ".pixiv.net", Path: "/", Expires: exp, Secure: true, HTTPOnly: true, SameSite: "Lax"},
			{Name: "a_type", Value: "0", Domain: "www.pixiv.net", Path: "/"},
			{Name: "NID", Value: "other-site", Domain: ".google.com", Path: "/", Expires: exp, Secure: true, HTTPOnly: true, SameSite: "None"},
		}},
		{"EditThisCookie", editThisCookieExport, []Cookie{
			{Name: "PHPSESSID", Value: "123456_AbCdEf", Domain: "www.pixiv.net", Path: "/", Secure: true, HTTPOnly: true},
		}},
		{"empty array", `[]`, []Cookie{}},
		{"domain cookie without its dot", `[{"name":"a","value":"b","domain":"pixiv.net","hostOnly":false}]`,
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/"}}},
		{"host-only with a dot", `[{"name":"a","value":"b","domain":".pixiv.net","hostOnly":true,"path":"/x"}]`,
			[]Cookie{{Name: "a", Value: "b", Domain: "pixiv.net", Path: "/x"}}},
		{"Chrome's SameSite names", `[{"name":"a","value":"b","domain":"pixiv.net","sameSite":"Strict"}]`,
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", SameSite: "Strict"}}},
		{"session wins over an expiry", `[{"name":"a","value":"","domain":"pixiv.net","session":true,"expirationDate":5}]`,
			[]Cookie{{Name: "a", Value: "", Domain: ".pixiv.net", Path: "/"}}},
		{"expiry past year 9999", `[{"name":"a","value":"b","domain":"pixiv.net","expirationDate":1e300}]`,
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", Expires: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}}},
		{"expiry at the epoch is past, not a session", `[{"name":"a","value":"b","domain":"pixiv.net","expirationDate":0}]`,
			[]Cookie{{Name: "a", Value: "b", Domain: ".pixiv.net", Path: "/", Expires: time.Unix(1, 0).UTC()}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExtensionJSON([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !cookiesEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseExtensionJSONErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"not JSON", `[{"name":"PHPSESSID","value":"` + secret + `"`, "not valid JSON"},
		{"an object", `{"name":"PHPSESSID","value":"` + secret + `"}`, "not in the expected format"},
		{"value not a string", `[{"name":"PHPSESSID","value":12345678901234,"domain":"pixiv.net"}]`, `field "value" has the wrong type`},
		{"no name", `[{"value":"` + secret + `","domain":"pixiv.net"}]`, "cookie 1 has no name"},
		{"no value", `[{"name":"a","value":"b","domain":"pixiv.net"},{"name":"PHPSESSID","domain":"pixiv.net"}]`, "cookie 2 has no value"},
		{"no domain", `[{"name":"PHPSESSID","value":"` + secret + `"}]`, "cookie 1 has an empty domain"},
		{"relative path", `[{"name":"PHPSESSID","value":"` + secret + `","domain":"pixiv.net","path":"x"}]`, "path"},
		{"control character", `[{"name":"PHPSESSID","value":"` + secret + `\u0000","domain":"pixiv.net"}]`, "control character"},
		{"sameSite", `[{"name":"PHPSESSID","value":"` + secret + `","domain":"pixiv.net","sameSite":"sometimes"}]`, "sameSite"},
		{"negative expiry", `[{"name":"PHPSESSID","value":"` + secret + `","domain":"pixiv.net","expirationDate":-5}]`, "expirationDate"},
		{"time that will not parse, quoted by encoding/json", `[{"name":"PHPSESSID","value":"x","domain":"pixiv.net","expirationDate":"` + secret + `"}]`, "wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookies, err := ParseExtensionJSON([]byte(tt.in))
			var fe *FormatError
			if !errors.As(err, &fe) || cookies != nil {
				t.Fatalf("got %v, %v (%T), want a *FormatError", cookies, err, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want one with %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds a value", err)
			}
		})
	}
}

func TestParseFileFormats(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in   string
		want       []Cookie
		errWant    string
		checkIs    error // what Session.Check says; nil for live
		checkWords string
	}{
		{name: "Cookie-Editor, other sites dropped, host-only widened", in: "\n  " + cookieEditorExport,
			want: []Cookie{
				{Name: "PHPSESSID", Value: "123456_AbCdEf", Domain: ".pixiv.net", Path: "/", Expires: time.Unix(1798902245, 0).UTC(), Secure: true, HTTPOnly: true, SameSite: "Lax"},
				{Name: "a_type", Value: "0", Domain: ".pixiv.net", Path: "/"},
			}},
		{name: "EditThisCookie's host-only www.pixiv.net session is sent to the login host", in: editThisCookieExport,
			want: []Cookie{{Name: "PHPSESSID", Value: "123456_AbCdEf", Domain: ".pixiv.net", Path: "/", Secure: true, HTTPOnly: true}}},
		{name: "cookies.txt, host-only www.pixiv.net", in: "www.pixiv.net\tFALSE\t/\tTRUE\t0\tPHPSESSID\t123_abc\n",
			want: []Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Secure: true}}},
		{name: "cookies.txt, .www.pixiv.net widened", in: ".www.pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t123_abc\n",
			want: []Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Secure: true}}},
		{name: "cookies.txt, accounts host-only kept", in: "accounts.pixiv.net\tFALSE\t/\tTRUE\t0\tx\t1\n.pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t2\n",
			want: []Cookie{
				{Name: "x", Value: "1", Domain: "accounts.pixiv.net", Path: "/", Secure: true},
				{Name: "PHPSESSID", Value: "2", Domain: ".pixiv.net", Path: "/", Secure: true},
			}},
		{name: "widened copy of a cookie already sent is dropped", in: "www.pixiv.net\tFALSE\t/\tTRUE\t0\tPHPSESSID\told\n.pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\tnew\n",
			want: []Cookie{{Name: "PHPSESSID", Value: "new", Domain: ".pixiv.net", Path: "/", Secure: true}}},
		{name: "no PHPSESSID at all", in: "www.pixiv.net\tFALSE\t/\tFALSE\t0\ta_type\t0\n",
			want:    []Cookie{{Name: "a_type", Value: "0", Domain: ".pixiv.net", Path: "/"}},
			checkIs: ErrNoSessionCookie, checkWords: "holds no PHPSESSID cookie"},
		{name: "expired PHPSESSID", in: ".pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n",
			want:    []Cookie{{Name: "PHPSESSID", Value: "123_abc", Domain: ".pixiv.net", Path: "/", Secure: true, Expires: time.Unix(1767366245, 0).UTC()}},
			checkIs: ErrExpired, checkWords: "expired at 2026-01-02T15:04:05Z"},
		{name: "pixivauth's own format is not widened", in: `{"version":1,"cookies":[{"name":"PHPSESSID","value":"v","domain":"www.pixiv.net","path":"/"}]}`,
			want: []Cookie{{Name: "PHPSESSID", Value: "v", Domain: "www.pixiv.net", Path: "/"}}},
		{name: "extension JSON error says which format", in: `[{"name":"PHPSESSID"}]`,
			errWant: "cookie extension JSON (Cookie-Editor, EditThisCookie): cookie 1 has no value"},
		{name: "spaces for tabs", in: ".pixiv.net TRUE / TRUE 0 PHPSESSID " + secret + "\n",
			errWant: "cookies.txt line 1: fields must be separated by tabs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseFile([]byte(tt.in))
			if tt.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWant) || strings.Contains(err.Error(), secret) {
					t.Fatalf("error %v, want one with %q and no value", err, tt.errWant)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !cookiesEqual(s.Cookies, tt.want) {
				t.Errorf("got  %#v\nwant %#v", s.Cookies, tt.want)
			}
			err = s.Check(now)
			switch {
			case tt.checkIs == nil && err != nil:
				t.Errorf("Check: %v, want a live session", err)
			case tt.checkIs != nil && (!errors.Is(err, tt.checkIs) || !strings.Contains(err.Error(), tt.checkWords)):
				t.Errorf("Check: %v, want %v with %q", err, tt.checkIs, tt.checkWords)
			}
			if (err == nil) != s.Live(now) {
				t.Errorf("Check says %v but Live %v", err, s.Live(now))
			}
		})
	}
}

func TestSentToAccounts(t *testing.T) {
	for domain, want := range map[string]bool{
		".pixiv.net": true, "accounts.pixiv.net": true, ".accounts.pixiv.net": true, "ACCOUNTS.PIXIV.NET.": true,
		"pixiv.net": false, "www.pixiv.net": false, ".www.pixiv.net": false, ".x.accounts.pixiv.net": false,
		".net": true, // a browser refuses such a cookie; it would be sent if it existed
	} {
		if got := sentToAccounts(domain); got != want {
			t.Errorf("sentToAccounts(%q) = %v, want %v", domain, got, want)
		}
	}
	if pixiv.AccountsHost != "accounts.pixiv.net" {
		t.Fatalf("the table above assumes the login host is accounts.pixiv.net, not %s", pixiv.AccountsHost)
	}
}

// extensionErrorRE matches every message ParseExtensionJSON can give: none
// has room for a piece of the input.
var extensionErrorRE = regexp.MustCompile(`^(not valid JSON \(at byte \d+\)|field "[A-Za-z.\[\]0-9]*" has the wrong type|not in the expected format|cookie \d+ (has no name|has no value|has a control character in its name, path or value|is not valid UTF-8|has an empty domain, or one with a space or a control character|has a path that does not start with /|has a sameSite that is none of no_restriction, lax, strict and unspecified|has an expirationDate that is not a Unix time))$`)

// FuzzParseExtensionJSON checks that ParseExtensionJSON never panics, that
// an error is one of its fixed messages (so it quotes no value), and that
// what it reads survives a trip through cookies.txt and through its own
// format unchanged.
func FuzzParseExtensionJSON(f *testing.F) {
	for _, s := range []string{cookieEditorExport, editThisCookieExport, `[]`, `[{}]`, `{}`, `[1]`,
		`[{"name":"a","value":"b","domain":"pixiv.net","expirationDate":1e400}]`,
		`[{"name":"a","value":"b","domain":".pixiv.net","hostOnly":true,"sameSite":"LAX","path":""}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cookies, err := ParseExtensionJSON(in)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || !extensionErrorRE.MatchString(fe.Reason) {
				t.Fatalf("error %q (%T) is none of the fixed ones", err, err)
			}
			return
		}
		// Back to the extensions' own format, and read again: the same.
		raw := make([]map[string]any, len(cookies))
		for i, c := range cookies {
			m := map[string]any{"name": c.Name, "value": c.Value, "domain": c.Domain, "path": c.Path,
				"hostOnly": !strings.HasPrefix(c.Domain, "."), "secure": c.Secure, "httpOnly": c.HTTPOnly,
				"session": c.Expires.IsZero(), "sameSite": strings.ToLower(c.SameSite)}
			if !c.Expires.IsZero() {
				m["expirationDate"] = c.Expires.Unix()
			}
			raw[i] = m
		}
		data, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseExtensionJSON(data)
		if err != nil || !cookiesEqual(back, cookies) {
			t.Fatalf("round trip: %v\n%#v\n%#v", err, cookies, back)
		}
		// Every cookie it returns, cookies.txt can hold.
		var b strings.Builder
		if err := WriteCookiesTxt(&b, cookies); err != nil {
			t.Fatalf("WriteCookiesTxt: %v", err)
		}
		if s, err := ParseFile(in); err != nil || !cookiesEqual(s.Cookies, ForLogin(PixivOnly(cookies))) {
			t.Fatalf("ParseFile disagrees: %v", err)
		}
	})
}
