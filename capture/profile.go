package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/internal/privatecopy"
	"github.com/pixivauth/pixivauth/reason"
)

// ProfilePrefix starts the name of every temporary directory that pixivauth
// makes for a browser, followed by the owner's process id: a later run
// removes one whose owner is gone (killed with SIGKILL, so it could not
// clean up). Inside are the browser's profile (unless a persistent one is
// given), its HOME and XDG directories, and its TMPDIR.
const ProfilePrefix = "pixivauth-chrome-"

// Names inside a temporary directory of ProfilePrefix.
const (
	profileName = "profile"
	tmpName     = "tmp"
	homeName    = "home"
	// groupName holds the process group id of the browser, so that a later
	// run can end what a killed run left running.
	groupName = "browser.pgid"
)

// runEnv is set in the environment of every browser pixivauth starts, to
// the run directory: a later run checks it before it signals a process
// group that a dead run recorded, so that a reused id never reaches a
// process pixivauth did not start.
const runEnv = "PIXIVAUTH_BROWSER_RUN"

// maxSocketPath is what fits in a Unix socket address (sun_path, less its
// terminating NUL): Chrome puts its singleton socket in its TMPDIR, at
// TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket, and exits at once
// when that path is longer.
const maxSocketPath = 107

// socketSuffix is what Chrome adds to its TMPDIR for its singleton socket.
const socketSuffix = "/org.chromium.Chromium.XXXXXX/SingletonSocket"

// shortTempBase is where the browser's TMPDIR goes when the run directory is
// too deep for a socket path (macOS's TMPDIR, /var/folders/…/T/, is): a
// directory every Unix has, with a short name. "" where sockets have no
// such limit.
func shortTempBase() string {
	if runtime.GOOS == "windows" {
		return ""
	}
	return "/tmp"
}

// runDirs is the temporary layout of one browser run: root, made in the
// caller's temporary directory, holds the profile, the browser's HOME and,
// when the socket path fits there, its TMPDIR; otherwise sockRoot, a second
// private directory under shortTempBase, holds the TMPDIR. Both carry
// ProfilePrefix and the owner's pid, and both go when the run ends.
type runDirs struct {
	root     string
	sockRoot string
}

func (d runDirs) profile() string { return filepath.Join(d.root, profileName) }
func (d runDirs) home() string    { return filepath.Join(d.root, homeName) }

// tmp is the browser's TMPDIR.
func (d runDirs) tmp() string {
	if d.sockRoot != "" {
		return filepath.Join(d.sockRoot, tmpName)
	}
	return filepath.Join(d.root, tmpName)
}

// fitsSocket reports whether a socket in the TMPDIR tmp has a path that
// fits in a socket address.
func fitsSocket(tmp string) bool {
	return shortTempBase() == "" || len(tmp)+len(socketSuffix) <= maxSocketPath
}

// newRunDirs makes fresh, private (0700) directories for one browser run in
// dir (empty: os.TempDir()).
func newRunDirs(dir string) (runDirs, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	var d runDirs
	err := func() error {
		var err error
		prefix := ProfilePrefix + strconv.Itoa(os.Getpid()) + "-"
		if d.root, err = os.MkdirTemp(dir, prefix); err != nil {
			return err
		}
		for _, sub := range []string{profileName, homeName} {
			if err := os.Mkdir(filepath.Join(d.root, sub), 0o700); err != nil {
				return err
			}
		}
		if !fitsSocket(d.tmp()) {
			if d.sockRoot, err = os.MkdirTemp(shortTempBase(), prefix); err != nil {
				return fmt.Errorf("%s is too deep for the browser's socket, and %w", dir, err)
			}
			if !fitsSocket(d.tmp()) {
				return fmt.Errorf("no directory short enough for the browser's socket (%s)", d.tmp())
			}
		}
		return os.Mkdir(d.tmp(), 0o700)
	}()
	if err != nil {
		d.remove()
		return runDirs{}, reason.Mark(fmt.Errorf("%w: cannot make a temporary browser profile: %w", ErrBrowser, err), reason.BrowserFailed)
	}
	return d, nil
}

