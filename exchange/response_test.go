package exchange

import (
	"errors"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/reason"
)

func TestParseResponseSuccess(t *testing.T) {
	wantUser := User{ID: "123456", Name: "Ann", Account: "user_123456", IsPremium: true, XRestrict: 2}
	tests := []struct {
		name       string
		body       string
		wantDevice string
		wantExpiry time.Time
		wantUser   User
	}{
		{"both shapes", bodyBoth, "DT-issued", testNow.Add(time.Hour), wantUser},
		{"top level only", bodyTopLevel, "", testNow.Add(time.Hour), wantUser},
		{"wrapped only", bodyWrapped, "DT-issued", testNow.Add(time.Hour), wantUser},
		{
			"empty top level, token wrapped",
			`{"access_token":"","user":null,"response":{` + tokenFields + `}}`,
			"", testNow.Add(time.Hour), wantUser,
		},
		{
			"lenient types",
			`{"access_token":"AT-issued","refresh_token":"RT-issued","expires_in":"1800","token_type":"bearer","scope":["all"],` +
				`"user":{"id":123456,"name":"Ann","account":"user_123456","is_premium":"true","x_restrict":"2"}}`,
			"", testNow.Add(30 * time.Minute), wantUser,
		},
		{"no expires_in: expired at once", `{"access_token":"AT-issued","refresh_token":"RT-issued"}`, "", testNow, User{}},
		{"absurd expires_in is bounded", `{"access_token":"AT-issued","refresh_token":"RT-issued","expires_in":1e300}`, "", testNow.Add(maxLifetime), User{}},
		{"token beside an error block", `{"has_error":true,` + tokenFields + `}`, "", testNow.Add(time.Hour), wantUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseResponse(200, "application/json; charset=utf-8", []byte(tt.body), testNow)
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if tok.AccessToken != "AT-issued" || tok.RefreshToken != "RT-issued" {
				t.Errorf("tokens = %q, %q", tok.AccessToken, tok.RefreshToken)
			}
			if !tok.Expiry.Equal(tt.wantExpiry) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, tt.wantExpiry)
			}
			if tok.DeviceToken != tt.wantDevice {
				t.Errorf("DeviceToken = %q, want %q", tok.DeviceToken, tt.wantDevice)
			}
			if tok.User != tt.wantUser {
				t.Errorf("User = %+v, want %+v", tok.User, tt.wantUser)
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		is          error
		want        string // the error's text: ParseResponse knows no operation
		code        int
		message     string
		oauth       string
	}{
		{
			name: "invalid refresh token", status: 400, body: bodyBadToken, is: ErrRejected,
			want: "Pixiv rejected the request (Invalid refresh token, code 1508, invalid_grant): a person must log in again",
			code: 1508, message: "Invalid refresh token", oauth: "invalid_grant",
		},
		{
			name: "legacy error without the OAuth key", status: 400, body: bodyBadLegacy, is: ErrRejected,
			want: "Pixiv rejected the request (Invalid refresh token, code 1508): a person must log in again",
			code: 1508, message: "Invalid refresh token",
		},
		{
			name: "expired code", status: 400, body: bodyCodeGone, is: ErrRejected,
			code: 1508, message: "The authorization code has expired", oauth: "invalid_grant",
		},
		{name: "401 with Pixiv's JSON", status: 401, body: bodyBadToken, is: ErrRejected, code: 1508, message: "Invalid refresh token", oauth: "invalid_grant"},
		{name: "OAuth error only", status: 400, body: `{"error":"invalid_grant","error_description":"bad code"}`, is: ErrRejected, message: "bad code", oauth: "invalid_grant"},
		{name: "error object", status: 400, body: `{"error":{"message":"Rate Limit","user_message":""}}`, is: ErrRejected, message: "Rate Limit"},
		{name: "error JSON with status 200", status: 200, body: bodyBadToken, is: ErrRejected, code: 1508, message: "Invalid refresh token", oauth: "invalid_grant"},
		{
			name: "Cloudflare 403", status: 403, contentType: "text/html; charset=UTF-8", body: bodyCloudflare, is: ErrUnavailable,
			want: "Pixiv blocked the request or is unavailable (HTTP 403, an HTML page — Cloudflare?): try again later or from another network",
		},
		{
			name: "Cloudflare 503", status: 503, contentType: "text/html", body: bodyCloudflare, is: ErrUnavailable,
			want: "Pixiv is unavailable (HTTP 503, an HTML page — Cloudflare?): try again later",
		},
		{name: "HTML with a JSON content type", status: 200, contentType: "application/json", body: "\n  <html>blocked</html>", is: ErrUnavailable},
		{
			name: "malformed JSON", status: 200, body: `{"access_token":"AT-issued",`, is: ErrUnavailable,
			want: "Pixiv sent a malformed answer (HTTP 200, not token JSON): try again later",
		},
		{name: "token of the wrong type", status: 200, body: `{"access_token":12345}`, is: ErrUnavailable},
		{name: "plain text", status: 200, contentType: "text/plain", body: "OK", is: ErrUnavailable},
		{
			name: "empty body", status: 200, body: " \n", is: ErrUnavailable,
			want: "Pixiv sent an empty answer (HTTP 200): try again later",
		},
		{
			name: "JSON without a token", status: 200, body: `{"response":{}}`, is: ErrUnavailable,
			want: "Pixiv's answer holds no access token (HTTP 200): try again later; if it persists, Pixiv may have changed its token endpoint",
		},
		{name: "JSON array", status: 200, body: `[]`, is: ErrUnavailable},
		{
			name: "429", status: 429, body: ``, is: ErrUnavailable,
			want: "Pixiv is limiting requests (HTTP 429): wait, then try again",
		},
		{
			name: "500 with Pixiv's JSON", status: 500, body: `{"has_error":true,"errors":{"system":{"message":"Internal error","code":5}}}`, is: ErrUnavailable,
			want: "Pixiv is failing (HTTP 500, Internal error, code 5): try again later", code: 5, message: "Internal error",
		},
		{name: "502 text", status: 502, contentType: "text/plain", body: "Bad Gateway", is: ErrUnavailable, want: "Pixiv is failing (HTTP 502): try again later"},
		{
			name: "400 that is not Pixiv's", status: 400, contentType: "text/plain", body: "Bad Request", is: ErrUnavailable,
			want: "Pixiv answered with an unexpected HTTP 400: try again later; if it persists, Pixiv may have changed its token endpoint",
		},
		{name: "400 with empty JSON", status: 400, body: `{}`, is: ErrUnavailable},
		{name: "404", status: 404, body: `{"error":"not_found"}`, is: ErrUnavailable, oauth: "not_found"},
		{name: "redirect", status: 302, body: ``, is: ErrUnavailable},
		{
			name: "an error that carries a token says nothing of it", status: 400,
			body: `{"refresh_token":"RT-leaked","errors":{"system":{"message":"RT-leaked","code":1508}},"error":"RT-leaked"}`,
			is:   ErrRejected, code: 1508,
			want: "Pixiv rejected the request (code 1508): a person must log in again",
		},
		{
			name: "a message is one line", status: 400,
			body: `{"errors":{"system":{"message":"line one\nline\ttwo\u0007","code":1508}}}`,
			is:   ErrRejected, code: 1508, message: "line one line two",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			tok, err := ParseResponse(tt.status, ct, []byte(tt.body), testNow)
			if tok != nil {
				t.Errorf("got a token with the error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, want an *Error", err)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
			other := ErrRejected
			if tt.is == ErrRejected {
				other = ErrUnavailable
			}
			if errors.Is(err, other) {
				t.Errorf("err = %v is also %v", err, other)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("text:\n got %s\nwant %s", err, tt.want)
			}
			if e.Status != tt.status || e.Code != tt.code || e.Message != tt.message || e.OAuth != tt.oauth {
				t.Errorf("Status, Code, Message, OAuth = %d, %d, %q, %q; want %d, %d, %q, %q",
					e.Status, e.Code, e.Message, e.OAuth, tt.status, tt.code, tt.message, tt.oauth)
			}
		})
	}
}

