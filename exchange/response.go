package exchange

import (
	"bytes"
	"encoding/json"
	"math"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseResponse reads an answer of Pixiv's token endpoint: its HTTP status,
// Content-Type and body, received at now.
//
// A success carries the token at top level, inside a "response" object, or
// both (Pixiv sends both; old documentation shows only the wrapped form); the
// shape that holds an access token wins, and expires_in becomes an absolute
// [Token.Expiry] counted from now (an answer without expires_in gives a
// token that is already expired, so that it is refreshed rather than
// trusted). Anything else is an [*Error]: [ErrRejected] for Pixiv's own error
// JSON on a 400, 401 or 200 (with its message, code and OAuth error), and
// [ErrUnavailable] for an HTML page (Cloudflare), a 429 or 5xx, any other
// status, an empty or non-JSON body, or JSON without an access token.
// It returns a token or an error, never both. The error's text holds no part
// of the body but Pixiv's message, and not even that when the body carries a
// token.
func ParseResponse(status int, contentType string, body []byte, now time.Time) (*Token, error) {
	e := &Error{Status: status, Err: ErrUnavailable}
	if isHTML(contentType, body) {
		e.kind = kindBlocked
		return nil, e
	}
	body = bytes.TrimSpace(body)
	var w wireAnswer
	parsed := len(body) > 0 && json.Unmarshal(body, &w) == nil
	if parsed {
		e.Code, e.Message, e.OAuth = w.pixivError()
	}
	switch {
	case status == 429:
		e.kind = kindRateLimited
	case status >= 500:
		e.kind = kindFailing
	case status >= 200 && status < 300:
		switch {
		case len(body) == 0:
			e.kind = kindEmpty
		case !parsed:
			e.kind = kindMalformed
		default:
			if t := w.token(now); t != nil {
				return t, nil
			}
			e.kind = kindNoToken
			if w.isError() {
				// Pixiv's error JSON with a success status: it said no.
				e.kind, e.Err = kindRejected, ErrRejected
			}
		}
	case (status == 400 || status == 401) && parsed && w.isError():
		e.kind, e.Err = kindRejected, ErrRejected
	default:
		e.kind = kindUnexpected
	}
	if parsed && holdsToken(body) {
		// An answer that holds a token has no business in an error: say
		// nothing of what it holds.
		e.Message, e.OAuth = "", ""
	}
	return nil, e
}

// isHTML reports whether an answer is a web page rather than the token
// endpoint's JSON: what Cloudflare (or a captive portal) sends.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil &&
		(mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// wireAnswer is every shape the token endpoint answers with. Fields that
// pixivauth only passes along are decoded leniently, so that a change of
// their type at Pixiv does not break logins; the tokens themselves must be
// strings.
type wireAnswer struct {
	wireToken
	Response *wireToken `json:"response"`

	HasError lenient         `json:"has_error"`
	Errors   json.RawMessage `json:"errors"` // {"system":{"message","code"}}
	// Error is the OAuth error code, a string; some Pixiv endpoints send an
	// object with a message instead.
	Error            json.RawMessage `json:"error"`
	ErrorDescription lenient         `json:"error_description"`
}

type wireToken struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresIn    lenient   `json:"expires_in"`
	TokenType    lenient   `json:"token_type"`
	Scope        lenient   `json:"scope"`
	DeviceToken  lenient   `json:"device_token"`
	User         *wireUser `json:"user"`
}

type wireUser struct {
	ID        lenient `json:"id"`
	Name      lenient `json:"name"`
	Account   lenient `json:"account"`
	IsPremium lenient `json:"is_premium"`
	XRestrict lenient `json:"x_restrict"`
}

// token is the token of a success answer, or nil.
func (w *wireAnswer) token(now time.Time) *Token {
	main, other := &w.wireToken, w.Response
	if main.AccessToken == "" {
		main, other = other, main
	}
	if main == nil || main.AccessToken == "" {
		return nil
	}
	if other == nil {
		other = &wireToken{}
	}
	t := &Token{
		AccessToken:  main.AccessToken,
		RefreshToken: first(main.RefreshToken, other.RefreshToken),
		TokenType:    first(main.TokenType.text(), other.TokenType.text()),
		Scope:        first(main.Scope.text(), other.Scope.text()),
		// Only the wrapped object carries it.
		DeviceToken: first(main.DeviceToken.text(), other.DeviceToken.text()),
		Expiry:      now.Add(lifetime(main.ExpiresIn)),
	}
	u := main.User
	if u == nil || u.ID.text() == "" {
		u = other.User
	}
	if u != nil {
		t.User = User{
			ID:        u.ID.text(),
			Name:      u.Name.text(),
			Account:   u.Account.text(),
			IsPremium: u.IsPremium.boolean(),
			XRestrict: int(u.XRestrict.integer()),
		}
	}
	return t
}

// maxLifetime bounds expires_in so that the expiry stays representable.
const maxLifetime = 100 * 365 * 24 * time.Hour

// lifetime is expires_in as a duration. An answer without a usable one
// yields an already expired token, so that it is refreshed before use
// rather than trusted forever.
func lifetime(expiresIn lenient) time.Duration {
	s := expiresIn.number()
	switch {
	case s <= 0:
		return 0
	case s >= maxLifetime.Seconds():
		return maxLifetime
	}
	return time.Duration(s * float64(time.Second))
}

func (w *wireAnswer) isError() bool {
	code, msg, oauth := w.pixivError()
	return w.HasError.boolean() || code != 0 || msg != "" || oauth != ""
}

// pixivError is Pixiv's own error block and the OAuth error code, cleaned
// for an error message.
func (w *wireAnswer) pixivError() (code int, message, oauth string) {
	var errs struct {
		System struct {
			Message lenient `json:"message"`
			Code    lenient `json:"code"`
		} `json:"system"`
	}
	if json.Unmarshal(w.Errors, &errs) == nil {
		code, message = int(errs.System.Code.integer()), errs.System.Message.text()
	}
	var obj struct {
		Message     lenient `json:"message"`
		UserMessage lenient `json:"user_message"`
	}
	var s string
	switch {
	case json.Unmarshal(w.Error, &s) == nil:
		oauth = s
	case json.Unmarshal(w.Error, &obj) == nil:
		message = first(message, obj.Message.text(), obj.UserMessage.text())
	}
	message = first(message, w.ErrorDescription.text())
	return code, clean(message), clean(oauth)
}

// holdsToken reports whether a JSON body holds, at any depth and under any
// spelling that encoding/json would match, a token: an access, refresh or
// device token that is not empty.
func holdsToken(body []byte) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && s != "" &&
					(strings.EqualFold(k, "access_token") || strings.EqualFold(k, "refresh_token") || strings.EqualFold(k, "device_token")) {
					return true
				}
				if walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// clean makes text from an answer fit on one line of an error message.
func clean(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	}), " ")
	const limit = 200
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lenient holds any JSON value and reads it as the type the caller expects,
// falling back to the zero value.
type lenient struct{ raw json.RawMessage }

func (l *lenient) UnmarshalJSON(b []byte) error {
	l.raw = append(l.raw[:0], b...)
	return nil
}

func (l lenient) text() string {
	var s string
	if json.Unmarshal(l.raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(l.raw, &n) == nil {
		return n.String() // a numeric user id
	}
	return ""
}

func (l lenient) number() float64 {
	var f float64
	if json.Unmarshal(l.raw, &f) == nil {
		return f
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(l.text()), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func (l lenient) integer() int64 {
	f := l.number()
	if f >= math.MaxInt32 || f <= math.MinInt32 {
		return 0
	}
	return int64(f)
}

func (l lenient) boolean() bool {
	var b bool
	if json.Unmarshal(l.raw, &b) == nil {
		return b
	}
	switch l.text() {
	case "true", "1":
		return true
	}
	return false
}
