package capture

import "testing"

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		body string
		kind answerKind
		msg  string
	}{
		{`{"error":false,"body":{"success":{"return_to":"https://accounts.pixiv.net/post-redirect?return_to=x"}}}`, answerSuccess, ""},
		{`{"error":false,"body":{"success":{"returnTo":"x"}}}`, answerSuccess, ""},
		{`{"error":false,"message":"","body":{"validation_errors":{"captcha":"Complete the reCAPTCHA verification"}}}`, answerCaptcha, "Complete the reCAPTCHA verification"},
		{`{"error":false,"body":{"validation_errors":{"locked":"This account is locked."}}}`, answerLocked, "This account is locked."},
		// Any other key is a refusal, whatever Pixiv names it.
		{`{"error":false,"body":{"validation_errors":{"etc":"Please check"}}}`, answerRefused, "Please check"},
		{`{"error":false,"body":{"validation_errors":{"password":"Wrong","pixiv_id":"Also"}}}`, answerRefused, "Wrong"},
		{`{"error":false,"body":{"two_factor_authentication":{"type":"totp"}}}`, answerTwoFactor, ""},
		{`{"error":false,"body":{"email_verification":{}}}`, answerEmailCode, ""},
		{`{"error":true,"message":"Invalid request","body":[]}`, answerError, "Invalid request"},
		{`{"error":false,"body":{}}`, answerUnknown, ""},
		{`<html>`, answerUnknown, ""},
	}
	for _, tc := range tests {
		a := parseAnswer("/ajax/login", []byte(tc.body))
		if a.Kind != tc.kind || a.Message != tc.msg {
			t.Errorf("parseAnswer(%s) = %s %q, want %s %q", tc.body, a.Kind, a.Message, tc.kind, tc.msg)
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"error":false,"body":{"validation_errors":{"captcha":"x"}}}`))
	f.Add([]byte(`{"body":{"success":{}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a := parseAnswer("/ajax/login", body)
		if a.Kind == "" {
			t.Fatal("no kind")
		}
	})
}
