package capture

import (
	"encoding/json"
	"sort"

	"github.com/pixivauth/pixivauth/pixiv"
)

// answerKind is what a login XHR's JSON answer says.
type answerKind string

const (
	answerSuccess   answerKind = "success"
	answerCaptcha   answerKind = "captcha"
	answerLocked    answerKind = "locked"
	answerRefused   answerKind = "refused" // any other validation error: wrong password, or a wrong code
	answerTwoFactor answerKind = "two-factor"
	answerEmailCode answerKind = "email-code"
	answerError     answerKind = "error" // error:true, with a message
	answerUnknown   answerKind = "unknown"
)

// loginAnswer is a login XHR's answer, as the driver reads it.
type loginAnswer struct {
	Path string
	Kind answerKind
	// Message is Pixiv's message for a refusal or an error (no secret is
	// in it: Pixiv's wording, in the page's language).
	Message string
	// Unreadable: the browser no longer had the body.
	Unreadable bool
}

// parseAnswer reads the JSON answer of the login XHR to path: decided by
// its keys, never by its wording.
func parseAnswer(path string, body []byte) loginAnswer {
	a := loginAnswer{Path: path, Kind: answerUnknown}
	var raw struct {
		Error   bool            `json:"error"`
		Message string          `json:"message"`
		Body    json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return a
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw.Body, &fields) // an error answer's body may be []
	if _, ok := fields[pixiv.AnswerSuccess]; ok {
		a.Kind = answerSuccess
		return a
	}
	if v, ok := fields[pixiv.AnswerValidationErrors]; ok {
		var errs map[string]any
		_ = json.Unmarshal(v, &errs)
		keys := make([]string, 0, len(errs))
		for k := range errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := errs[k].(string); ok && a.Message == "" {
				a.Message = s
			}
		}
		switch {
		case errs[pixiv.ValidationCaptcha] != nil:
			a.Kind = answerCaptcha
		case errs[pixiv.ValidationLocked] != nil:
			a.Kind = answerLocked
		case len(errs) > 0:
			a.Kind = answerRefused
		}
		if a.Kind != answerUnknown {
			return a
		}
	}
	if _, ok := fields[pixiv.AnswerTwoFactor]; ok {
		a.Kind = answerTwoFactor
		return a
	}
	if _, ok := fields[pixiv.AnswerEmailCode]; ok {
		a.Kind = answerEmailCode
		return a
	}
	if raw.Error {
		a.Kind, a.Message = answerError, raw.Message
	}
	return a
}
