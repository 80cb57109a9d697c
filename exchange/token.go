package exchange

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// Token is what Pixiv's token endpoint issues, with the expiry turned into an
// absolute time so that it can be cached. It marshals to the token object of
// the token cache: the object pixivauth prints without expires_in, which is
// only true at the moment it is computed.
type Token struct {
	// AccessToken goes in the Authorization header of App API requests.
	AccessToken string `json:"access_token"`
	// RefreshToken gets the next access token (Client.Refresh); Pixiv may
	// rotate it with each refresh.
	RefreshToken string `json:"refresh_token"`
	// TokenType is "bearer".
	TokenType string `json:"token_type"`
	// Scope is as Pixiv sends it (usually empty).
	Scope string `json:"scope"`
	// Expiry is when AccessToken stops working.
	Expiry time.Time `json:"expires_at"`
	// User is the account the token belongs to.
	User User `json:"user"`
	// DeviceToken is sent only inside Pixiv's wrapped "response" object.
	DeviceToken string `json:"device_token,omitempty"`
}

// User is the account a token belongs to, as Pixiv describes it.
type User struct {
	// ID is a string, as Pixiv sends it ("123456").
	ID string `json:"id"`
	// Name is the display name; Account the pixiv ID (the @handle).
	Name    string `json:"name"`
	Account string `json:"account"`
	// IsPremium reports a premium subscription.
	IsPremium bool `json:"is_premium"`
	// XRestrict is the account's adult-content setting: 0 none, 1 R-18,
	// 2 R-18G.
	XRestrict int `json:"x_restrict"`
}

// ExpiresIn is the life the access token has left at now, never negative.
func (t *Token) ExpiresIn(now time.Time) time.Duration {
	return max(t.Expiry.Sub(now), 0)
}

// Valid reports whether the access token has more than leeway of life left
// at now. pixivauth refreshes with a leeway of a minute, so that a token it
// prints does not expire in the hands of the program that asked for it.
func (t *Token) Valid(now time.Time, leeway time.Duration) bool {
	return t != nil && t.AccessToken != "" && t.Expiry.Sub(now) > leeway
}

// OAuth2 returns t as an [oauth2.Token], for use with [oauth2.NewClient]. The
// user is kept as the extra field "user".
func (t *Token) OAuth2() *oauth2.Token {
	tok := &oauth2.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
		ExpiresIn:    int64(time.Until(t.Expiry) / time.Second),
	}
	return tok.WithExtra(map[string]any{"user": t.User, "scope": t.Scope})
}

// tokenSource refreshes through Pixiv whenever its token is about to expire.
type tokenSource struct {
	ctx    context.Context
	client *Client
	token  *Token
}

// Token implements [oauth2.TokenSource].
func (s *tokenSource) Token() (*oauth2.Token, error) {
	now := s.client.now()
	if s.token.Valid(now, ExpiryLeeway) {
		return s.token.OAuth2(), nil
	}
	t, err := s.client.Refresh(s.ctx, s.token.RefreshToken)
	if err != nil {
		return nil, err
	}
	s.token = t
	return t.OAuth2(), nil
}

// ExpiryLeeway is how much life a token must have left to be used as it is:
// a token that would expire within it is refreshed first.
const ExpiryLeeway = time.Minute

// TokenSource returns an [oauth2.TokenSource] that starts with t and
// refreshes it through Pixiv with c when less than [ExpiryLeeway] of its life
// is left. It is safe for concurrent use ([oauth2.ReuseTokenSource] wraps it),
// and ctx bounds every refresh it makes.
func (c *Client) TokenSource(ctx context.Context, t *Token) oauth2.TokenSource {
	return oauth2.ReuseTokenSourceWithExpiry(t.OAuth2(), &tokenSource{ctx: ctx, client: c, token: t}, ExpiryLeeway)
}
