package capture

import (
	"math"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/pixivauth/pixivauth/session"
)

// cookieParam turns a stored cookie into what the browser loads.
func cookieParam(c session.Cookie) *network.CookieParam {
	p := &network.CookieParam{
		Name:     c.Name,
		Value:    c.Value,
		Domain:   c.Domain,
		Path:     c.Path,
		Secure:   c.Secure,
		HTTPOnly: c.HTTPOnly,
		SameSite: network.CookieSameSite(c.SameSite),
	}
	if p.Path == "" {
		p.Path = "/"
	}
	if !c.Expires.IsZero() {
		p.Expires = cdp.TimeSinceEpoch(float64(c.Expires.UnixNano()) / 1e9)
	}
	return p
}

// storeCookie turns a browser cookie into one to store.
func storeCookie(c *network.Cookie) session.Cookie {
	out := session.Cookie{
		Name:     c.Name,
		Value:    c.Value,
		Domain:   c.Domain,
		Path:     c.Path,
		Secure:   c.Secure,
		HTTPOnly: c.HTTPOnly,
		SameSite: string(c.SameSite),
	}
	if !c.Session && c.Expires > 0 && !math.IsInf(c.Expires, 0) {
		sec, frac := math.Modf(c.Expires)
		out.Expires = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	return out
}
