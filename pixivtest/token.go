package pixivtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/pixivauth/pixivauth/pixiv"
)

// The token endpoint's messages. The seen ones are quoted in the protocol
// document or in issue threads of clients in the wild; the inferred ones are
// worded as the PHP OAuth server that Pixiv's seen messages match words them.
const (
	// Seen.
	msgInvalidRefreshToken = "Invalid refresh token"
	msgCodeExpired         = "The authorization code has expired"
	msgInvalidGrantType    = "Invalid grant_type parameter or parameter missing"
	// Seen: the password grant's answer to a wrong username or password
	// ("check that your pixiv ID or e-mail address and password are right").
	msgWrongCredentials = "103:pixiv ID、またはメールアドレス、パスワードが正しいかチェックしてください。"

	// Inferred.
	msgInvalidClient       = "The client credentials are invalid"
	msgUnknownCode         = "Authorization code doesn't exist or is invalid for the client"
	msgRedirectURIMismatch = "The redirect URI is missing or do not match"
	msgVerifierMissing     = "The PKCE code verifier parameter is required."
	msgVerifierWrong       = "The PKCE code verifier parameter is invalid."
	msgRefreshTokenMissing = `Missing parameter: "refresh_token" is required`
)

// tokenError is an answer of 400 (or so) with Pixiv's error block.
type tokenError struct {
	status  int
	oauth   string // the "error" key: invalid_grant, invalid_client, ...
	message string
}

func invalidGrant(message string) *tokenError {
	return &tokenError{status: http.StatusBadRequest, oauth: "invalid_grant", message: message}
}

// token is the token endpoint, for every grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		// Inferred: the status an OAuth server answers a GET with.
		s.writeTokenError(w, &tokenError{status: http.StatusMethodNotAllowed, oauth: "invalid_request", message: "The request method must be POST when requesting an access token"})
		return
	}
	f := r.PostForm
	// Only the body carries the client's credentials (a client using HTTP
	// Basic is refused, inferred): clients in the wild all send them there.
	if f.Get("client_id") != pixiv.ClientID || f.Get("client_secret") != pixiv.ClientSecret {
		s.writeTokenError(w, &tokenError{status: http.StatusBadRequest, oauth: "invalid_client", message: msgInvalidClient})
		return
	}
	var (
		is  Issued
		err *tokenError
	)
	switch grant := f.Get("grant_type"); {
	case grant == pixiv.GrantAuthorizationCode:
		is, err = s.grantCode(f)
	case grant == pixiv.GrantRefreshToken:
		is, err = s.grantRefresh(f)
	case grant == pixiv.GrantPassword && s.cfg.passwordGrant:
		is, err = s.grantPassword(f)
	default:
		// Pixiv's answer to the retired password grant, and to any grant
		// it does not know.
		err = invalidGrant(msgInvalidGrantType)
	}
	if err != nil {
		s.writeTokenError(w, err)
		return
	}
	s.writeToken(w, is)
}

// grantCode checks a code in the order the OAuth server does: known,
// redirect_uri, expiry, then the PKCE verifier. Only success uses the code
// up; a refused attempt leaves it for a right one.
func (s *Server) grantCode(f url.Values) (Issued, *tokenError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := f.Get("code")
	g, ok := s.codes[code]
	if !ok || code == "" {
		return Issued{}, invalidGrant(msgUnknownCode)
	}
	if f.Get("redirect_uri") != g.redirectURI {
		return Issued{}, &tokenError{status: http.StatusBadRequest, oauth: "redirect_uri_mismatch", message: msgRedirectURIMismatch}
	}
	if !s.now().Before(g.issued.Add(s.cfg.codeTTL)) {
		return Issued{}, invalidGrant(msgCodeExpired)
	}
	verifier := f.Get("code_verifier")
	if verifier == "" {
		return Issued{}, invalidGrant(msgVerifierMissing)
	}
	if oauth2.S256ChallengeFromVerifier(verifier) != g.challenge {
		return Issued{}, invalidGrant(msgVerifierWrong)
	}
	delete(s.codes, code)
	return s.issueLocked(g.accountID, pixiv.GrantAuthorizationCode, ""), nil
}

// grantRefresh issues a new access token; the refresh token stays the same,
// as Pixiv's normally does.
func (s *Server) grantRefresh(f url.Values) (Issued, *tokenError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := f.Get("refresh_token")
	if rt == "" {
		return Issued{}, &tokenError{status: http.StatusBadRequest, oauth: "invalid_request", message: msgRefreshTokenMissing}
	}
	id, ok := s.refresh[rt]
	if !ok || s.accountLocked(id) == nil {
		return Issued{}, invalidGrant(msgInvalidRefreshToken)
	}
	return s.issueLocked(id, pixiv.GrantRefreshToken, rt), nil
}

// grantPassword is the retired grant, under WithPasswordGrant(true).
func (s *Server) grantPassword(f url.Values) (Issued, *tokenError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Get("device_token") != pixiv.DeviceToken || f.Get("username") == "" || f.Get("password") == "" {
		return Issued{}, invalidGrant(msgInvalidGrantType)
	}
	a := s.loginLocked(f.Get("username"), f.Get("password"))
	if a == nil {
		return Issued{}, invalidGrant(msgWrongCredentials)
	}
	return s.issueLocked(a.ID, pixiv.GrantPassword, ""), nil
}