func TestErrorBuiltByHand(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: OpRefresh, Status: 400, Code: 1508, Message: "Invalid refresh token", Err: ErrRejected},
			"refresh: Pixiv rejected the refresh token (Invalid refresh token, code 1508): it was revoked, has expired, or is not a refresh token"},
		{&Error{Op: OpPassword, Status: 400, Err: ErrPasswordGrantRetired},
			"password login: Pixiv retired the password grant in February 2021: log in with the browser instead"},
		{&Error{Op: OpRefresh, Status: 418, Err: ErrUnavailable},
			"refresh: Pixiv answered with an unexpected HTTP 418: try again later; if it persists, Pixiv may have changed its token endpoint"},
		{&Error{Op: OpRefresh, Status: 503, Err: ErrUnavailable},
			"refresh: Pixiv is failing (HTTP 503): try again later"},
		{&Error{Op: OpExchange, Err: ErrUnavailable},
			"code exchange: no answer from oauth.secure.pixiv.net: check the network or proxy, then run the login again"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("\n got %s\nwant %s", got, tt.want)
		}
	}
	if !errors.Is(ErrPasswordGrantRetired, ErrRejected) {
		t.Error("ErrPasswordGrantRetired is not ErrRejected")
	}
}

// Cloudflare's page for a block is a block; its page for a Pixiv that is
// down is Pixiv failing, as the browserless login says of the same page.
func TestCloudflareReasons(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   reason.Reason
	}{{403, reason.Blocked}, {503, reason.Failing}, {502, reason.Failing}} {
		_, err := ParseResponse(tt.status, "text/html", []byte(bodyCloudflare), time.Now())
		if got := reason.Of(err); got != tt.want {
			t.Errorf("HTTP %d with an HTML page: reason %q, want %q", tt.status, got, tt.want)
		}
	}
}
