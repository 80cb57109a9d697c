package privatecopy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(src)
	dst := filepath.Join(dir, "dst")
	if err := File(src, dst); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(dst); err != nil || string(data) != "data" {
		t.Errorf("copy holds %q, %v", data, err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o600 {
		t.Errorf("copy is %v, want 0600", fi.Mode().Perm())
	}
	if after, _ := os.Stat(src); after.Mode() != before.Mode() || !after.ModTime().Equal(before.ModTime()) {
		t.Error("the original changed")
	}
	if err := File(src, dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("a copy over an existing file: %v, want ErrExist", err)
	}
	if err := File(filepath.Join(dir, "missing"), filepath.Join(dir, "d2")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want ErrNotExist", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err == nil {
		if err := File(fifo, filepath.Join(dir, "d3")); err == nil {
			t.Error("a FIFO was copied")
		}
	}
}
