package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockRetryDelay is how often a waiting Lock tries again. The lock is held
// for a file write or a token refresh, so a short wait is the usual one.
const lockRetryDelay = 20 * time.Millisecond

// Lock takes the profile's lock, an exclusive lock on <profile>/lock
// (flock(2), LockFileEx on Windows), waiting for it until ctx is done, and
// returns the function that releases it. The lock excludes other
// processes and other Profile values of the same profile, and it goes away
// with the process that held it, so a killed process leaves nothing stale.
// Lock creates the profile's directories if needed.
//
// The Save and Delete methods take the lock themselves. A caller that holds
// it, to re-read the cache and refresh under it, writes with the *Locked
// variants ([Profile.SaveTokenLocked], [Profile.SaveSessionLocked],
// [Profile.DeleteLocked]) through the same Profile value: the lock is not
// re-entrant, because a lock that can be taken twice cannot tell a caller
// that already holds it from one that only thinks it does. So while a
// Profile value holds its lock, Lock and the methods that lock through it
// fail at once rather than wait on themselves forever; goroutines that
// should wait on each other use a Profile value each ([Store.Profile] is
// cheap). Reads take no lock: writes are atomic.
//
// unlock is safe to call more than once; only the first call releases.
func (p *Profile) Lock(ctx context.Context) (unlock func() error, err error) {
	if p.holds() {
		return nil, fmt.Errorf("store: Lock on profile %q whose lock this Profile value already holds", p.name)
	}
	if err := p.ensureDirs(); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(p.dir, lockFile), flock.SetPermissions(filePerm))
	ok, err := fl.TryLockContext(ctx, lockRetryDelay)
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		_ = fl.Close()
		return nil, fmt.Errorf("store: lock profile %q: %w", p.name, err)
	}
	p.mu.Lock()
	p.held = fl
	p.mu.Unlock()

	var once sync.Once
	var unlockErr error
	return func() error {
		once.Do(func() {
			p.mu.Lock()
			if p.held == fl {
				p.held = nil
			}
			p.mu.Unlock()
			if err := fl.Unlock(); err != nil {
				unlockErr = fmt.Errorf("store: unlock profile %q: %w", p.name, err)
			}
		})
		return unlockErr
	}, nil
}

// holds reports whether the lock is held through this Profile value.
func (p *Profile) holds() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held != nil
}

// checkHeld fails a *Locked method called without the lock: a programming
// error, which would otherwise race other processes unseen.
func (p *Profile) checkHeld(method string) error {
	if !p.holds() {
		return fmt.Errorf("store: %s on profile %q without holding its lock (see Profile.Lock)", method, p.name)
	}
	return nil
}

// withLock runs fn holding the profile's lock, for method (named in the
// error if the caller already holds the lock). Writes are short and the
// holder is another pixivauth, whose lock goes with it if it dies, so this
// waits without a deadline; a caller that wants one uses Lock.
func (p *Profile) withLock(method string, fn func() error) (err error) {
	if p.holds() {
		return fmt.Errorf("store: %s on profile %q while holding its lock: use %sLocked", method, p.name, method)
	}
	unlock, err := p.Lock(context.Background())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	return fn()
}
