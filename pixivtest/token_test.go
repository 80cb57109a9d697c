package pixivtest_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// codeFor logs the demo account in over HTTP and returns a fresh code and
// its verifier.
func codeFor(t *testing.T, s *pixivtest.Server) (code, verifier string) {
	t.Helper()
	verifier, challenge := pkce()
	return logIn(t, newBrowser(t, s), challenge, pixivtest.DemoAccount()), verifier
}

func TestTokenErrors(t *testing.T) {
	const (
		wrongMessage = "103:pixiv ID、またはメールアドレス、パスワードが正しいかチェックしてください。"
	)
	tests := []struct {
		name    string
		opts    []pixivtest.Option
		form    func(code, verifier, refresh string) url.Values
		oauth   string
		message string
	}{
		{"wrong client_id", nil, func(c, v, _ string) url.Values {
			f := codeForm(c, v)
			f.Set("client_id", "KzEZED7aC0vird8jWyHM38mXjNTY")
			return f
		}, "invalid_client", "The client credentials are invalid"},
		{"wrong client_secret", nil, func(c, v, _ string) url.Values {
			f := codeForm(c, v)
			f.Set("client_secret", "W9JZoJe00qPvJsiyCGT3CCtC6ZUtdpKpzMbNlUGP")
			return f
		}, "invalid_client", "The client credentials are invalid"},
		{"no grant_type", nil, func(c, v, _ string) url.Values {
			f := codeForm(c, v)
			f.Del("grant_type")
			return f
		}, "invalid_grant", "Invalid grant_type parameter or parameter missing"},
		{"unknown grant", nil, func(string, string, string) url.Values {
			return tokenForm("grant_type", "client_credentials")
		}, "invalid_grant", "Invalid grant_type parameter or parameter missing"},
		{"retired password grant", nil, func(string, string, string) url.Values {
			return tokenForm("grant_type", "password", "username", "demo", "password", "demo-password", "device_token", "pixiv", "get_secure_url", "true")
		}, "invalid_grant", "Invalid grant_type parameter or parameter missing"},
		{"password grant, wrong password", []pixivtest.Option{pixivtest.WithPasswordGrant(true)}, func(string, string, string) url.Values {
			return tokenForm("grant_type", "password", "username", "demo", "password", "nope", "device_token", "pixiv")
		}, "invalid_grant", wrongMessage},
		{"password grant, no device_token", []pixivtest.Option{pixivtest.WithPasswordGrant(true)}, func(string, string, string) url.Values {
			return tokenForm("grant_type", "password", "username", "demo", "password", "demo-password")
		}, "invalid_grant", "Invalid grant_type parameter or parameter missing"},
		{"unknown code", nil, func(_, v, _ string) url.Values {
			return codeForm("Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFy", v)
		}, "invalid_grant", "Authorization code doesn't exist or is invalid for the client"},
		{"wrong verifier", nil, func(c, _, _ string) url.Values {
			v, _ := pkce()
			return codeForm(c, v)
		}, "invalid_grant", "The PKCE code verifier parameter is invalid."},
		{"no verifier", nil, func(c, _, _ string) url.Values {
			f := codeForm(c, "")
			f.Del("code_verifier")
			return f
		}, "invalid_grant", "The PKCE code verifier parameter is required."},
		{"challenge as verifier", nil, func(c, v, _ string) url.Values {
			return codeForm(c, oauth2.S256ChallengeFromVerifier(v))
		}, "invalid_grant", "The PKCE code verifier parameter is invalid."},
		{"wrong redirect_uri", nil, func(c, v, _ string) url.Values {
			f := codeForm(c, v)
			f.Set("redirect_uri", pixiv.RedirectURI+"/")
			return f
		}, "redirect_uri_mismatch", "The redirect URI is missing or do not match"},
		{"no redirect_uri", nil, func(c, v, _ string) url.Values {
			f := codeForm(c, v)
			f.Del("redirect_uri")
			return f
		}, "redirect_uri_mismatch", "The redirect URI is missing or do not match"},
		{"unknown refresh token", nil, func(string, string, string) url.Values {
			return tokenForm("grant_type", "refresh_token", "refresh_token", "not-a-token")
		}, "invalid_grant", "Invalid refresh token"},
		{"revoked refresh token", nil, func(_, _, rt string) url.Values {
			return tokenForm("grant_type", "refresh_token", "refresh_token", rt)
		}, "invalid_grant", "Invalid refresh token"},
		{"no refresh token", nil, func(string, string, string) url.Values {
			return tokenForm("grant_type", "refresh_token")
		}, "invalid_request", `Missing parameter: "refresh_token" is required`},
	}
	for _, legacy := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			opts := append([]pixivtest.Option{pixivtest.WithAccount(pixivtest.DemoAccount())}, tc.opts...)
			if legacy {
				name += " (legacy)"
				opts = append(opts, pixivtest.WithLegacyErrors())
			}
			t.Run(name, func(t *testing.T) {
				s := pixivtest.New(opts...)
				defer s.Close()
				code, verifier := codeFor(t, s)
				rt := s.NewRefreshToken("11111111")
				s.RevokeRefreshToken(rt)
				status, a, body := token(t, s, tc.form(code, verifier, rt))
				if status != http.StatusBadRequest || !a.HasError || a.Errors.System.Code != 1508 || a.Errors.System.Message != tc.message {
					t.Errorf("%d %s; want 400, code 1508, message %q", status, body, tc.message)
				}
				switch {
				case legacy && a.Error != nil:
					t.Errorf("legacy error has an error key: %s", body)
				case !legacy && (a.Error == nil || *a.Error != tc.oauth):
					t.Errorf("error key: %s; want %q", body, tc.oauth)
				}
				if len(s.Issued()) != 0 {
					t.Errorf("a refused request issued tokens: %+v", s.Issued())
				}
				// A refused attempt leaves the code for a right one.
				if status, _, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK {
					t.Errorf("the right exchange after the refusal: %d %s", status, body)
				}
			})
		}
	}
}

