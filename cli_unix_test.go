//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pixivauth/pixivauth/session"
)

// TestSessionExportOutputSpecialFiles: session export --output replaces
// only a regular file.
func TestSessionExportOutputSpecialFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.srv.NewSession(f.account.ID)
	if err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{cookieOf(c)}}); err != nil {
		t.Fatal(err)
	}
	// Only a regular file is replaced: a device (such as /dev/null), a pipe
	// or a symbolic link is refused and left as it was (it used to become
	// a file holding the session).
	special := t.TempDir()
	target := filepath.Join(special, "target")
	os.WriteFile(target, []byte("someone's file"), 0o644)
	os.Symlink(target, filepath.Join(special, "link"))
	if err := syscall.Mkfifo(filepath.Join(special, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{"link": "a symbolic link", "fifo": "a named pipe"}
	// A device of the test's own, as /dev/null is (a test must not risk the
	// machine's): only root can make one.
	if syscall.Mknod(filepath.Join(special, "null"), syscall.S_IFCHR|0o666, 1<<8|3) == nil {
		kinds["null"] = "a device"
	}
	for name, kind := range kinds {
		out := filepath.Join(special, name)
		before, _ := os.Lstat(out)
		r := runPixivauth(t, nil, "", append(f.server(), "session", "export", "--output", out)...)
		after, err := os.Lstat(out)
		if r.Code == 0 || !strings.Contains(r.Stderr, out+" is "+kind+", not a regular file") || err != nil || after.Mode() != before.Mode() {
			t.Errorf("--output %s: mode %v -> %v\n%v", name, before.Mode(), after.Mode(), r)
		}
	}
	if readFile(t, target) != "someone's file" {
		t.Error("the link's target was written")
	}
}
