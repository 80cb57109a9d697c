package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pixivauth/pixivauth/reason"
)

// BrowserLocations lists where FindBrowser looks, in order: names on PATH
// and absolute paths (for a cron job's short PATH). A full browser comes
// first even headless: its new headless mode is the real Chrome, which is
// what Pixiv's pages expect; a headless-only shell is the last resort, and
// never for a window.
func BrowserLocations(visible bool) []string { return candidates(runtime.GOOS, visible) }

func candidates(goos string, visible bool) []string {
	var full, shells []string
	switch goos {
	case "darwin":
		full = []string{
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
			"/Applications/Chromium.app/Contents/MacOS/Chromium",
			"/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
		}
	case "windows":
		full = []string{
			"chrome", "chrome.exe",
			`C:\Program Files\Google\Chrome\Application\chrome.exe`,
			`C:\Program Files (x86)\Google\Chrome\Application\chrome.exe`,
			filepath.Join(os.Getenv("LOCALAPPDATA"), `Google\Chrome\Application\chrome.exe`),
			filepath.Join(os.Getenv("LOCALAPPDATA"), `Chromium\Application\chrome.exe`),
			"msedge", "msedge.exe",
			`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`,
			`C:\Program Files\Microsoft\Edge\Application\msedge.exe`,
		}
	default:
		full = []string{
			"chromium", "chromium-browser",
			"google-chrome", "google-chrome-stable", "google-chrome-beta", "google-chrome-unstable",
			"/usr/bin/google-chrome", "/usr/local/bin/chrome", "/snap/bin/chromium", "chrome",
		}
		shells = []string{"chromium-headless-shell", "headless_shell", "headless-shell"}
	}
	if visible {
		return full
	}
	return append(full, shells...)
}

// FindBrowser returns the browser to start: path if set (a name on PATH or a
// file), else the first browser found on the machine. A visible window never
// gets a headless-only shell. The error wraps [ErrBrowser] and names what to
// install.
func FindBrowser(path string, visible bool) (string, error) {
	if path != "" {
		found, err := exec.LookPath(path)
		if _, serr := os.Stat(path); err != nil && filepath.Base(path) != path && (errors.Is(err, fs.ErrPermission) || serr == nil) {
			// It is there, but no program: a directory, or a file without
			// the execute bit.
			return "", reason.Mark(fmt.Errorf("%w: %s is not an executable file", ErrBrowser, path), reason.BrowserMissing)
		}
		if err != nil {
			return "", reason.Mark(fmt.Errorf("%w: browser %q not found (%s)", ErrBrowser, path, installHint()), reason.BrowserMissing)
		}
		if visible && isHeadlessShell(found) {
			return "", reason.Mark(fmt.Errorf("%w: %s is a headless-only shell and cannot open a window (a full Chrome can; the shell can log in headless)", ErrBrowser, found), reason.BrowserMissing)
		}
		return found, nil
	}
	for _, c := range BrowserLocations(visible) {
		if found, err := exec.LookPath(c); err == nil {
			return found, nil
		}
	}
	return "", reason.Mark(fmt.Errorf("%w: no Chrome or Chromium found: %s", ErrBrowser, installHint()), reason.BrowserMissing)
}

func isHeadlessShell(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	return strings.Contains(base, "headless")
}

func installHint() string {
	switch runtime.GOOS {
	case "darwin":
		return "install Google Chrome (brew install --cask google-chrome)"
	case "windows":
		return "install Google Chrome (winget install Google.Chrome)"
	}
	return "install Chromium (Debian/Ubuntu: sudo apt-get install chromium)"
}

// BrowserVersion returns what the browser at path says of its version, such
// as "Chromium 156.0.8078.79". The error wraps [ErrBrowser] when the program
// does not answer like a browser.
func BrowserVersion(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", reason.Mark(fmt.Errorf("%w: %s did not say its version: %w", ErrBrowser, path, err), reason.BrowserMissing)
	}
	// Debian's wrapper script prints a shell warning after the version.
	line, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	if !looksLikeBrowserVersion(line) {
		return "", reason.Mark(fmt.Errorf("%w: %s is not a browser (asked its version, it printed %q)", ErrBrowser, path, trimForError(line)), reason.BrowserMissing)
	}
	return line, nil
}

