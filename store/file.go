package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pixivauth/pixivauth/reason"
)

// permsApply reports whether Unix permission bits mean anything here. On
// Windows a file's mode carries only a read-only bit; the profile lives in
// the user's own %AppData%, whose ACL is what protects it.
const permsApply = runtime.GOOS != "windows"

// ensureDirs creates the config directory and the profile directory, 0700,
// and repairs either one's permissions if they let anyone else in and it is
// pixivauth's (see repairDirs).
func (p *Profile) ensureDirs() error {
	if err := os.MkdirAll(p.store.Dir, dirPerm); err != nil {
		if nd := notADirectory(p.store.Dir); nd != nil {
			return nd
		}
		return fmt.Errorf("store: create config directory: %w", err)
	}
	if err := os.Mkdir(p.dir, dirPerm); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("store: create profile directory: %w", err)
	}
	for _, dir := range []string{p.store.Dir, p.dir} {
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("store: %s %w", dir, reason.NotADirectory)
		}
	}
	return p.repairDirs()
}

// notADirectory names the first of dir and its parents that exists and is
// not a directory (a file where the config directory should be), as an error
// wrapping [reason.NotADirectory]; nil when there is none.
func notADirectory(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				return nil
			}
			return fmt.Errorf("store: %s %w", p, reason.NotADirectory)
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// repairDirs repairs the permissions of the config and profile directories
// that exist and let anyone else in (0755 from a tar or a hand-made
// directory), on a read as on a write. It creates nothing, and it changes
// only what is pixivauth's: a directory that is a symbolic link, or that
// holds anything pixivauth does not write (a --config-dir that is a shared
// or a home directory, say), keeps its mode. The profile's own files are
// 0600 whatever their directories' modes.
func (p *Profile) repairDirs() error {
	if !permsApply {
		return nil
	}
	for _, d := range []struct {
		dir  string
		ours func(string) bool
	}{{p.store.Dir, configDirOurs}, {p.dir, profileDirOurs}} {
		fi, err := os.Lstat(d.dir)
		if err != nil || !fi.IsDir() || fi.Mode()&(0o077|os.ModeSticky|os.ModeSetuid|os.ModeSetgid) == 0 || !d.ours(d.dir) {
			continue // absent, a link, not a directory (the read or write says so), tight, or not pixivauth's
		}
		if err := os.Chmod(d.dir, dirPerm); err != nil {
			return fmt.Errorf("store: repair permissions: %w", err)
		}
		p.store.warnf("repaired permissions of %s (was %s)", d.dir, unixMode(fi.Mode()))
	}
	return nil
}

// profileDirOurs reports whether dir holds nothing but the store's own
// entries (see own).
func profileDirOurs(dir string) bool {
	return holdsOnly(dir, func(e os.DirEntry) bool { return own(e.Name()) })
}

// configDirOurs reports whether dir holds nothing but profile directories
// (not links) that hold nothing but the store's own entries.
func configDirOurs(dir string) bool {
	return holdsOnly(dir, func(e os.DirEntry) bool {
		return e.IsDir() && checkProfileName(e.Name()) == nil && profileDirOurs(filepath.Join(dir, e.Name()))
	})
}

// holdsOnly reports whether dir can be read and every entry in it is ok.
func holdsOnly(dir string, ok func(os.DirEntry) bool) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !ok(e) {
			return false
		}
	}
	return true
}

// unixMode is mode's permission bits as chmod writes them, with the
// set-user-ID, set-group-ID and sticky bits: "1777" for /tmp.
func unixMode(mode os.FileMode) string {
	m := uint32(mode.Perm())
	for bit, v := range map[os.FileMode]uint32{os.ModeSetuid: 0o4000, os.ModeSetgid: 0o2000, os.ModeSticky: 0o1000} {
		if mode&bit != 0 {
			m |= v
		}
	}
	return fmt.Sprintf("%04o", m)
}

// corruptError says why a cache file is not what it should be. Its reason
// never quotes the file.
type corruptError struct{ reason string }

