package browsercookies

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// Browser names a desktop browser whose cookies can be read.
type Browser string

// The browsers. Their names are what a spec starts with.
const (
	Chrome   Browser = "chrome"
	Chromium Browser = "chromium"
	Edge     Browser = "edge"
	Brave    Browser = "brave"
	Firefox  Browser = "firefox"
)

// Browsers lists every browser, in the order they are documented.
func Browsers() []Browser { return []Browser{Chrome, Chromium, Edge, Brave, Firefox} }

// chromiumBased reports whether b keeps its cookies the way Chromium does.
func (b Browser) chromiumBased() bool { return b != Firefox }

// Options tune a read. The zero value is ready to use.
type Options struct {
	// TempDir is where the private copy of the database is made; empty is
	// os.TempDir().
	TempDir string
	// Logf, if set, receives a line per step: which profile and database
	// are read, where a key comes from. Never a cookie value or a key.
	Logf func(format string, args ...any)

	// keys, if set, replaces the platform's keys (tests).
	keys keySource
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Spec is a parsed BROWSER[:PROFILE].
type Spec struct {
	// Browser is the browser named before the colon.
	Browser Browser
	// Profile is a profile's name or a directory; empty is the browser's
	// default (or last used) profile.
	Profile string
}

// String returns the spec as it is written.
func (s Spec) String() string {
	if s.Profile == "" {
		return string(s.Browser)
	}
	return string(s.Browser) + ":" + s.Profile
}

// ParseSpec reads BROWSER[:PROFILE]: a browser of [Browsers] (case does
// not matter), then optionally a profile's name or a path.
func ParseSpec(spec string) (Spec, error) {
	name, profile, _ := strings.Cut(spec, ":")
	b := Browser(strings.ToLower(strings.TrimSpace(name)))
	if !slices.Contains(Browsers(), b) {
		names := make([]string, 0, 5)
		for _, b := range Browsers() {
			names = append(names, string(b))
		}
		return Spec{}, reason.Mark(fmt.Errorf("browsercookies: unknown browser %q (want one of %s)",
			name, strings.Join(names, ", ")), reason.NoBrowserProfile)
	}
	return Spec{Browser: b, Profile: profile}, nil
}

// Profile is a browser profile found on this machine.
type Profile struct {
	// Browser is the browser the profile belongs to.
	Browser Browser
	// Name is the profile's name, as the browser shows it or names its
	// directory.
	Name string
	// Dir is the profile's directory.
	Dir string
	// localState is a Chromium profile's "Local State" file, which holds
	// the key on Windows; empty if there is none.
	localState string
}

// String names the profile and its directory.
func (p *Profile) String() string {
	return fmt.Sprintf("%s profile %q (%s)", p.Browser, p.Name, p.Dir)
}

// Find finds the profile a spec names: a directory if the profile looks
// like a path (or is one), else a profile of that name in the browser's own
// place on this machine, else the browser's default or last used profile.
// A missing browser or profile is an error wrapping
// [reason.NoBrowserProfile] that lists the profiles found.
func Find(spec Spec) (*Profile, error) {
	if spec.Profile != "" && looksLikePath(spec.Profile) {
		return profileAt(spec.Browser, expandHome(spec.Profile))
	}
	if spec.Browser.chromiumBased() {
		return findChromium(spec.Browser, spec.Profile)
	}
	return findFirefox(spec.Profile)
}

// Read finds the profile spec names (BROWSER[:PROFILE], see [ParseSpec]
// and [Find]) and returns its Pixiv cookies ([Profile.Cookies]).
func Read(ctx context.Context, spec string, opts Options) ([]session.Cookie, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	p, err := Find(s)
	if err != nil {
		return nil, err
	}
	return p.Cookies(ctx, opts)
}

// Cookies returns the profile's cookies of pixiv.net and its subdomains
// (session.PixivOnly), decrypted. None of them being a live Pixiv session
// cookie is an error wrapping [reason.NoBrowserSession]; a store that
// cannot be read, one wrapping [reason.BrowserStoreUnreadable].
func (p *Profile) Cookies(ctx context.Context, opts Options) ([]session.Cookie, error) {
	var (
		cookies []session.Cookie
		err     error
	)
	if p.Browser.chromiumBased() {
		cookies, err = readChromium(ctx, p, &opts)
	} else {
		cookies, err = readFirefox(ctx, p, &opts)
	}
	if err != nil {
		return nil, err
	}
	cookies = session.PixivOnly(cookies)
	opts.logf("read %d cookies of %s from %s", len(cookies), strings.TrimPrefix(pixiv.CookieDomain, "."), p)
	if !(&session.Session{Cookies: cookies}).Live(time.Now()) {
		fresh := ""
		if p.Browser.chromiumBased() {
			// Chromium writes its cookie store every 30 s, and at exit.
			fresh = " (a login made in the last 30 seconds in a browser that is still open may not be on disk yet)"
		}
		return nil, reason.Mark(fmt.Errorf("browsercookies: %s has no live %s cookie of %s: log in to pixiv.net in that browser first%s",
			p, pixiv.SessionCookie, strings.TrimPrefix(pixiv.CookieDomain, "."), fresh), reason.NoBrowserSession)
	}
	return cookies, nil
}

// noCookieStore is the error of a profile with no cookie store (db names
// it) yet: the browser has kept no cookies there, so it holds no session,
// and the person is to log in there or name the profile that is.
func noCookieStore(p *Profile, db string) error {
	return reason.Mark(fmt.Errorf("browsercookies: %s has no %s: %s has kept no cookies in this profile yet: log in to %s in it first, or name the profile that is logged in (%s:PROFILE)",
		p.Dir, db, p.Browser, strings.TrimPrefix(pixiv.CookieDomain, "."), p.Browser), reason.NoBrowserSession)
}

// looksLikePath reports whether a profile is written as a path rather than
// a name: it has a separator, starts with ~ or ., or is an existing
// directory.
func looksLikePath(s string) bool {
	if strings.ContainsAny(s, `/\`) || strings.HasPrefix(s, "~") || strings.HasPrefix(s, ".") {
		return true
	}
	return filepath.IsAbs(s)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// profileAt is the profile in dir: for Chromium, a profile directory (with
// a Cookies database) or a user data directory (with "Local State", whose
// last used profile is taken); for Firefox, a profile directory (with
// cookies.sqlite) or a directory with profiles.ini.
func profileAt(b Browser, dir string) (*Profile, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, reason.Mark(fmt.Errorf("browsercookies: no %s profile at %s (not a directory)", b, dir), reason.NoBrowserProfile)
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		dir = abs
	}
	if b.chromiumBased() {
		if cookiesDB(dir) != "" {
			p := &Profile{Browser: b, Name: filepath.Base(dir), Dir: dir}
			if ls := filepath.Join(filepath.Dir(dir), localStateFile); exists(ls) {
				p.localState = ls
			}
			return p, nil
		}
		if exists(filepath.Join(dir, localStateFile)) {
			return chromiumProfileIn(b, dir, "")
		}
		return nil, reason.Mark(fmt.Errorf("browsercookies: %s holds neither a %s profile (no Cookies database) nor its user data (no %q)",
			dir, b, localStateFile), reason.NoBrowserProfile)
	}
	if exists(filepath.Join(dir, firefoxCookiesDB)) {
		return &Profile{Browser: b, Name: filepath.Base(dir), Dir: dir}, nil
	}
	if exists(filepath.Join(dir, "profiles.ini")) {
		return firefoxProfileIn(dir, "")
	}
	return nil, reason.Mark(fmt.Errorf("browsercookies: %s holds neither a Firefox profile (no %s) nor profiles.ini",
		dir, firefoxCookiesDB), reason.NoBrowserProfile)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// noProfile is the error for a profile name not found among those listed
// (each already quoted).
func noProfile(b Browser, name, where string, found []string) error {
	list := "none"
	if len(found) > 0 {
		list = strings.Join(found, ", ")
	}
	if name == "" {
		return reason.Mark(fmt.Errorf("browsercookies: no %s profile in %s (profiles found: %s)", b, where, list), reason.NoBrowserProfile)
	}
	return reason.Mark(fmt.Errorf("browsercookies: no %s profile %q in %s (profiles found: %s)", b, name, where, list), reason.NoBrowserProfile)
}

// noBrowser is the error for a browser with no data on this machine.
func noBrowser(b Browser, looked []string) error {
	if len(looked) == 0 {
		unset := "$HOME is not set"
		if runtime.GOOS == "windows" {
			unset = "%LOCALAPPDATA% or %APPDATA% is not set"
		}
		return reason.Mark(fmt.Errorf("browsercookies: cannot tell where %s keeps its data: %s; give the profile's directory as %s:DIR", b, unset, b), reason.NoBrowserProfile)
	}
	return reason.Mark(fmt.Errorf("browsercookies: %s has no data on this machine (looked in %s); give the profile's directory as %s:DIR",
		b, strings.Join(looked, ", "), b), reason.NoBrowserProfile)
}

// unreadable wraps an error reading the store.
func unreadable(format string, args ...any) error {
	return reason.Mark(fmt.Errorf("browsercookies: "+format, args...), reason.BrowserStoreUnreadable)
}
