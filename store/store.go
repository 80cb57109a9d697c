package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
)

// File names inside a profile directory.
const (
	tokenFile       = "token.json"
	sessionFile     = "session.json"
	lockFile        = "lock"
	lastFailureName = "last-failure"

	// corruptSuffix is followed by the UTC time a corrupt file was moved
	// aside, in corruptTimeFormat.
	corruptSuffix     = ".corrupt-"
	corruptTimeFormat = "20060102T150405Z"

	dirPerm  os.FileMode = 0o700
	filePerm os.FileMode = 0o600

	// maxFileSize bounds what is read of a cache file: a token or a session
	// is a few kilobytes, so anything much larger is not one.
	maxFileSize = 1 << 20

	// maxProfileName is the longest profile name.
	maxProfileName = 64
)

// DefaultDir returns the config directory of a program that is told no
// other: "pixivauth" under [os.UserConfigDir]. (The pixivauth command also
// reads --config-dir and $PIXIVAUTH_CONFIG_DIR first.)
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("store: no config directory: %w", err)
	}
	return filepath.Join(base, "pixivauth"), nil
}

// Store is a config directory. Its zero value is not usable: set Dir (see
// [DefaultDir]). A Store is safe for concurrent use once set up.
type Store struct {
	// Dir is the config directory. It is created, 0700, on the first write.
	Dir string
	// Warnf reports what the store repaired on its own: loose permissions,
	// a corrupt file moved aside. It may be nil. Messages name paths, never
	// values.
	Warnf func(format string, args ...any)
	// Now is the clock, for saved_at and the names of corrupt files moved
	// aside. Nil means [time.Now].
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) warnf(format string, args ...any) {
	if s.Warnf != nil {
		s.Warnf(format, args...)
	}
}

// Profile returns the profile called name. Nothing is created until a
// write. A name is 1 to 64 ASCII letters, digits, '-', '_' and '.', other
// than "." and "..", so that it is a directory name on every system.
func (s *Store) Profile(name string) (*Profile, error) {
	if s.Dir == "" {
		return nil, errors.New("store: no config directory")
	}
	if err := checkProfileName(name); err != nil {
		return nil, err
	}
	return &Profile{store: s, name: name, dir: filepath.Join(s.Dir, name)}, nil
}

func checkProfileName(name string) error {
	bad := name == "" || len(name) > maxProfileName || name == "." || name == ".."
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			bad = true
		}
	}
	if bad {
		return fmt.Errorf(`store: invalid profile name %q: a profile name is 1 to %d ASCII letters, digits, "-", "_" or ".", and not "." or ".."`,
			name, maxProfileName)
	}
	return nil
}

// Profile is one profile directory: a token cache, a browser session and
// the lock that guards them. Get one from [Store.Profile]. A Profile is safe
// for concurrent use: the lock it takes ([Profile.Lock]) excludes the other
// goroutines that use it, other Profile values and other processes alike.
type Profile struct {
	store *Store
	name  string
	dir   string
}

// Name is the profile's name.
func (p *Profile) Name() string { return p.name }

// Dir is the profile's directory, <config>/<name>.
func (p *Profile) Dir() string { return p.dir }

// Usable reports, creating nothing, whether the profile's directory can be
// made: an error wrapping [reason.NotADirectory] names the file that stands
// where it or one of its parents should be.
func (p *Profile) Usable() error { return notADirectory(p.dir) }

// LastFailureDir is where a headless login that gave up leaves what it saw
// (a screenshot, the page's HTML): <config>/<name>/last-failure. The
// browser code makes it (0700) when it has something to save, replacing
// the previous failure's evidence; Delete removes it.
func (p *Profile) LastFailureDir() string { return filepath.Join(p.dir, lastFailureName) }

