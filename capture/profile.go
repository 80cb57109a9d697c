package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ProfilePrefix starts the name of every temporary browser profile that
// pixivauth makes, followed by the owner's process id: a later run removes a
// profile whose owner is gone (killed with SIGKILL, so it could not clean up).
const ProfilePrefix = "pixivauth-chrome-"

// newTempProfile makes a fresh, private browser profile directory in dir.
func newTempProfile(dir string) (string, error) {
	p, err := os.MkdirTemp(dir, ProfilePrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("%w: cannot make a temporary browser profile: %w", ErrBrowser, err)
	}
	return p, nil
}

// profileOwner returns the process id in a temporary profile's name.
func profileOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, ProfilePrefix)
	if !ok {
		return 0, false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// RemoveStaleProfiles removes the temporary profiles in dir (empty:
// os.TempDir()) whose owner process is gone, and any browser process still
// using one. It returns how many it removed.
func RemoveStaleProfiles(dir string) (int, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		pid, ok := profileOwner(e.Name())
		if !ok || !e.IsDir() || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if removeProfile(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}

// removeProfile kills what still runs with the profile, then removes it.
// Chrome's helpers can outlive the main process for a moment and write into
// the directory, so the removal is tried a few times.
func removeProfile(dir string) error {
	killProcessesUsing(dir)
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
		killProcessesUsing(dir)
	}
	return err
}
