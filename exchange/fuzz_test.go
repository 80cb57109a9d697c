package exchange_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
)

// FuzzParseResponse feeds ParseResponse arbitrary answers. It must not
// panic, must return a token or an error and never both, and an error must
// be one line, exactly one of ErrRejected and ErrUnavailable, and hold no
// token of the body. The seeds are every shape of Pixiv's answers, here
// and in testdata/fuzz/FuzzParseResponse.
func FuzzParseResponse(f *testing.F) {
	const user = `{"profile_image_urls":{"px_16x16":"u","px_50x50":"u","px_170x170":"u"},"id":"123456","name":"Ann",` +
		`"account":"user_123456","mail_address":"a@example.com","is_premium":false,"x_restrict":0,` +
		`"is_mail_authorized":true,"require_policy_agreement":false}`
	const fields = `"access_token":"AT-secret-1","expires_in":3600,"token_type":"bearer","scope":"","refresh_token":"RT-secret-2","user":` + user
	for _, seed := range []struct {
		status int
		ct     string
		body   string
	}{
		{200, "application/json", `{` + fields + `,"response":{` + fields + `,"device_token":"DT-secret-3"}}`},
		{200, "application/json", `{` + fields + `}`},
		{200, "application/json", `{"response":{` + fields + `}}`},
		{400, "application/json", `{"has_error":true,"errors":{"system":{"message":"Invalid refresh token","code":1508}},"error":"invalid_grant"}`},
		{400, "application/json", `{"has_error":true,"errors":{"system":{"message":"The authorization code has expired","code":1508}}}`},
		{400, "application/json", `{"has_error":true,"errors":{"system":{"message":"Invalid grant_type parameter or parameter missing","code":1508}}}`},
		{400, "application/json", `{"refresh_token":"RT-secret-2","errors":{"system":{"message":"RT-secret-2"}}}`},
		{403, "text/html", `<!DOCTYPE html><title>Attention Required! | Cloudflare</title>`},
		{503, "text/html; charset=UTF-8", `<html>503</html>`},
		{200, "application/json", `{"access_token":`},
		{200, "application/json", ``},
		{429, "", ``},
		{500, "application/json", `{"errors":{"system":{"message":"x","code":"7"}}}`},
		{200, "application/json", `{"access_token":"a","expires_in":1e308}`},
		{200, "application/json", `{"access_token":"a","expires_in":"-5"}`},
	} {
		f.Add(seed.status, seed.ct, []byte(seed.body))
	}
	now := time.Date(2021, 2, 13, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		tok, err := exchange.ParseResponse(status, contentType, body, now)
		if (tok == nil) == (err == nil) {
			t.Fatalf("token %v and error %v: want exactly one", tok, err)
		}
		if tok != nil {
			if tok.AccessToken == "" {
				t.Fatal("a token without an access token")
			}
			if tok.Expiry.Before(now) || tok.Expiry.After(now.AddDate(101, 0, 0)) {
				t.Fatalf("Expiry %v is not in [now, now+100y]", tok.Expiry)
			}
			return
		}
		var e *exchange.Error
		if !errors.As(err, &e) {
			t.Fatalf("err %#v is not an *Error", err)
		}
		if errors.Is(err, exchange.ErrRejected) == errors.Is(err, exchange.ErrUnavailable) {
			t.Fatalf("err %v: want exactly one of ErrRejected, ErrUnavailable", err)
		}
		text := err.Error()
		if text == "" || strings.ContainsAny(text, "\r\n") {
			t.Fatalf("error text %q is not one line", text)
		}
		if e.Status != status {
			t.Fatalf("Status = %d, want %d", e.Status, status)
		}
		// Only Pixiv's message and OAuth code come from the body; the rest
		// of the text is the package's own. So: whatever a token of the
		// body shares with the text must be shared without them too.
		bare := *e
		bare.Message, bare.OAuth = "", ""
		for _, secret := range tokensIn(body) {
			if strings.Contains(text, secret) && !strings.Contains(bare.Error(), secret) {
				t.Fatalf("error text %q holds the token %q of the body", text, secret)
			}
		}
	})
}

// tokensIn returns every non-empty string under a token's name, at any
// depth, however cased.
func tokensIn(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				k = strings.ToLower(k)
				if s, ok := x.(string); ok && s != "" && (k == "access_token" || k == "refresh_token" || k == "device_token") {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