// env is the environment the browser gets on top of pixivauth's own: its
// TMPDIR, HOME and XDG directories inside the run (so that nothing it
// writes, crash reports and dconf's cache among them, lands in the person's
// home), and the run marker. With a persistent profile the person's HOME
// stays, for their certificates and settings.
func (d runDirs) env(temporaryProfile bool) []string {
	home := d.home()
	env := []string{
		"TMPDIR=" + d.tmp(),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		runEnv + "=" + d.root,
	}
	if temporaryProfile {
		if realHome, err := os.UserHomeDir(); err == nil && os.Getenv("XAUTHORITY") == "" {
			// A window still needs the X server's cookie, which lives in
			// the real home.
			env = append(env, "XAUTHORITY="+filepath.Join(realHome, ".Xauthority"))
		}
		env = append(env, "HOME="+home)
	}
	return env
}

// quietPreferences are the preferences of a temporary profile: the
// browser keeps the login's password to itself (no password manager, so
// no leak check of it with Google) and signs in to nothing. A persistent
// profile (Options.ProfileDir) is the person's, and keeps its own.
const quietPreferences = `{
  "credentials_enable_service": false,
  "credentials_enable_autosignin": false,
  "profile": {"password_manager_enabled": false, "password_manager_leak_detection": false},
  "signin": {"allowed": false},
  "autofill": {"profile_enabled": false, "credit_card_enabled": false},
  "safebrowsing": {"enabled": false}
}
`

// writeQuietPreferences writes quietPreferences as the temporary profile's
// Default/Preferences, before the browser starts.
func (d runDirs) writeQuietPreferences() error {
	dir := filepath.Join(d.profile(), "Default")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Preferences"), []byte(quietPreferences), 0o600)
}

// nssFiles are the files of an NSS certificate database in its sql:
// format, which Chrome on Linux keeps in ~/.pki/nssdb: the certificates a
// person has trusted (a company proxy's CA, say) are in it.
var nssFiles = []string{"cert9.db", "key4.db", "pkcs11.txt"}

// shareTrust copies the person's NSS certificate database from realHome
// into the run's home, for a browser on a temporary profile, whose HOME is
// the run's: without the copy it would not trust what the person's Chrome
// trusts. The person's database is only read. It does nothing where Chrome
// takes its trust from the system (Windows, macOS) or there is no database;
// a file that cannot be copied leaves the browser the system's trust alone,
// and the error says which.
func (d runDirs) shareTrust(realHome string) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || realHome == "" {
		return nil
	}
	from := filepath.Join(realHome, ".pki", "nssdb")
	if fi, err := os.Stat(filepath.Join(from, nssFiles[0])); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	to := filepath.Join(d.home(), ".pki", "nssdb")
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	for _, name := range nssFiles {
		if err := privatecopy.File(filepath.Join(from, name), filepath.Join(to, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// recordGroup notes the browser's process group in the run directory.
func (d runDirs) recordGroup(pgid int) {
	if d.root != "" && pgid > 0 {
		os.WriteFile(filepath.Join(d.root, groupName), []byte(strconv.Itoa(pgid)), 0o600)
	}
}

// remove removes the run's directories. Chrome's helpers can outlive the
// main process for a moment and write into them, so the removal is tried
// a few times; the caller has ended the browser's process group first.
func (d runDirs) remove() error {
	var errs []error
	for _, dir := range []string{d.root, d.sockRoot} {
		if dir != "" {
			errs = append(errs, removeAllRetry(dir))
		}
	}
	return errors.Join(errs...)
}

func removeAllRetry(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return err
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
// os.TempDir()), and the short socket directories beside them, whose owner
// process is gone. A browser still running in one is ended only if it is
// the process group that run recorded and it carries that run's marker: a
// process pixivauth did not start is never signalled. It returns how many
// it removed.
func RemoveStaleProfiles(dir string) (int, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	dirs := []string{dir}
	if short := shortTempBase(); short != "" && filepath.Clean(short) != filepath.Clean(dir) {
		dirs = append(dirs, short)
	}
	n := 0
	var firstErr error
	for i, base := range dirs {
		entries, err := os.ReadDir(base)
		if err != nil {
			if i == 0 {
				firstErr = err
			}
			continue
		}
		for _, e := range entries {
			pid, ok := profileOwner(e.Name())
			if !ok || !e.IsDir() || pid == os.Getpid() || processAlive(pid) {
				continue
			}
			root := filepath.Join(base, e.Name())
			if data, err := os.ReadFile(filepath.Join(root, groupName)); err == nil {
				if pgid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pgid > 0 {
					killStaleGroup(pgid, runEnv+"="+root)
				}
			}
			if removeAllRetry(root) == nil {
				n++
			}
		}
	}
	return n, firstErr
}
