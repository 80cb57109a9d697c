package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pixivauth/pixivauth/reason"
)

// CheckProfileDir checks a persistent browser profile before a browser
// starts: dir must be a directory, and is made (0700) if it is missing. A
// file in its place would make Chrome fall back to the person's own
// profile.
func CheckProfileDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot make the browser profile directory %s: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("the browser profile %s: %w", dir, err)
	case !fi.IsDir():
		return reason.Mark(fmt.Errorf("the browser profile %s is not a directory", dir), reason.NotADirectory)
	}
	return nil
}

// profileInUse returns an error wrapping reason.ProfileInUse when another
// browser holds the profile dir: Chrome's SingletonLock there, a link to
// "host-pid", names a live process of this machine, or another machine.
func profileInUse(dir string) error {
	target, err := os.Readlink(filepath.Join(dir, "SingletonLock"))
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(target, '-')
	if i < 0 {
		return nil
	}
	host, pidText := target[:i], target[i+1:]
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return nil
	}
	if me, _ := os.Hostname(); host == me && !processAlive(pid) {
		return nil // left by a browser that crashed: Chrome takes it over
	}
	return profileInUseError(dir)
}

func profileInUseError(dir string) error {
	return reason.Mark(fmt.Errorf("%w: the browser profile %s is in use by another browser", ErrBrowser, dir), reason.ProfileInUse)
}
