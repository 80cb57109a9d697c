package pixivtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Account is a Pixiv account the double knows.
type Account struct {
	// ID is the numeric user ID, as a string ("11111111"), as Pixiv sends
	// it. [Server.AddAccount] fills it in when empty.
	ID string
	// Name is the display name; Account is the pixiv ID ("user_abcd1234"),
	// which can also be typed into the login form's username field.
	Name, Account string
	// Username is what a person types into the username field. Mail can
	// be typed there too, as on Pixiv.
	Username, Password string
	// TOTPSecret, base32, turns on two-factor login: after the password the
	// form asks for the current one-time code.
	TOTPSecret string
	// EmailCode makes a correct password meet an e-mailed verification
	// code (after the TOTP step, if any): the double records the code it
	// "sent" ([Server.EmailedCodes]).
	EmailCode bool
	// Locked makes a correct password answer that the account is locked.
	Locked bool
	// Prompts are the setup prompts shown after the password, in order,
	// each with a skip button.
	Prompts []Prompt
	// Mail is where an e-mailed verification code goes (EmailedCodes).
	Mail string
	// Premium makes the token's user premium.
	Premium bool
	// XRestrict is the account's R-18 setting: 0 off, 1 R-18, 2 R-18G.
	XRestrict int
}

// Prompt is a setup prompt Pixiv may show after a correct password.
type Prompt string

// The setup prompts.
const (
	// PromptPasskey asks to set up a passkey ("Remind me later").
	PromptPasskey Prompt = "passkey"
	// PromptTwoFactorSetup asks to turn on two-factor login ("Skip").
	PromptTwoFactorSetup Prompt = "two-factor"
)

// DemoAccount is the account `pixivauth demo` logs in with.
func DemoAccount() Account {
	return Account{
		ID:       "11111111",
		Name:     "Demo User",
		Account:  "pixivauth_demo",
		Username: "demo",
		Password: "demo-password",
		Mail:     "demo@example.com",
	}
}

// AddAccount adds an account that can log in and returns it as stored. An
// empty ID gets a fresh numeric one; an empty Account (pixiv ID) becomes
// "user_<ID>" and an empty Name the pixiv ID. An account with an ID already
// known replaces it.
func (s *Server) AddAccount(a Account) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		for a.ID == "" || s.accountLocked(a.ID) != nil {
			a.ID = strconv.Itoa(s.nextID)
			s.nextID++
		}
	}
	if a.Account == "" {
		a.Account = "user_" + a.ID
	}
	if a.Name == "" {
		a.Name = a.Account
	}
	for i := range s.accounts {
		if s.accounts[i].ID == a.ID {
			s.accounts[i] = a
			return a
		}
	}
	s.accounts = append(s.accounts, a)
	return a
}

// accountLocked returns the account with id, or nil. s.mu is held.
func (s *Server) accountLocked(id string) *Account {
	for i := range s.accounts {
		if s.accounts[i].ID == id {
			a := s.accounts[i]
			return &a
		}
	}
	return nil
}

// loginLocked returns the account that login (a username, pixiv ID or mail
// address, as typed) and password log in, or nil. s.mu is held.
func (s *Server) loginLocked(login, password string) *Account {
	login = strings.TrimSpace(login)
	for _, a := range s.accounts {
		matches := login != "" && (login == a.Username || login == a.Account ||
			(a.Mail != "" && strings.EqualFold(login, a.Mail)))
		if matches && password == a.Password {
			return &a
		}
	}
	return nil
}

// sessionTTL is how long a PHPSESSID lives (about a month, as Pixiv's
// cookie says; inferred).
const sessionTTL = 30 * 24 * time.Hour

type session struct {
	accountID string
	expires   time.Time
	// tt is the session's CSRF token, which account selection posts back.
	tt string
}

// NewSession makes a live session for the account, as if it had logged in,
// and returns its cookie: PHPSESSID "<user id>_<random>" on .pixiv.net, path
// /, Secure, HttpOnly, expiring in about 30 days. The server ends the session
// 30 days after it began by its clock (see [WithClock]); the cookie's expiry
// is by real time, which is what browsers and cookie jars judge it by. It
// panics if no account has that ID.
func (s *Server) NewSession(accountID string) *http.Cookie {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accountLocked(accountID) == nil {
		panic(fmt.Sprintf("pixivtest: NewSession: no account %q", accountID))
	}
	return s.newSessionLocked(accountID)
}

func (s *Server) newSessionLocked(accountID string) *http.Cookie {
	value := accountID + "_" + randomAlnum(32)
	s.sessions[value] = session{accountID: accountID, expires: s.now().Add(sessionTTL), tt: randomHex(16)}
	return &http.Cookie{
		Name:   pixiv.SessionCookie,
		Value:  value,
		Domain: pixiv.CookieDomain,
		Path:   "/",
		// Browsers and cookie jars judge the cookie by real time, which
		// a test's clock (WithClock) may be far from; the server judges
		// the session by its own clock.
		Expires:  time.Now().Add(sessionTTL),
		MaxAge:   int(sessionTTL / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// ExpireSessions ends every existing session on the server's side: a
// browser still holding its cookie gets the login form again, not account
// selection.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// sessionOf returns the live session the request's PHPSESSID names.
func (s *Server) sessionOf(r *http.Request) (session, bool) {
	c, err := r.Cookie(pixiv.SessionCookie)
	if err != nil {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessionOfLockedCookie(c.Value)
}

// sessionOfLocked is sessionOf with s.mu held.
func (s *Server) sessionOfLocked(r *http.Request) (session, bool) {
	c, err := r.Cookie(pixiv.SessionCookie)
	if err != nil {
		return session{}, false
	}
	return s.sessionOfLockedCookie(c.Value)
}

func (s *Server) sessionOfLockedCookie(value string) (session, bool) {
	sess, ok := s.sessions[value]
	if !ok || !s.now().Before(sess.expires) || s.accountLocked(sess.accountID) == nil {
		return session{}, false
	}
	return sess, true
}

// NewRefreshToken issues a refresh token for the account, as if it had
// logged in through the app some time ago, without an access token (it is not
// in [Server.Issued]). It panics if no account has that ID.
func (s *Server) NewRefreshToken(accountID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accountLocked(accountID) == nil {
		panic(fmt.Sprintf("pixivtest: NewRefreshToken: no account %q", accountID))
	}
	rt := randomToken()
	s.refresh[rt] = accountID
	return rt
}

// NewCode issues an authorization code for the account and a PKCE
// challenge, as authorize does at the end of a browser login, without the
// browser; it expires like any code (see [WithCodeTTL]). It panics if no
// account has that ID.
func (s *Server) NewCode(accountID, challenge string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accountLocked(accountID) == nil {
		panic(fmt.Sprintf("pixivtest: NewCode: no account %q", accountID))
	}
	return s.newCodeLocked(accountID, challenge)
}

// RevokeRefreshToken makes a refresh token unknown, as when the person logs
// out of the app: the token endpoint then answers "Invalid refresh token".
func (s *Server) RevokeRefreshToken(refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, refreshToken)
}

// randomToken is an opaque token, code or state: 32 random bytes, base64url
// without padding (43 characters), the shape of Pixiv's.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomDigits is n random decimal digits: an e-mailed code.
func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// randomAlnum is n random lower-case letters and digits, like the random
// part of Pixiv's PHPSESSID.
func randomAlnum(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(strings.ToLower(rand.Text()))
	}
	return b.String()[:n]
}