func (e *corruptError) Error() string { return e.reason }

// jsonReason describes a JSON decoding error without quoting the input:
// encoding/json's own messages can hold a piece of it (a time that did not
// parse, say).
func jsonReason(err error) *corruptError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &corruptError{fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)}
	case errors.As(err, &typ) && typ.Field != "":
		return &corruptError{fmt.Sprintf("field %q has the wrong type", typ.Field)}
	}
	return &corruptError{"not in the expected format"}
}

// load reads the profile's file called name and decodes it with decode,
// reporting whether there was anything to decode. On the way it repairs
// loose permissions, and moves the file aside if decode finds it corrupt
// (decode returns a *corruptError), treating it as absent.
func (p *Profile) load(name string, decode func([]byte) error) (found bool, err error) {
	path := filepath.Join(p.dir, name)
	if err := notRegular(path); err != nil {
		return false, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		if nd := notADirectory(p.dir); nd != nil {
			return false, nd
		}
		return false, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	// The directories of a file that is read are repaired like it.
	if err := p.repairDirs(); err != nil {
		return false, err
	}
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("store: %s is not a regular file", path)
	}
	if permsApply && fi.Mode().Perm()&0o077 != 0 {
		// Through the open file, so that it is this file that is repaired
		// even if another process renames a new one into place meanwhile.
		if err := f.Chmod(filePerm); err != nil {
			return false, fmt.Errorf("store: repair permissions: %w", err)
		}
		p.store.warnf("repaired permissions of %s (was %04o)", path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	if len(data) > maxFileSize {
		err = &corruptError{"too large"}
	} else {
		err = decode(data)
	}
	var corrupt *corruptError
	if !errors.As(err, &corrupt) {
		return err == nil, err
	}
	f.Close() // Windows renames no open file.
	if err := p.moveAside(path, fi, corrupt.reason); err != nil {
		return false, err
	}
	return false, nil
}

// moveAside renames the corrupt file at path (fi) to
// path.corrupt-<UTC time>, where a person can look at it and nothing reads
// it again. If a writer has replaced the file since it was read, the new
// file is left alone.
func (p *Profile) moveAside(path string, fi os.FileInfo, reason string) error {
	if cur, err := os.Lstat(path); err != nil || !os.SameFile(cur, fi) {
		return nil
	}
	base := path + corruptSuffix + p.store.now().UTC().Format(corruptTimeFormat)
	dst := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("store: %s is corrupt (%s) and could not be moved aside: %w", path, reason, err)
	}
	p.store.warnf("%s was corrupt (%s); moved it to %s and treated it as absent", path, reason, dst)
	return nil
}

// notRegular is an error when something other than a regular file is at
// path: a directory, or a symbolic link, which the store neither follows
// (a repair of its permissions would change the file it points to) nor
// replaces (the link is the person's). Nothing at path is no error.
func notRegular(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case err != nil || fi.Mode().IsRegular():
		return nil // absent, or the open that follows says why not
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("store: %s is a symbolic link, which pixivauth neither follows nor replaces: put the file itself there, or remove the link", path)
	case fi.IsDir():
		return fmt.Errorf("store: %s is a directory, not a file: remove it", path)
	}
	return fmt.Errorf("store: %s is not a regular file: remove it", path)
}

// tempPrefix begins the name of the temporary file that writeAtomic
// renames into place as name.
func tempPrefix(name string) string { return "." + name + ".tmp-" }

// writeAtomic replaces the profile's file called name with data, 0600: a
// reader sees the old file or the new one, and a crash leaves one of them.
func (p *Profile) writeAtomic(name string, data []byte) (err error) {
	if err := p.ensureDirs(); err != nil {
		return err
	}
	path := filepath.Join(p.dir, name)
	if err := notRegular(path); err != nil {
		return err
	}
	// os.CreateTemp creates the file 0600, before anything is in it.
	f, err := os.CreateTemp(p.dir, tempPrefix(name)+"*")
	if err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	return syncDir(p.dir)
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for it, and its renames are journaled.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}
