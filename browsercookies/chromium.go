package browsercookies

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// chromiumQuery reads the cookies whose host ends in pixiv.net;
// session.PixivOnly decides exactly. It is completed by chromiumQueryFor.
const chromiumQuery = `SELECT host_key, name, value, encrypted_value, path, expires_utc, is_secure, is_httponly, samesite
FROM cookies WHERE host_key LIKE '%pixiv.net'`

// chromiumQueryFor is chromiumQuery for a database with the given columns
// of its cookies table. Chromium keeps a cookie once per partition and per
// scheme where newer versions track them: a cookie set inside another
// site's frame (CHIPS, top_frame_site_key) is not the one Pixiv's own pages
// get, and one set over http (source_scheme 1) is not what https gets when
// both exist. Partitioned rows are left out; of the rest, those of the
// secure scheme come last, so that they win (the last of one name, domain
// and path is the one used), and then the newest.
func chromiumQueryFor(columns map[string]bool) string {
	q := chromiumQuery
	if columns["top_frame_site_key"] {
		q += ` AND top_frame_site_key = ''`
	}
	q += ` ORDER BY `
	if columns["source_scheme"] {
		q += `source_scheme = 2, `
	}
	return q + `creation_utc`
}

// tableColumns are the names of table's columns in db.
func tableColumns(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		columns[name] = true
	}
	return columns, rows.Err()
}

// windowsEpochOffset is the seconds from 1601-01-01, Chromium's epoch, to
// 1970-01-01.
const windowsEpochOffset = 11644473600

// readChromium reads and decrypts the Pixiv cookies of a Chromium-family
// profile.
func readChromium(ctx context.Context, p *Profile, o *Options) ([]session.Cookie, error) {
	path := cookiesDB(p.Dir)
	if path == "" {
		return nil, noCookieStore(p, "Cookies database")
	}
	snap, err := openCopy(ctx, path, o.TempDir, o)
	if err != nil {
		return nil, err
	}
	defer snap.Close()

	version := 0
	var v string
	if err := snap.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'version'`).Scan(&v); err == nil {
		version, _ = strconv.Atoi(v)
	}
	o.logf("%s is a cookie database of version %d", path, version)
	keys := o.keys
	if keys == nil {
		keys = platformKeys
	}
	dec := keys(p, o)

	columns, err := tableColumns(ctx, snap.db, "cookies")
	if err != nil {
		return nil, queryError(path, err)
	}
	rows, err := snap.db.QueryContext(ctx, chromiumQueryFor(columns))
	if err != nil {
		return nil, queryError(path, err)
	}
	defer rows.Close()
	var cookies []session.Cookie
	for rows.Next() {
		var (
			c                session.Cookie
			value            string
			encrypted        []byte
			expires          int64
			secure, httpOnly bool
			sameSite         int
		)
		if err := rows.Scan(&c.Domain, &c.Name, &value, &encrypted, &c.Path, &expires, &secure, &httpOnly, &sameSite); err != nil {
			return nil, queryError(path, err)
		}
		c.Secure, c.HTTPOnly = secure, httpOnly
		c.Expires = chromiumTime(expires)
		c.SameSite = chromiumSameSite(sameSite)
		c.Value = value
		if len(encrypted) > 0 {
			plain, err := dec.decrypt(ctx, encrypted)
			if err != nil {
				return nil, decryptError(p, c, err)
			}
			if version >= hostHashMetaVersion {
				hash := sha256.Sum256([]byte(c.Domain))
				if len(plain) < hostHashLen || !bytes.Equal(plain[:hostHashLen], hash[:]) {
					return nil, decryptError(p, c, errWrongKey)
				}
				plain = plain[hostHashLen:]
			}
			c.Value = string(plain)
		}
		cookies = append(cookies, c)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(path, err)
	}
	return cookies, nil
}

// decryptError says why cookie c of p could not be decrypted, naming the
// cookie, never its value.
func decryptError(p *Profile, c session.Cookie, err error) error {
	switch {
	case errors.Is(err, errAppBound):
		return unreadable("%s protects its cookies with app-bound encryption (v20), which only the browser itself can undo (cookie %s of %s); export the cookies as a cookies.txt from the browser instead",
			p, c.Name, c.Domain)
	case errors.Is(err, reason.BrowserStoreUnreadable): // a key that cannot be had says why
		return fmt.Errorf("browsercookies: %s: %w", p, err)
	case errors.Is(err, errWrongKey):
		return unreadable("cannot decrypt cookie %s of %s in %s: %v (the browser's keyring holds another key, or the database was copied from another machine)",
			c.Name, c.Domain, p, err)
	}
	return unreadable("cannot decrypt cookie %s of %s in %s: %v", c.Name, c.Domain, p, err)
}

// chromiumTime turns microseconds since 1601 into a time; 0 is none (a
// session cookie).
func chromiumTime(us int64) time.Time {
	if us <= 0 {
		return time.Time{}
	}
	return time.Unix(us/1e6-windowsEpochOffset, (us%1e6)*1e3).UTC()
}

// chromiumSameSite turns cookies.samesite into an attribute: -1
// unspecified, 0 None, 1 Lax, 2 Strict.
func chromiumSameSite(v int) string {
	switch v {
	case 0:
		return "None"
	case 1:
		return "Lax"
	case 2:
		return "Strict"
	}
	return ""
}
