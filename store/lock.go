package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// lockRetryDelay is how often a waiting Lock tries again. The lock is held
// for a file write or a token refresh, so a short wait is the usual one.
const lockRetryDelay = 20 * time.Millisecond

// ErrUnlocked is returned by the methods of a [Locked] whose lock has been
// released.
var ErrUnlocked = errors.New("store: the profile's lock is no longer held")

// Locked is a profile whose lock is held: the only way to write to a
// profile. Get one from [Profile.Lock]; its methods run only while the lock
// is held, and fail with [ErrUnlocked] after [Locked.Unlock]. A Locked is
// safe for concurrent use, though its holder is usually one goroutine doing
// a read-refresh-write.
type Locked struct {
	p *Profile

	mu sync.Mutex
	fl *flock.Flock // nil once unlocked
}

// Lock takes the profile's lock, an exclusive lock on <profile>/lock
// (flock(2), LockFileEx on Windows), and returns the handle through which
// the profile is written. It tries at once, even if ctx is already done (so
// that a run whose time is spent can still save what it has when nobody
// else holds the lock); then it waits for the lock until ctx is done, and
// fails with an error wrapping [reason.CacheBusy] and ctx's error. The lock
// excludes other processes and other Profile values of the same profile,
// and it goes away with the process that held it, so a killed process
// leaves nothing stale. Lock creates the profile's directories if needed.
//
// Goroutines that share one Profile value wait on each other too. Like a
// [sync.Mutex], the lock is not re-entrant: a goroutine that holds it and
// calls Lock, or a method that locks through it ([Profile.SaveToken],
// [Profile.SaveSession], [Profile.Delete]), waits on itself until ctx is
// done; a holder writes through its [Locked]. Reads take no lock: writes
// are atomic.
func (p *Profile) Lock(ctx context.Context) (*Locked, error) {
	if err := p.ensureDirs(); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(p.dir, lockFile), flock.SetPermissions(filePerm))
	ok, err := fl.TryLock()
	if err == nil && !ok {
		ok, err = fl.TryLockContext(ctx, lockRetryDelay)
		if err != nil && ctx.Err() != nil {
			_ = fl.Close()
			return nil, fmt.Errorf("store: waiting for the lock of profile %q: %w (%w)", p.name, reason.CacheBusy, err)
		}
	}
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		_ = fl.Close()
		return nil, fmt.Errorf("store: lock profile %q: %w", p.name, err)
	}
	if _, statErr := os.Stat(fl.Path()); statErr != nil {
		// A logout removed the profile (Profile.Remove) while this one
		// waited: the lock held is on a file no one else will open.
		// Take the lock of the profile as it is now.
		_ = fl.Close()
		return p.Lock(ctx)
	}
	return &Locked{p: p, fl: fl}, nil
}

// Unlock releases the lock. It is safe to call more than once; only the
// first call releases.
func (l *Locked) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fl == nil {
		return nil
	}
	fl := l.fl
	l.fl = nil
	if err := fl.Unlock(); err != nil {
		return fmt.Errorf("store: unlock profile %q: %w", l.p.name, err)
	}
	return nil
}

// Profile is the profile whose lock this is.
func (l *Locked) Profile() *Profile { return l.p }

// held runs fn while the lock is held, or fails with ErrUnlocked.
func (l *Locked) held(fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fl == nil {
		return ErrUnlocked
	}
	return fn()
}

// LoadToken is [Profile.LoadToken], under the lock: the re-read of a
// read-refresh-write, which sees what another process saved before this one
// got the lock.
func (l *Locked) LoadToken() (t *exchange.Token, err error) {
	err = l.held(func() error {
		t, err = l.p.LoadToken()
		return err
	})
	return t, err
}

// SaveToken writes t to the profile's cache. It refuses, with an error
// wrapping [ErrOtherUser] and [reason.OtherUser], to replace a token of
// another user: when both tokens name their user and the IDs differ, or
// when t names none and is not a refresh of the cached token (its refresh
// token is another). A refresh of the cached token whose answer named no
// user is saved with the cached token's user.
func (l *Locked) SaveToken(t *exchange.Token) error {
	return l.held(func() error { return l.p.saveToken(t) })
}

// SaveSession writes s as the profile's session: its Pixiv cookies only
// ([session.PixivOnly]), as [SessionVersion], saved_at now. s itself is not
// changed. A session with no Pixiv cookie is refused.
func (l *Locked) SaveSession(s *session.Session) error {
	return l.held(func() error { return l.p.saveSession(s) })
}

// Delete removes what the profile holds, as a logout does: the token, the
// session, files moved aside as corrupt and the last failure. The directory
// and its lock file stay, so that a process waiting on the lock is not left
// holding a lock on a removed file.
func (l *Locked) Delete() error {
	return l.held(l.p.deleteAll)
}

// withLock runs fn holding the profile's lock, waiting for it until ctx is
// done.
func (p *Profile) withLock(ctx context.Context, fn func(*Locked) error) (err error) {
	l, err := p.Lock(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, l.Unlock()) }()
	return fn(l)
}