// issueLocked issues an access token, and a refresh token unless refresh
// is given, and records them. s.mu is held.
func (s *Server) issueLocked(accountID, grant, refresh string) Issued {
	if refresh == "" {
		refresh = randomToken()
		s.refresh[refresh] = accountID
	}
	is := Issued{AccessToken: randomToken(), RefreshToken: refresh, AccountID: accountID, Grant: grant, Time: s.now()}
	s.issued = append(s.issued, is)
	return is
}

type profileImageURLs struct {
	Px16  string `json:"px_16x16"`
	Px50  string `json:"px_50x50"`
	Px170 string `json:"px_170x170"`
}

type tokenUser struct {
	ProfileImageURLs       profileImageURLs `json:"profile_image_urls"`
	ID                     string           `json:"id"`
	Name                   string           `json:"name"`
	Account                string           `json:"account"`
	MailAddress            string           `json:"mail_address"`
	IsPremium              bool             `json:"is_premium"`
	XRestrict              int              `json:"x_restrict"`
	IsMailAuthorized       bool             `json:"is_mail_authorized"`
	RequirePolicyAgreement bool             `json:"require_policy_agreement"`
}

// TokenFields is the token answer's fields, in Pixiv's order.
type tokenFields struct {
	AccessToken  string    `json:"access_token"`
	ExpiresIn    int64     `json:"expires_in"`
	TokenType    string    `json:"token_type"`
	Scope        string    `json:"scope"`
	RefreshToken string    `json:"refresh_token"`
	User         tokenUser `json:"user"`
}

type wrappedFields struct {
	tokenFields
	DeviceToken string `json:"device_token"`
}

type tokenAnswer struct {
	*tokenFields
	Response *wrappedFields `json:"response,omitempty"`
}

func (s *Server) writeToken(w http.ResponseWriter, is Issued) {
	s.mu.Lock()
	a := s.accountLocked(is.AccountID)
	s.mu.Unlock()
	fields := &tokenFields{
		AccessToken:  is.AccessToken,
		ExpiresIn:    int64(s.cfg.accessTokenTTL.Seconds()),
		TokenType:    "bearer",
		Scope:        "",
		RefreshToken: is.RefreshToken,
		User: tokenUser{
			ProfileImageURLs: profileImageURLs{Px16: pixiv.NoProfileImage16, Px50: pixiv.NoProfileImage50, Px170: pixiv.NoProfileImage170},
			ID:               a.ID,
			Name:             a.Name,
			Account:          a.Account,
			MailAddress:      a.Mail,
			IsPremium:        a.Premium,
			XRestrict:        a.XRestrict,
			IsMailAuthorized: a.Mail != "",
		},
	}
	var answer tokenAnswer
	if s.cfg.shape != ShapeWrapped {
		answer.tokenFields = fields
	}
	if s.cfg.shape != ShapeTopLevel {
		answer.Response = &wrappedFields{tokenFields: *fields, DeviceToken: randomHex(16)}
	}
	writeJSON(w, http.StatusOK, answer)
}

type pixivError struct {
	HasError bool `json:"has_error"`
	Errors   struct {
		System struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"system"`
	} `json:"errors"`
	Error string `json:"error,omitempty"`
}

func (s *Server) writeTokenError(w http.ResponseWriter, e *tokenError) {
	body := pixivError{HasError: true}
	body.Errors.System.Message = e.message
	// Pixiv's code for every token error seen is 1508 (inferred for the
	// rest).
	body.Errors.System.Code = pixiv.ErrorCodeInvalidGrant
	if !s.cfg.legacyErrors {
		body.Error = e.oauth
	}
	writeJSON(w, e.status, body)
}

// writeJSON writes v as Pixiv's PHP back end encodes JSON: non-ASCII as
// \uXXXX (seen in error messages) and "/" as "\/" (PHP's default, inferred).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, fmt.Sprintf("pixivtest: encoding JSON: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(phpEscape(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
}

// phpEscape rewrites encoding/json output the way PHP's json_encode
// writes it. Both characters only occur inside strings, so it is safe
// byte-wise.
func phpEscape(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == '/':
			out.WriteString(`\/`)
		case r >= utf8.RuneSelf:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&out, `\u%04x`, u)
			}
		default:
			out.WriteByte(b[0])
		}
		b = b[n:]
	}
	return out.Bytes()
}

// ClientHashOK reports whether the request's X-Client-Hash is the one its
// X-Client-Time makes: hex md5(time + pixiv.HashSecret). The double does not
// require the headers; this is for tests of clients that send them.
func (r Request) ClientHashOK() bool {
	t := r.Header.Get("X-Client-Time")
	sum := md5.Sum([]byte(t + pixiv.HashSecret))
	return t != "" && r.Header.Get("X-Client-Hash") == hex.EncodeToString(sum[:])
}
