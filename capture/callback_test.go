package capture

import (
	"strings"
	"testing"
	"time"
)

func TestParseCallback(t *testing.T) {
	tests := []struct {
		name, url     string
		code, errCode string
		ok            bool
	}{
		{"callback", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&code=abc", "abc", "", true},
		{"callback with port", "https://app-api.pixiv.net:443/web/v1/users/auth/pixiv/callback?code=abc", "abc", "", true},
		{"host case", "https://APP-API.pixiv.net/web/v1/users/auth/pixiv/callback?code=abc", "abc", "", true},
		{"app scheme", "pixiv://account/login?code=xyz&via=login", "xyz", "", true},
		{"error", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&error=access_denied", "", "access_denied", true},
		{"no code", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s", "", "", false},
		{"empty code", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?code=", "", "", false},
		{"http", "http://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?code=abc", "", "", false},
		{"other host", "https://www.google.com/recaptcha/api2/callback?code=abc", "", "", false},
		{"lookalike host", "https://app-api.pixiv.net.evil.example/web/v1/users/auth/pixiv/callback?code=abc", "", "", false},
		{"other port", "https://app-api.pixiv.net:8443/web/v1/users/auth/pixiv/callback?code=abc", "", "", false},
		{"other path", "https://accounts.pixiv.net/recaptcha/api2/callback?code=abc", "", "", false},
		{"path prefix", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callbackx?code=abc", "", "", false},
		{"path suffix", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback/x?code=abc", "", "", false},
		{"code in fragment", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback#code=abc", "", "", false},
		{"user info", "https://x@app-api.pixiv.net/web/v1/users/auth/pixiv/callback?code=abc", "", "", false},
		{"other app path", "pixiv://account/other?code=abc", "", "", false},
		{"bad query", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?code=%zz", "", "", false},
		{"code with space", "https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?code=a%20b", "", "", false},
		{"not a url", "::::", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, errCode, ok := ParseCallback(tt.url)
			if code != tt.code || errCode != tt.errCode || ok != tt.ok {
				t.Errorf("ParseCallback(%q) = %q, %q, %v; want %q, %q, %v", tt.url, code, errCode, ok, tt.code, tt.errCode, tt.ok)
			}
		})
	}
}

// FuzzParseCallback checks the matcher's promises on any input: it never
// panics, a match is always the exact callback or app URL, and a code is
// never empty or blank-containing.
func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{
		"https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s&code=abc",
		"pixiv://account/login?code=xyz&via=login",
		"https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?error=access_denied",
		"https://www.google.com/recaptcha/api2/callback?code=abc",
		"https://app-api.pixiv.net/web/v1/users/auth/pixiv/callbackx?code=abc",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, errCode, ok := ParseCallback(s)
		if !ok {
			if code != "" || errCode != "" {
				t.Fatalf("no match but code %q error %q", code, errCode)
			}
			return
		}
		if (code == "") == (errCode == "") {
			t.Fatalf("match with code %q and error %q: want exactly one", code, errCode)
		}
		if strings.ContainsAny(code, " \t\r\n") {
			t.Fatalf("code %q has blanks", code)
		}
		lower := strings.ToLower(s)
		// Schemes and host names are case-insensitive.
		if !strings.HasPrefix(lower, "https://app-api.pixiv.net") && !strings.HasPrefix(lower, "pixiv://account/login") {
			t.Fatalf("matched %q, which is neither the callback nor the app URL", s)
		}
	})
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GET https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s1&code=SECRET", "GET https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=…&code=…"},
		{`<a href="/x?tt=abc">`, `<a href="/x?tt=…">`},
		{"no query here", "no query here"},
		{"pixiv://account/login?code=C&via=login.", "pixiv://account/login?code=…&via=…"},
	}
	for _, tt := range tests {
		if got := RedactQuery(tt.in); got != tt.want {
			t.Errorf("RedactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTOTPCode(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	at := time.Unix(1_700_000_000, 0)
	base, err := TOTPCode(secret, at)
	if err != nil || len(base) != 6 {
		t.Fatalf("TOTPCode(base32) = %q, %v", base, err)
	}
	tests := []struct {
		name, secret string
		wantErr      bool
	}{
		{"lower case with spaces", "jbsw y3dp ehpk 3pxp", false},
		{"otpauth URI", "otpauth://totp/pixiv:demo?secret=" + secret + "&issuer=pixiv", false},
		{"not base32", "not-base32!", true},
		{"bad URI", "otpauth://%zz", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TOTPCode(tt.secret, at)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("TOTPCode(%q) = %q, want an error", tt.secret, got)
				}
				if strings.Contains(err.Error(), tt.secret) {
					t.Errorf("error %q repeats the secret", err)
				}
				return
			}
			if err != nil || got != base {
				t.Fatalf("TOTPCode(%q) = %q, %v; want %q", tt.secret, got, err, base)
			}
		})
	}
}

func TestProfileOwner(t *testing.T) {
	tests := []struct {
		name string
		pid  int
		ok   bool
	}{
		{ProfilePrefix + "123-456789", 123, true},
		{ProfilePrefix + "abc-1", 0, false},
		{ProfilePrefix + "123", 0, false},
		{"chromedp-runner123", 0, false},
		{ProfilePrefix + "0-1", 0, false},
	}
	for _, tt := range tests {
		pid, ok := profileOwner(tt.name)
		if pid != tt.pid || ok != tt.ok {
			t.Errorf("profileOwner(%q) = %d, %v; want %d, %v", tt.name, pid, ok, tt.pid, tt.ok)
		}
	}
}
