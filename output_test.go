package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
)

var testNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func testToken(access, refresh string) *exchange.Token {
	return &exchange.Token{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "bearer",
		Scope:        "",
		Expiry:       testNow.Add(3600 * time.Second),
		User:         exchange.User{ID: "123456", Name: "Tést <&> User", Account: "user_123456", IsPremium: true, XRestrict: 1},
	}
}

func TestFormatTokenJSON(t *testing.T) {
	out, secrets := formatToken(testToken("AT", "RT"), formatJSON, false, testNow.Add(10*time.Second))
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string]any{
		"access_token": "AT", "refresh_token": "RT", "expires_in": 3590.0,
		"expires_at": "2026-01-02T16:04:05Z", "token_type": "bearer", "scope": "",
		"user": map[string]any{"id": "123456", "name": "Tést <&> User", "account": "user_123456",
			"is_premium": true, "x_restrict": 1.0},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("token JSON\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if !bytes.Contains(out, []byte("<&>")) {
		t.Errorf("the name is HTML-escaped: %s", out)
	}
	if strings.Join(secrets, " ") != "AT RT" {
		t.Errorf("secrets %q, want both tokens", secrets)
	}
}

func TestFormatTokenText(t *testing.T) {
	out, secrets := formatToken(testToken("AT", "RT"), formatText, true, testNow)
	if string(out) != "AT\n" || len(secrets) != 1 || secrets[0] != "AT" {
		t.Errorf("bare text %q with secrets %q; want the access token alone", out, secrets)
	}
	out, _ = formatToken(testToken("AT", "RT"), formatText, false, testNow)
	for _, want := range []string{"access_token:  AT\n", "refresh_token: RT\n", "2026-01-02T16:04:05Z (in 1h0m0s)", "user_123456", "premium"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("text %q lacks %q", out, want)
		}
	}
}

// The env format is sourced by a real shell, whatever the tokens hold.
func TestFormatTokenEnvSourcedByShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("no sh: %v", err)
	}
	tests := []struct{ access, refresh string }{
		{"plainAccess_123-abc", "plainRefresh_456-def"},
		{`it's`, `'quoted'`},
		{`$HOME`, "`id`"},
		{`back\slash`, `"double"`},
		{`semi;colon&amp|pipe`, `*glob?[x]`},
		{`a''b`, `'`},
		{`ünïcödé`, `%s%n`},
	}
	for _, tt := range tests {
		out, _ := formatToken(testToken(tt.access, tt.refresh), formatEnv, false, testNow)
		file := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(file, out, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh, "-c", `. "$1"; printf '%s\n%s' "$PIXIV_ACCESS_TOKEN" "$PIXIV_REFRESH_TOKEN"`, "sh", file)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
		got, err := cmd.Output()
		if err != nil {
			t.Errorf("sourcing %q: %v", out, err)
			continue
		}
		if want := tt.access + "\n" + tt.refresh; string(got) != want {
			t.Errorf("sourcing %q gave %q, want %q", out, got, want)
		}
		if !strings.HasPrefix(string(out), "export PIXIV_ACCESS_TOKEN=") || !strings.Contains(string(out), "\nexport PIXIV_REFRESH_TOKEN=") {
			t.Errorf("env output %q lacks the two exports", out)
		}
	}
}

func TestMasking(t *testing.T) {
	tests := []struct {
		name          string
		githubActions bool
		format        string
		bare          bool
		wantMasks     []string
	}{
		{"not under GitHub Actions", false, formatJSON, false, nil},
		{"json masks both tokens", true, formatJSON, false, []string{"AT", "RT"}},
		{"env masks both tokens", true, formatEnv, false, []string{"AT", "RT"}},
		{"bare text masks what it prints", true, formatText, true, []string{"AT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One buffer for both streams shows their order.
			var both bytes.Buffer
			o := &options{program: &program{stdout: &both, stderr: &both}, format: tt.format, githubActions: tt.githubActions}
			if err := o.printToken(testToken("AT", "RT"), tt.bare); err != nil {
				t.Fatal(err)
			}
			var masks []string
			rest := both.String()
			for strings.HasPrefix(rest, "::add-mask::") {
				line, after, _ := strings.Cut(rest, "\n")
				masks = append(masks, strings.TrimPrefix(line, "::add-mask::"))
				rest = after
			}
			if strings.Join(masks, ",") != strings.Join(tt.wantMasks, ",") {
				t.Errorf("masks %q before the output, want %q; all output:\n%s", masks, tt.wantMasks, both.String())
			}
			if strings.Contains(rest, "::add-mask::") {
				t.Errorf("a mask comes after the value:\n%s", both.String())
			}
		})
	}
}

func TestEscapeWorkflowData(t *testing.T) {
	if got := escapeWorkflowData("a%b\r\nc"); got != "a%25b%0D%0Ac" {
		t.Errorf("escapeWorkflowData = %q", got)
	}
}

func TestNoProxyMatches(t *testing.T) {
	tests := []struct {
		list, host string
		want       bool
	}{
		{"", "app-api.pixiv.net", false},
		{"*", "app-api.pixiv.net", true},
		{"pixiv.net", "app-api.pixiv.net", true},
		{".pixiv.net", "app-api.pixiv.net", true},
		{"*.pixiv.net", "oauth.secure.pixiv.net", true},
		{"pixiv.net", "pixiv.net", true},
		{"localhost, 127.0.0.1", "app-api.pixiv.net", false},
		{"example.com,APP-API.PIXIV.NET:443", "app-api.pixiv.net", true},
		{"xpixiv.net", "app-api.pixiv.net", false},
		{"api.pixiv.net", "app-api.pixiv.net", false},
	}
	for _, tt := range tests {
		if got := noProxyMatches(tt.list, tt.host); got != tt.want {
			t.Errorf("noProxyMatches(%q, %q) = %v, want %v", tt.list, tt.host, got, tt.want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8443": true, "127.1.2.3:1": true, "[::1]:8443": true, "localhost:8443": true,
		"192.0.2.1:443": false, "example.com:443": false, "0.0.0.0:443": false,
		"127.0.0.1": false, "127.0.0.1:0": false, "127.0.0.1:99999": false, ":8443": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestMilliseconds(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0 ms"},
		{612 * time.Microsecond, "0.6 ms"},
		{9*time.Millisecond + 950*time.Microsecond, "9.9 ms"},
		{10 * time.Millisecond, "10 ms"},
		{1234*time.Millisecond + 900*time.Microsecond, "1234 ms"},
	} {
		if got := milliseconds(tt.d); got != tt.want {
			t.Errorf("milliseconds(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