func looksLikeBrowserVersion(s string) bool {
	s = strings.ToLower(s)
	for _, name := range []string{"chrom", "edge", "brave", "opera", "vivaldi"} {
		if strings.Contains(s, name) {
			return true
		}
	}
	return false
}

func trimForError(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// allocatorOptions builds the flags of a browser that looks like a person's
// Chrome: no automation infobar or navigator.webdriver, and (headless) a user
// agent without "HeadlessChrome", set later per tab.
//
// The browser is the leader of a process group of its own (see ownGroup),
// gets its TMPDIR, HOME and XDG directories from env, and reports no crash:
// nothing of it lands outside the run's directories.
func allocatorOptions(opts Options, execPath, profileDir string, env []string, cmdSeen func(*exec.Cmd), output *outputFilter) []chromedp.ExecAllocatorOption {
	a := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	a = append(a,
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(profileDir),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			ownGroup(cmd)
			cmdSeen(cmd)
		}),
		chromedp.Env(env...),
		chromedp.Flag("disable-crash-reporter", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("enable-automation", false),
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		// No component updates, field trials or Google lookups: on a
		// closed network they fail by the dozen, and a login needs none.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-quic", true),
		chromedp.CombinedOutput(output),
	)
	if opts.Visible {
		a = append(a, chromedp.VisibleWindow, chromedp.WindowSize(1000, 800))
	} else {
		a = append(a, chromedp.WindowSize(1280, 900))
	}
	if opts.Proxy != "" {
		a = append(a, chromedp.ProxyServer(proxyServer(opts.Proxy)))
	}
	for name, value := range opts.Flags {
		a = append(a, chromedp.Flag(name, value))
	}
	return a
}

// proxyServer is the proxy as Chrome's --proxy-server takes it: Chrome
// reads no credentials there (it asks for them when the proxy does), and a
// password on a command line is visible to every local user.
func proxyServer(proxy string) string {
	u, err := url.Parse(proxy)
	if err != nil || u.User == nil {
		return proxy
	}
	u.User = nil
	return u.String()
}

// browserStartError explains why the browser did not start, when the
// caller's context is not done (the caller's own cancellation or deadline
// is reported as it is, before this). A context.Canceled in chromedp's
// error is then the browser's doing: it exited during the first DevTools
// handshake.
func browserStartError(err error, execPath, profileDir, tail string) error {
	if errors.Is(err, chromedp.ErrNoDisplay) {
		return reason.Mark(fmt.Errorf("%w: no display for a window (DISPLAY and WAYLAND_DISPLAY are unset)", ErrBrowser), reason.NoDisplay)
	}
	if profileDir != "" && holdsProfileLock(tail) {
		return profileInUseError(profileDir)
	}
	if strings.Contains(tail, "Missing X server") {
		// DISPLAY is set, and nothing answers there: a closed session,
		// an SSH login without X forwarding, a typo.
		where := "DISPLAY=" + os.Getenv("DISPLAY")
		if os.Getenv("DISPLAY") == "" {
			where = "WAYLAND_DISPLAY=" + os.Getenv("WAYLAND_DISPLAY")
		}
		return reason.Mark(fmt.Errorf("%w: no display answers at %s for a window", ErrBrowser, where), reason.NoDisplay)
	}
	// chromedp's start error carries the browser's output, which can hold
	// URLs; the version check says more plainly what is wrong.
	if _, verr := BrowserVersion(context.Background(), execPath); verr != nil {
		return verr
	}
	var exit *exec.ExitError
	msg := RedactQuery(firstLine(err.Error()))
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &exit) ||
		strings.HasPrefix(err.Error(), "chrome failed to start") { // its output ended: it exited
		msg = "the browser exited while starting"
		if exit != nil {
			msg += " (" + exit.String() + ")"
		}
	} else {
		msg = execPath + " failed to start: " + msg
	}
	if tail != "" {
		msg += " (its last output: " + tail + ")"
	}
	return reason.Mark(fmt.Errorf("%w: %s", ErrBrowser, msg), reason.BrowserFailed)
}

// holdsProfileLock reports whether the browser's last output says another
// browser holds its profile.
func holdsProfileLock(tail string) bool {
	for _, s := range []string{"SingletonLock", "profile appears to be in use", "existing browser session"} {
		if strings.Contains(tail, s) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
