package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/session"
)

// MinSecret is the shortest value treated as a secret: every real one
// (43-character tokens and codes, PHPSESSID, the passwords) is far longer,
// and a shorter one would match by chance.
const MinSecret = 8

// Secrets is a set of secret values, each with what it is.
type Secrets map[string]string

// Add records values as secrets of the kind what; empty and short ones
// (under MinSecret) are left out.
func (s Secrets) Add(what string, values ...string) {
	for _, v := range values {
		if len(v) >= MinSecret {
			s[v] = what
		}
	}
}

// In names the secrets that s holds, sorted.
func (s Secrets) In(text string) []string {
	var out []string
	for v, what := range s {
		if strings.Contains(text, v) {
			out = append(out, fmt.Sprintf("%s (%.6s…)", what, v))
		}
	}
	slices.Sort(out)
	return out
}

// SecretsOf collects every secret that srv issued or was sent (access and
// refresh tokens, codes, verifiers, passwords, pending two-factor logins,
// the CSRF tt, session cookies) and those in the caches (token.json,
// session.json) of the profiles under configDir: the PHPSESSID the double
// sets reaches pixivauth only through Set-Cookie, which the double does not
// record, so session.json is where it is read back. srv may be nil (the
// demo runs a double of its own), and configDir empty.
func SecretsOf(srv *pixivtest.Server, configDir string) Secrets {
	s := Secrets{}
	if srv != nil {
		for _, is := range srv.Issued() {
			s.Add("an issued access token", is.AccessToken)
			s.Add("an issued refresh token", is.RefreshToken)
		}
		for _, req := range srv.Requests() {
			// Codes: authorize sends the browser to the callback with
			// ?state=…&code=CODE, and the callback on to the app's
			// pixiv:// URL; the token request posts the code back.
			s.Add("an authorization code", req.Query["code"]...)
			s.Add("an authorization code", req.Form["code"]...)
			s.Add("a PKCE code_verifier", req.Form["code_verifier"]...)
			s.Add("a refresh token given to the double", req.Form["refresh_token"]...)
			s.Add("a password posted to the double", req.Form["password"]...)
			s.Add("a pending two-factor login token", req.Form["login_token"]...)
			s.Add("the CSRF tt", req.Form[pixiv.CSRFParam]...)
			s.Add("the CSRF tt", req.Query[pixiv.CSRFParam]...)
			for _, c := range (&http.Request{Header: req.Header}).Cookies() {
				if c.Name == pixiv.SessionCookie {
					s.Add("a PHPSESSID the browser sent", c.Value)
				}
			}
		}
	}
	if configDir == "" {
		return s
	}
	tokens, _ := filepath.Glob(filepath.Join(configDir, "*", "token.json"))
	for _, path := range tokens {
		var t struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &t) == nil {
			s.Add("a cached access token", t.AccessToken)
			s.Add("a cached refresh token", t.RefreshToken)
		}
	}
	sessions, _ := filepath.Glob(filepath.Join(configDir, "*", "session.json"))
	for _, path := range sessions {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if sess, err := session.ParseFile(data); err == nil {
			for _, c := range sess.Cookies {
				s.Add("the cookie "+c.Name+" of a saved session", c.Value)
			}
		}
	}
	return s
}
