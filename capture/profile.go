package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ProfilePrefix starts the name of every temporary directory that pixivauth
// makes for a browser, followed by the owner's process id: a later run
// removes one whose owner is gone (killed with SIGKILL, so it could not
// clean up). Inside are the browser's profile (unless a persistent one is
// given) and the browser's own TMPDIR.
const ProfilePrefix = "pixivauth-chrome-"

// Names inside a temporary directory of ProfilePrefix.
const (
	profileName = "profile"
	tmpName     = "tmp"
)

// newTempRoot makes a fresh, private directory for one browser run in dir,
// with the profile and TMPDIR directories inside.
func newTempRoot(dir string) (string, error) {
	root, err := os.MkdirTemp(dir, ProfilePrefix+strconv.Itoa(os.Getpid())+"-")
	if err == nil {
		err = os.Mkdir(filepath.Join(root, profileName), 0o700)
		if err == nil {
			err = os.Mkdir(filepath.Join(root, tmpName), 0o700)
		}
		if err != nil {
			os.RemoveAll(root)
		}
	}
	if err != nil {
		return "", fmt.Errorf("%w: cannot make a temporary browser profile: %w", ErrBrowser, err)
	}
	return root, nil
}

// maxSocketPath is what fits in a Unix socket address (sun_path, less its
// terminating NUL): Chrome puts its singleton socket in its TMPDIR, at
// TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket, and exits at once
// when that path is longer.
const maxSocketPath = 107

// browserTmp returns the TMPDIR to give the browser: the one inside root,
// so that what the browser leaves in its TMPDIR goes with root, unless the
// socket path would not fit there; then "" (the browser keeps ours).
func browserTmp(root string) string {
	tmp := filepath.Join(root, tmpName)
	if len(tmp)+len("/org.chromium.Chromium.XXXXXX/SingletonSocket") > maxSocketPath {
		return ""
	}
	return tmp
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
		root := filepath.Join(dir, e.Name())
		if removeTempRoot(root, filepath.Join(root, profileName)) == nil {
			n++
		}
	}
	return n, nil
}

// removeTempRoot kills what still runs with the profile, then removes the
// temporary directory root. Chrome's helpers can outlive the main process
// for a moment and write into the directory, so the removal is tried a few
// times.
func removeTempRoot(root, profile string) error {
	killProcessesUsing(profile)
	var err error
	for range 20 {
		if err = os.RemoveAll(root); err == nil {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
		killProcessesUsing(profile)
	}
	return err
}