// TestErrorEncoding checks the bytes of an error as Pixiv's PHP writes them.
func TestErrorEncoding(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithPasswordGrant(true))
	defer s.Close()
	_, _, body := token(t, s, tokenForm("grant_type", "refresh_token", "refresh_token", "x"))
	if want := `{"has_error":true,"errors":{"system":{"message":"Invalid refresh token","code":1508}},"error":"invalid_grant"}`; body != want {
		t.Errorf("error body\n%s\nwant\n%s", body, want)
	}
	_, _, body = token(t, s, tokenForm("grant_type", "password", "username", "demo", "password", "x", "device_token", "pixiv"))
	if !strings.Contains(body, `"message":"103:pixiv ID\u3001\u307e\u305f`) {
		t.Errorf("non-ASCII is not \\u-escaped: %s", body)
	}
}

func TestCodeUsedOnce(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	code, verifier := codeFor(t, s)
	if status, _, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK {
		t.Fatalf("first exchange: %d %s", status, body)
	}
	status, a, body := token(t, s, codeForm(code, verifier))
	if status != http.StatusBadRequest || a.Errors.System.Message != "Authorization code doesn't exist or is invalid for the client" {
		t.Errorf("second exchange: %d %s", status, body)
	}
	if n := len(s.Issued()); n != 1 {
		t.Errorf("%d token sets issued, want 1", n)
	}
}

// TestCodeUsedOnceConcurrently races exchanges of one code: exactly one wins.
func TestCodeUsedOnceConcurrently(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	code, verifier := codeFor(t, s)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			resp, err := s.Client().PostForm(pixiv.TokenURL, codeForm(code, verifier))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == http.StatusOK {
			ok++
		}
	}
	if ok != 1 || len(s.Issued()) != 1 {
		t.Errorf("statuses %v, issued %d; want exactly one success", statuses, len(s.Issued()))
	}
}

func TestCodeExpiry(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration // 0: the default
		age  time.Duration
		ok   bool
	}{
		{"fresh", 0, 0, true},
		{"29 s, default TTL", 0, 29 * time.Second, true},
		{"30 s, default TTL", 0, 30 * time.Second, false},
		{"an hour", 0, time.Hour, false},
		{"4 s of a 5 s TTL", 5 * time.Second, 4 * time.Second, true},
		{"5 s of a 5 s TTL", 5 * time.Second, 5 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
			opts := []pixivtest.Option{
				pixivtest.WithAccount(pixivtest.DemoAccount()),
				pixivtest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }),
			}
			if tc.ttl != 0 {
				opts = append(opts, pixivtest.WithCodeTTL(tc.ttl))
			}
			s := pixivtest.New(opts...)
			defer s.Close()
			code, verifier := codeFor(t, s)
			mu.Lock()
			now = now.Add(tc.age)
			mu.Unlock()
			status, a, body := token(t, s, codeForm(code, verifier))
			if tc.ok != (status == http.StatusOK) {
				t.Fatalf("exchange at %v: %d %s", tc.age, status, body)
			}
			if !tc.ok && a.Errors.System.Message != "The authorization code has expired" {
				t.Errorf("expired code: %s", body)
			}
			if tc.ok && !s.Issued()[0].Time.Equal(now) {
				t.Errorf("Issued time %v, want the server's clock %v", s.Issued()[0].Time, now)
			}
		})
	}
}

