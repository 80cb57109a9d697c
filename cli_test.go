package main

// Tests of the CLI as a user meets it (issue 14): what it accepts, what it
// says, what scripts and shells get from it. They run the binary that
// TestMain builds, against a Pixiv double on loopback where they need Pixiv.

import (
	"encoding/json"

	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes content to a file of the test's own and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cookieEditorJSON is Cookie-Editor's JSON export of one Pixiv cookie, as
// the extension writes it from a www.pixiv.net tab.
func cookieEditorJSON(domain string, hostOnly bool, name, value string, expires time.Time) string {
	c := map[string]any{
		"domain": domain, "hostOnly": hostOnly, "httpOnly": true, "name": name, "path": "/",
		"sameSite": "lax", "secure": true, "session": expires.IsZero(), "storeId": "0", "value": value,
	}
	if !expires.IsZero() {
		c["expirationDate"] = float64(expires.Unix()) + 0.5
	}
	data, _ := json.MarshalIndent([]any{c}, "", "    ")
	return string(data)
}

// TestCookiesInBadFilesSayWhy: what is wrong with a --cookies file is said
// before any browser starts, in the user's words, with no cookie value.
func TestCookiesInBadFilesSayWhy(t *testing.T) {
	const value = "11111111_NotForStderrAtAll"
	tests := []struct {
		name, file string
		code       int
		want       string
	}{
		{"cookies.txt with spaces for tabs", ".pixiv.net TRUE / TRUE 0 PHPSESSID " + value + "\n",
			exitUsage, "cookies.txt line 1: fields must be separated by tabs"},
		{"cookies.txt with no PHPSESSID", ".pixiv.net\tTRUE\t/\tFALSE\t0\tp_ab_id\t" + value + "\n",
			exitUsage, "holds no PHPSESSID cookie"},
		{"extension JSON with no PHPSESSID", cookieEditorJSON("www.pixiv.net", true, "a_type", value, time.Time{}),
			exitUsage, "holds no PHPSESSID cookie"},
		{"extension JSON with an expired PHPSESSID", cookieEditorJSON(".pixiv.net", false, "PHPSESSID", value, time.Now().Add(-time.Hour)),
			exitPerson, "has expired: its PHPSESSID cookie expired at"},
		{"extension JSON of another site only", cookieEditorJSON(".example.com", false, "PHPSESSID", value, time.Time{}),
			exitUsage, "holds no cookie of pixiv.net"},
		{"extension JSON broken", `[{"name":"PHPSESSID","value":"` + value + `",`,
			exitUsage, "cookie extension JSON (Cookie-Editor, EditThisCookie): not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "cookies", tt.file)
			// No browser is given or found: the error must come first.
			r := runPixivauth(t, []string{"PIXIVAUTH_BROWSER=/nonexistent"}, "",
				"login", "--headless", "--cookies", file, "--config-dir", t.TempDir(), "--timeout", long)
			expectCode(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%v", tt.want, r)
			}
			if strings.Contains(r.stderr, value) {
				t.Errorf("stderr holds the cookie's value:\n%v", r)
			}
		})
	}
}

// TestLoginFromCookieEditorExport logs in headless, with a real browser,
// with the session as Cookie-Editor and EditThisCookie export it, its
// PHPSESSID host-only on www.pixiv.net (not sent to accounts.pixiv.net as
// it is).
func TestLoginFromCookieEditorExport(t *testing.T) {
	for _, tt := range []struct {
		name     string
		domain   string
		hostOnly bool
	}{
		{"host-only www.pixiv.net", "www.pixiv.net", true},
		{".pixiv.net", ".pixiv.net", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowserRun(t)
			c := b.srv.NewSession(b.account.ID)
			file := writeFile(t, "cookies.json", cookieEditorJSON(tt.domain, tt.hostOnly, c.Name, c.Value, c.Expires))
			r := b.run(nil, "", "login", "--headless", "--json", "--cookies", file, "--timeout", long)
			got := b.expectIssued(r)
			b.expectSaved(got.AccessToken)
			b.expectNoSecrets(r.stderr)
		})
	}
}
