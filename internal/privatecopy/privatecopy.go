// Package privatecopy copies a file that belongs to someone else (a
// browser's cookie database, a person's certificate database) into a
// directory of pixivauth's own, for reading there: the original is only
// read, never locked or changed.
package privatecopy

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// File copies src to a new file dst, 0600, reading src only. src must be a
// regular file (a link to one is followed): a device or a FIFO, which could
// block the read forever, is refused. It is opened without waiting (on
// Unix a FIFO's open would wait for a writer) and checked once open, so
// that a file swapped for a FIFO meanwhile is refused too. dst must not
// exist.
func File(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|openNoWait, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "copy", Path: src, Err: fmt.Errorf("not a regular file (%v)", fi.Mode().Type())}
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return &fs.PathError{Op: "read", Path: src, Err: err}
	}
	return out.Close()
}
