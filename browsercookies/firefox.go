package browsercookies

import (
	"context"
	"path/filepath"
	"time"

	"github.com/pixivauth/pixivauth/session"
)

// firefoxQuery reads the cookies of the default container (no origin
// attributes: not a private window, container tab or isolated first party)
// whose host ends in pixiv.net; session.PixivOnly decides exactly.
const firefoxQuery = `SELECT host, name, value, path, expiry, isSecure, isHttpOnly, sameSite
FROM moz_cookies WHERE originAttributes = '' AND host LIKE '%pixiv.net' ORDER BY id`

// readFirefox reads the Pixiv cookies of a Firefox profile's cookies.sqlite.
func readFirefox(ctx context.Context, p *Profile, o *Options) ([]session.Cookie, error) {
	path := filepath.Join(p.Dir, firefoxCookiesDB)
	if !exists(path) {
		return nil, noCookieStore(p, firefoxCookiesDB)
	}
	snap, err := openCopy(ctx, path, o.TempDir, o)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	rows, err := snap.db.QueryContext(ctx, firefoxQuery)
	if err != nil {
		return nil, queryError(path, err)
	}
	defer rows.Close()
	var cookies []session.Cookie
	for rows.Next() {
		var (
			c                session.Cookie
			expiry           int64
			secure, httpOnly bool
			sameSite         int
		)
		if err := rows.Scan(&c.Domain, &c.Name, &c.Value, &c.Path, &expiry, &secure, &httpOnly, &sameSite); err != nil {
			return nil, queryError(path, err)
		}
		c.Secure, c.HTTPOnly = secure, httpOnly
		c.Expires = firefoxExpiry(expiry)
		c.SameSite = firefoxSameSite(sameSite)
		cookies = append(cookies, c)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(path, err)
	}
	return cookies, nil
}

// firefoxExpiry turns moz_cookies.expiry into a time: Unix seconds before
// Firefox 139, milliseconds since; 0 is none.
func firefoxExpiry(v int64) time.Time {
	switch {
	case v <= 0:
		return time.Time{}
	case v > 1e11: // milliseconds: 1e11 seconds is past the year 5000
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

// firefoxSameSite turns moz_cookies.sameSite into an attribute: 1 Lax,
// 2 Strict; 0 (None, which is also what an unset attribute reads as) is
// left unset.
func firefoxSameSite(v int) string {
	switch v {
	case 1:
		return "Lax"
	case 2:
		return "Strict"
	}
	return ""
}