func TestTokenShapes(t *testing.T) {
	tests := []struct {
		name         string
		shape        pixivtest.Shape
		top, wrapped bool
	}{
		{"both", pixivtest.ShapeBoth, true, true},
		{"top-level", pixivtest.ShapeTopLevel, true, false},
		{"wrapped", pixivtest.ShapeWrapped, false, true},
	}
	fields := []string{"access_token", "expires_in", "token_type", "scope", "refresh_token", "user"}
	userFields := []string{"profile_image_urls", "id", "name", "account", "mail_address", "is_premium", "x_restrict", "is_mail_authorized", "require_policy_agreement"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acct := pixivtest.DemoAccount()
			acct.Premium, acct.XRestrict = true, 1
			s := pixivtest.New(pixivtest.WithAccount(acct), pixivtest.WithShape(tc.shape), pixivtest.WithAccessTokenTTL(90*time.Second))
			defer s.Close()
			code, verifier := codeFor(t, s)
			status, _, body := token(t, s, codeForm(code, verifier))
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &raw); err != nil {
				t.Fatal(err)
			}
			check := func(where string, obj map[string]json.RawMessage, device bool) {
				for _, f := range fields {
					if _, ok := obj[f]; !ok {
						t.Errorf("%s lacks %s: %s", where, f, body)
					}
				}
				if _, ok := obj["device_token"]; ok != device {
					t.Errorf("%s has device_token: %v, want %v", where, ok, device)
				}
				var user map[string]any
				_ = json.Unmarshal(obj["user"], &user)
				for _, f := range userFields {
					if _, ok := user[f]; !ok {
						t.Errorf("%s user lacks %s", where, f)
					}
				}
				if user["id"] != "11111111" || user["is_premium"] != true || user["x_restrict"] != 1.0 || user["account"] != "pixivauth_demo" {
					t.Errorf("%s user = %v", where, user)
				}
				var exp int
				_ = json.Unmarshal(obj["expires_in"], &exp)
				var typ string
				_ = json.Unmarshal(obj["token_type"], &typ)
				if exp != 90 || typ != "bearer" {
					t.Errorf("%s expires_in %d, token_type %q", where, exp, typ)
				}
			}
			if _, ok := raw["access_token"]; ok != tc.top {
				t.Errorf("top-level fields: %v, want %v: %s", ok, tc.top, body)
			}
			if tc.top {
				check("top level", raw, false)
			}
			if _, ok := raw["response"]; ok != tc.wrapped {
				t.Errorf("response object: %v, want %v: %s", ok, tc.wrapped, body)
			}
			if tc.wrapped {
				var resp map[string]json.RawMessage
				_ = json.Unmarshal(raw["response"], &resp)
				check("response", resp, true)
			}
			// PHP's json_encode escapes slashes.
			if !strings.Contains(body, `"px_16x16":"https:\/\/s.pximg.net\/`) {
				t.Errorf("URLs are not written as PHP writes them: %s", body)
			}
		})
	}
}

func TestPasswordGrant(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()), pixivtest.WithPasswordGrant(true))
	defer s.Close()
	status, a, body := token(t, s, tokenForm("grant_type", "password", "username", "demo", "password", "demo-password", "device_token", "pixiv", "get_secure_url", "true"))
	if status != http.StatusOK || a.User.ID != "11111111" || a.RefreshToken == "" {
		t.Fatalf("password grant: %d %s", status, body)
	}
	if is := s.Issued(); len(is) != 1 || is[0].Grant != "password" {
		t.Errorf("Issued() = %+v", is)
	}
}

func TestNewRefreshToken(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	rt := s.NewRefreshToken("11111111")
	status, a, body := token(t, s, tokenForm("grant_type", "refresh_token", "refresh_token", rt))
	if status != http.StatusOK || a.RefreshToken != rt || a.User.Name != "Demo User" || a.Response == nil || a.Response.DeviceToken == "" {
		t.Fatalf("refresh: %d %s", status, body)
	}
	if is := s.Issued(); len(is) != 1 || is[0].RefreshToken != rt || is[0].AccessToken != a.AccessToken {
		t.Errorf("Issued() = %+v", is)
	}
}

func TestTokenEndpointRefusesGET(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	resp, err := s.Client().Get(pixiv.TokenURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", resp.StatusCode)
	}
}

func TestClientHeadersRecorded(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	const clientTime = "2025-01-01T00:00:00+00:00"
	tests := []struct {
		name       string
		time, hash string
		ok         bool
	}{
		{"right hash", clientTime, md5hex(clientTime + pixiv.HashSecret), true},
		{"wrong hash", clientTime, md5hex(clientTime), false},
		{"none", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, pixiv.TokenURL, strings.NewReader(tokenForm("grant_type", "refresh_token", "refresh_token", "x").Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("User-Agent", pixiv.UserAgent)
			if tc.time != "" {
				req.Header.Set("X-Client-Time", tc.time)
				req.Header.Set("X-Client-Hash", tc.hash)
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			trs := s.TokenRequests()
			last := trs[len(trs)-1]
			if last.Header.Get("User-Agent") != pixiv.UserAgent || last.ClientHashOK() != tc.ok {
				t.Errorf("recorded UA %q, ClientHashOK %v; want %v", last.Header.Get("User-Agent"), last.ClientHashOK(), tc.ok)
			}
		})
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestNewCode(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	verifier, challenge := pkce()
	code := s.NewCode("11111111", challenge)
	// Another first letter: "x" would be the same verifier one time in 64.
	wrong := "x" + verifier[1:]
	if verifier[0] == 'x' {
		wrong = "y" + verifier[1:]
	}
	if status, _, body := token(t, s, codeForm(code, wrong)); status != http.StatusBadRequest {
		t.Errorf("wrong verifier: %d %s", status, body)
	}
	if status, a, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK || a.User.ID != "11111111" {
		t.Errorf("exchange: %d %s", status, body)
	}
}