// Delete removes what the store keeps in the profile, as a logout does:
// the token, the session, files moved aside as corrupt and the last
// failure; files it did not write stay. The directory
// and its lock file stay, so that a process waiting on the lock is not left
// holding a lock on a removed file. Deleting a profile that holds nothing is
// not an error. It waits for the profile's lock until ctx is done (see
// [Profile.Lock]); a holder of the lock uses [Locked.Delete].
func (p *Profile) Delete(ctx context.Context) error {
	if _, err := os.Stat(p.dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return p.withLock(ctx, func(l *Locked) error { return l.Delete() })
}

// Removed says what [Profile.Remove] found and removed.
type Removed struct {
	// Token and Session report a token and a session file; Other counts
	// the rest of what the store writes (files moved aside as corrupt,
	// the last failure).
	Token, Session bool
	Other          int
	// Foreign counts the entries of the profile directory that the store
	// does not write (a person's own files): a Remove leaves them, and
	// with them the directory.
	Foreign int
	// DirKept reports that the profile directory stays: it holds Foreign
	// entries, or it is a symbolic link, which is the person's.
	DirKept bool
}

// Remove deletes the profile as a logout does: what [Profile.Delete]
// deletes, then the lock file and the profile directory themselves, while
// holding the lock (a process that was waiting on it takes the lock of the
// profile anew, see [Profile.Lock]). It reports what was there; a profile
// that does not exist is no error and holds nothing. Where an open file
// cannot be removed (Windows), the lock file and the directory stay. A
// directory that holds files the store did not write, or that is a
// symbolic link, stays too, and so does everything in it but the store's.
func (p *Profile) Remove(ctx context.Context) (Removed, error) {
	var found Removed
	if _, err := os.Stat(p.dir); errors.Is(err, os.ErrNotExist) {
		return found, nil
	}
	err := p.withLock(ctx, func(l *Locked) error {
		entries, err := os.ReadDir(p.dir)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		for _, e := range entries {
			switch name := e.Name(); {
			case name == lockFile:
			case name == tokenFile:
				found.Token = true
			case name == sessionFile:
				found.Session = true
			case own(name):
				found.Other++
			default:
				found.Foreign++
			}
		}
		if err := p.deleteAll(); err != nil {
			return err
		}
		if runtime.GOOS == "windows" {
			return nil
		}
		if err := os.Remove(filepath.Join(p.dir, lockFile)); err != nil {
			return fmt.Errorf("store: remove profile %q: %w", p.name, err)
		}
		fi, err := os.Lstat(p.dir)
		if link := err == nil && fi.Mode()&os.ModeSymlink != 0; link || found.Foreign > 0 {
			found.DirKept = true
			return syncDir(p.dir)
		}
		if err := os.Remove(p.dir); err != nil {
			return fmt.Errorf("store: remove profile %q: %w", p.name, err)
		}
		return syncDir(p.store.Dir)
	})
	return found, err
}

// own reports whether name, an entry of a profile directory, is one the
// store writes: the token, the session, their corrupt copies and
// temporary files, the last failure, the lock. Anything else is a
// person's, and no delete touches it.
func own(name string) bool {
	switch name {
	case tokenFile, sessionFile, lockFile, lastFailureName:
		return true
	}
	for _, f := range []string{tokenFile, sessionFile} {
		if strings.HasPrefix(name, f+corruptSuffix) || strings.HasPrefix(name, tempPrefix(f)) {
			return true
		}
	}
	return false
}

// deleteAll is Delete for a caller that holds the lock.
func (p *Profile) deleteAll() error {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if e.Name() == lockFile || !own(e.Name()) {
			continue // the lock stays; a person's own files are theirs
		}
		// RemoveAll takes a symbolic link away, never what it points to.
		if err := os.RemoveAll(filepath.Join(p.dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// One line: the first failure says why (a read-only disk, say).
		more := ""
		if len(errs) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(errs)-1)
		}
		return fmt.Errorf("cannot delete profile %q: %w%s", p.name, errs[0], more)
	}
	return syncDir(p.dir)
}

// ProfileInfo describes a profile for a listing.
type ProfileInfo struct {
	// Name is the profile's name (its directory's).
	Name string
	// User is the user of the cached token; zero without one.
	User exchange.User
	// Expiry is when the cached access token expires; zero without one.
	Expiry time.Time
	// HasToken and HasSession report a readable token and session.
	HasToken, HasSession bool
}

// Profiles lists the profiles that hold a token or a session, sorted by
// name. Other entries of the config directory are ignored, as is a config
// directory that does not exist yet. It only reads: a corrupt file shows as
// absent here, and is dealt with when the profile is loaded.
func (s *Store) Profiles() ([]ProfileInfo, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		if nd := notADirectory(s.Dir); nd != nil {
			return nil, nd
		}
		return nil, fmt.Errorf("store: list profiles: %w", err)
	}
	var list []ProfileInfo
	for _, e := range entries {
		if !e.IsDir() || checkProfileName(e.Name()) != nil {
			continue
		}
		dir := filepath.Join(s.Dir, e.Name())
		tokenData, tokenFound := peek(filepath.Join(dir, tokenFile))
		sessionData, sessionFound := peek(filepath.Join(dir, sessionFile))
		if !tokenFound && !sessionFound {
			continue
		}
		info := ProfileInfo{Name: e.Name()}
		if t, err := decodeToken(tokenData); tokenFound && err == nil {
			info.HasToken, info.User, info.Expiry = true, t.User, t.Expiry
		}
		if _, err := decodeSession(sessionData); sessionFound && err == nil {
			info.HasSession = true
		}
		list = append(list, info)
	}
	slices.SortFunc(list, func(a, b ProfileInfo) int { return cmp.Compare(a.Name, b.Name) })
	return list, nil
}

// peek reads a regular file of at most maxFileSize bytes, reporting whether
// it exists at all.
func peek(path string) ([]byte, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxFileSize {
		return nil, true
	}
	data, err := os.ReadFile(path)
	return data, err == nil || !errors.Is(err, os.ErrNotExist)
}
