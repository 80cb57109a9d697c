package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/session"
)

// SessionVersion is the version of the session format this package writes
// and reads: [session.Version].
const SessionVersion = session.Version

// ErrNoSession means the profile holds no session: none was saved, it was
// deleted, or the file was corrupt and has been moved aside.
var ErrNoSession = errors.New("store: no saved session")

// decodeSession reads the session format, returning a *corruptError when
// data is not in it.
func decodeSession(data []byte) (*session.Session, error) {
	s, err := session.Decode(data)
	var format *session.FormatError
	if errors.As(err, &format) {
		return nil, &corruptError{format.Reason}
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return s, nil
}

// LoadSession returns the profile's saved session, or [ErrNoSession]. Like
// [Profile.LoadToken], it repairs loose permissions and moves a corrupt file
// aside, with a warning.
func (p *Profile) LoadSession() (*session.Session, error) {
	var s *session.Session
	found, err := p.load(sessionFile, func(data []byte) (err error) {
		s, err = decodeSession(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNoSession
	}
	return s, nil
}

// SaveSession is [Locked.SaveSession] with the lock taken for the write:
// it waits for the lock until ctx is done (see [Profile.Lock]).
func (p *Profile) SaveSession(ctx context.Context, s *session.Session) error {
	return p.withLock(ctx, func(l *Locked) error { return l.SaveSession(s) })
}

// saveSession is SaveSession for a caller that holds the lock.
func (p *Profile) saveSession(s *session.Session) error {
	if s == nil {
		return errors.New("store: SaveSession with a nil session")
	}
	out := session.Session{Version: SessionVersion, SavedAt: p.store.now().UTC().Truncate(time.Second), Cookies: session.PixivOnly(s.Cookies)}
	if len(out.Cookies) == 0 {
		return fmt.Errorf("store: not saving a session with no cookie of %s", strings.TrimPrefix(pixiv.CookieDomain, "."))
	}
	for i, c := range out.Cookies {
		if c.Name == "" {
			return fmt.Errorf("store: not saving a session whose cookie %d has no name", i+1)
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
	return p.writeAtomic(sessionFile, append(data, '\n'))
}
