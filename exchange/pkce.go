package exchange

import (
	"golang.org/x/oauth2"

	"github.com/pixivauth/pixivauth/pixiv"
)

// NewVerifier returns a fresh PKCE code verifier (RFC 7636, section 4.1): 32
// random bytes, base64url-encoded without padding, 43 characters. Use one
// per login: pass it to [LoginURL] (which sends its [Challenge]) and then,
// with the code the login yields, to [Client.Exchange].
func NewVerifier() string { return oauth2.GenerateVerifier() }

// Challenge returns the S256 code challenge of verifier (RFC 7636, section
// 4.2): "code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))".
// Pixiv accepts only this method.
func Challenge(verifier string) string { return oauth2.S256ChallengeFromVerifier(verifier) }

// LoginURL returns the page that starts Pixiv's app login for verifier:
// [pixiv.LoginURL] with the verifier's [Challenge], method S256 (RFC 7636,
// section 4.3) and the Android client name. A browser that completes the
// login is redirected to [pixiv.CallbackURL] with a code, which
// [Client.Exchange] turns into tokens together with the same verifier.
func LoginURL(verifier string) string { return pixiv.LoginURLFor(Challenge(verifier)) }
