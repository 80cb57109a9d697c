// Package store keeps what pixivauth remembers between runs: per profile, the
// token cache and the browser session, each in one small JSON file.
//
//	dir, err := store.DefaultDir() // the OS's user config dir + "/pixivauth"
//	if err != nil {
//		return err
//	}
//	s := &store.Store{Dir: dir, Warnf: warnf}
//	p, err := s.Profile("default")
//	if err != nil {
//		return err
//	}
//	t, err := p.LoadToken() // store.ErrNoToken if there is none
//	...
//	err = p.SaveToken(ctx, t) // waits for the profile's lock until ctx is done
//
// # Layout
//
// The config directory ([Store.Dir]) holds one directory per profile:
//
//	<config>/                       0700
//	<config>/<profile>/             0700
//	<config>/<profile>/token.json   0600  the cached token and its user
//	<config>/<profile>/session.json 0600  the browser session's Pixiv cookies
//	<config>/<profile>/lock               held around every write ([Profile.Lock])
//	<config>/<profile>/last-failure/      what headless saw when it gave up
//
// Files are written atomically (a temporary file in the same directory,
// fsynced, renamed over the old one, then the directory fsynced), so a reader
// sees the old file or the new one, never a part. A cache file found with
// looser permissions than these, or a directory found so, is repaired, with
// a warning, when it is pixivauth's: a directory that holds anything the
// store does not write, or is a symbolic link, keeps its mode (a config
// directory that is a home or a shared directory, say). A cache file that cannot be
// read as what it should be is renamed to token.json.corrupt-<UTC time> (say
// token.json.corrupt-20260102T150405Z; session.json likewise), with a
// warning, and treated as absent: a broken cache costs a login, never a
// stuck tool.
// No value of a token or cookie is ever part of a warning or an error.
//
// # The token cache
//
// token.json is an [exchange.Token] as it marshals: access_token,
// refresh_token, token_type, scope, expires_at (RFC 3339) and user. A profile
// belongs to one Pixiv user: [Profile.SaveToken] refuses to overwrite a
// token of another user ([ErrOtherUser]).
//
// Every write happens under the profile's lock, and every wait for the lock
// ends with the caller's context ([reason.CacheBusy]): a run with a deadline
// never waits for another process longer than it may.
//
// The cache is shared by every pixivauth process of a user, so a refresh
// happens under the profile's lock, to keep two processes from spending the
// same refresh token at once:
//
//	l, err := p.Lock(ctx) // a *Locked: the methods that write, valid while held
//	if err != nil {
//		return err // reason.CacheBusy when ctx ended first
//	}
//	defer l.Unlock()
//	t, err := l.LoadToken() // re-read: another process may have refreshed
//	if err != nil {
//		return err // store.ErrNoToken: a person must log in
//	}
//	if !t.Valid(time.Now(), exchange.ExpiryLeeway) {
//		if t, err = client.Refresh(ctx, t.RefreshToken); err != nil {
//			return err
//		}
//		if err := l.SaveToken(t); err != nil {
//			return err
//		}
//	}
//
// Saves made without the lock in hand ([Profile.SaveToken],
// [Profile.SaveSession], [Profile.Delete]) take it themselves, for the write
// alone.
//
// # The session format
//
// session.json is a [session.Session] in the format the session package
// documents; it is also what `pixivauth session export` prints.
package store
