package browsercookies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/pixivauth/pixivauth/internal/privatecopy"
)

// journalSuffixes are the files SQLite keeps next to a database while it is
// in use; a copy without them misses what the browser has not yet
// checkpointed.
var journalSuffixes = []string{"-wal", "-shm", "-journal"}

// snapshot is a private copy of a browser's database.
type snapshot struct {
	db  *sql.DB
	dir string
}

// openCopy copies the database at path, with its journal files, into a new
// directory of its own (0700) under tempDir, and opens the copy.
// The browser's files are only read. Close removes the copy.
func openCopy(ctx context.Context, path, tempDir string, o *Options) (*snapshot, error) {
	dir, err := os.MkdirTemp(tempDir, "pixivauth-cookies-")
	if err != nil {
		return nil, fmt.Errorf("browsercookies: cannot make a directory for a copy of the cookie database: %w", err)
	}
	s := &snapshot{dir: dir}
	dst := filepath.Join(dir, filepath.Base(path))
	if err := privatecopy.File(path, dst); err != nil {
		s.Close()
		if errors.Is(err, fs.ErrPermission) || isSharingViolation(err) {
			return nil, unreadable("cannot read %s: the browser holds it locked, or it is not yours to read (%v); close the browser and try again",
				path, cause(err))
		}
		return nil, unreadable("cannot read %s: %v", path, cause(err))
	}
	for _, suffix := range journalSuffixes {
		if err := privatecopy.File(path+suffix, dst+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.Close()
			return nil, unreadable("cannot read %s: %v", path+suffix, cause(err))
		}
	}
	o.logf("copied %s into %s", path, dir)
	// mode=rw: the copy is ours, and SQLite may have to write it to read
	// it: a WAL is checkpointed into it, and a rollback journal left by a
	// browser that crashed or was copied mid-commit is played back, as
	// the browser does on its next start. The browser's files are never
	// opened by SQLite, only copied.
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(dst), RawQuery: "mode=rw&_pragma=busy_timeout(2000)"}).String()
	if !strings.HasPrefix(dsn, "file:/") { // a Windows path, C:/…
		dsn = "file:" + strings.TrimPrefix(dsn, "file:")
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		s.Close()
		return nil, unreadable("cannot open the copy of %s: %v", path, err)
	}
	db.SetMaxOpenConns(1)
	s.db = db
	if err := db.PingContext(ctx); err != nil {
		s.Close()
		return nil, unreadable("%s cannot be read as an SQLite database (%v): it may be damaged; start and close the browser once, which repairs it, and try again", path, err)
	}
	return s, nil
}

// Close closes the copy and removes it.
func (s *snapshot) Close() {
	if s.db != nil {
		_ = s.db.Close()
	}
	_ = os.RemoveAll(s.dir)
}

// queryError describes a failed query on a browser's database.
func queryError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such table"), strings.Contains(msg, "no such column"):
		return unreadable("%s is not a cookie database this program knows (%v)", path, err)
	case strings.Contains(msg, "locked"), strings.Contains(msg, "busy"):
		return unreadable("%s is locked (%v); close the browser and try again", path, err)
	}
	return unreadable("cannot read %s: %v", path, err)
}

// cause is the reason of a file error without its path, which the message
// names already.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
