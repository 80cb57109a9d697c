package browsercookies

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/pixivauth/pixivauth/reason"
)

const (
	localStateFile   = "Local State"
	firefoxCookiesDB = "cookies.sqlite"
	defaultChromium  = "Default"
)

// userDataDirs are where b keeps its user data on this platform, most
// likely first. Only absolute paths count: with $HOME (or
// %LOCALAPPDATA%) unset, or a relative $XDG_CONFIG_HOME (which the XDG
// specification says to ignore), a place would be looked for under the
// current directory.
func userDataDirs(b Browser) []string {
	var abs []string
	for _, d := range platformDataDirs(b) {
		if filepath.IsAbs(d) {
			abs = append(abs, d)
		}
	}
	return abs
}

func platformDataDirs(b Browser) []string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		local := os.Getenv("LOCALAPPDATA")
		roaming := os.Getenv("APPDATA")
		switch b {
		case Chrome:
			return []string{filepath.Join(local, `Google\Chrome\User Data`)}
		case Chromium:
			return []string{filepath.Join(local, `Chromium\User Data`)}
		case Edge:
			return []string{filepath.Join(local, `Microsoft\Edge\User Data`)}
		case Brave:
			return []string{filepath.Join(local, `BraveSoftware\Brave-Browser\User Data`)}
		case Firefox:
			return []string{filepath.Join(roaming, `Mozilla\Firefox`)}
		}
	case "darwin":
		support := filepath.Join(home, "Library", "Application Support")
		switch b {
		case Chrome:
			return []string{filepath.Join(support, "Google", "Chrome")}
		case Chromium:
			return []string{filepath.Join(support, "Chromium")}
		case Edge:
			return []string{filepath.Join(support, "Microsoft Edge")}
		case Brave:
			return []string{filepath.Join(support, "BraveSoftware", "Brave-Browser")}
		case Firefox:
			return []string{filepath.Join(support, "Firefox")}
		}
	default:
		config := os.Getenv("XDG_CONFIG_HOME")
		if !filepath.IsAbs(config) {
			config = filepath.Join(home, ".config")
		}
		switch b {
		case Chrome:
			return []string{filepath.Join(config, "google-chrome")}
		case Chromium:
			return []string{filepath.Join(config, "chromium"),
				filepath.Join(home, "snap", "chromium", "common", "chromium")}
		case Edge:
			return []string{filepath.Join(config, "microsoft-edge")}
		case Brave:
			return []string{filepath.Join(config, "BraveSoftware", "Brave-Browser")}
		case Firefox:
			return []string{
				filepath.Join(home, ".mozilla", "firefox"),
				filepath.Join(config, "mozilla", "firefox"), // Firefox 147 and later
				filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox"),
				filepath.Join(home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
			}
		}
	}
	return nil
}

// firstExisting is the first of dirs that exists.
func firstExisting(dirs []string) string {
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// findChromium finds the profile named name (its directory's name or the
// name the browser shows), or the last used one, in b's user data.
func findChromium(b Browser, name string) (*Profile, error) {
	dirs := userDataDirs(b)
	root := firstExisting(dirs)
	if root == "" {
		return nil, noBrowser(b, dirs)
	}
	return chromiumProfileIn(b, root, name)
}

// localState is the part of Chromium's "Local State" read here.
type localState struct {
	Profile struct {
		LastUsed  string `json:"last_used"`
		InfoCache map[string]struct {
			Name string `json:"name"`
		} `json:"info_cache"`
	} `json:"profile"`
	OSCrypt struct {
		EncryptedKey string `json:"encrypted_key"`
	} `json:"os_crypt"`
}

func readLocalState(path string) (*localState, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ls localState
	if err := json.Unmarshal(data, &ls); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON", path)
	}
	return &ls, nil
}

// chromiumProfileIn finds a profile in the user data directory root.
func chromiumProfileIn(b Browser, root, name string) (*Profile, error) {
	lsPath := filepath.Join(root, localStateFile)
	ls, err := readLocalState(lsPath)
	if err != nil {
		ls, lsPath = &localState{}, ""
	}
	// The profiles: directories the info cache names, and any directory
	// with a Cookies database.
	var found []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.IsDir() && cookiesDB(filepath.Join(root, e.Name())) != "" {
			found = append(found, e.Name())
		}
	}
	for dir := range ls.Profile.InfoCache {
		if !slices.Contains(found, dir) && exists(filepath.Join(root, dir)) {
			found = append(found, dir)
		}
	}
	slices.Sort(found)
	pick := func(dir string) *Profile {
		shown := dir
		if info, ok := ls.Profile.InfoCache[dir]; ok && info.Name != "" {
			shown = info.Name
		}
		return &Profile{Browser: b, Name: shown, Dir: filepath.Join(root, dir), localState: lsPath}
	}
	if name == "" {
		for _, dir := range []string{ls.Profile.LastUsed, defaultChromium} {
			if dir != "" && slices.Contains(found, dir) {
				return pick(dir), nil
			}
		}
		if len(found) == 1 {
			return pick(found[0]), nil
		}
		return nil, noProfile(b, "", root, quoted(found))
	}
	for _, dir := range found {
		if strings.EqualFold(dir, name) {
			return pick(dir), nil
		}
	}
	for _, dir := range found {
		if info, ok := ls.Profile.InfoCache[dir]; ok && strings.EqualFold(info.Name, name) {
			return pick(dir), nil
		}
	}
	shown := make([]string, 0, len(found))
	for _, dir := range found {
		p := pick(dir)
		if p.Name != dir {
			shown = append(shown, fmt.Sprintf("%q (shown as %q)", dir, p.Name))
		} else {
			shown = append(shown, fmt.Sprintf("%q", dir))
		}
	}
	return nil, noProfile(b, name, root, shown)
}

// cookiesDB is a Chromium profile's cookie database: Network/Cookies since
// Chrome 96, Cookies before; empty if there is none.
func cookiesDB(profileDir string) string {
	for _, p := range []string{filepath.Join(profileDir, "Network", "Cookies"), filepath.Join(profileDir, "Cookies")} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// findFirefox finds the profile named name, or the default one, among
// those profiles.ini lists.
func findFirefox(name string) (*Profile, error) {
	dirs := userDataDirs(Firefox)
	for _, d := range dirs {
		if exists(filepath.Join(d, "profiles.ini")) {
			return firefoxProfileIn(d, name)
		}
	}
	return nil, noBrowser(Firefox, dirs)
}

// iniSection is one [section] of an ini file.
type iniSection struct {
	name string
	keys map[string]string
}

// readINI reads the sections of an ini file such as profiles.ini.
func readINI(path string) ([]iniSection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var secs []iniSection
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			secs = append(secs, iniSection{name: line[1 : len(line)-1], keys: map[string]string{}})
		case len(secs) > 0:
			if k, v, ok := strings.Cut(line, "="); ok {
				secs[len(secs)-1].keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return secs, sc.Err()
}

// firefoxProfileIn finds a profile among those root's profiles.ini lists:
// by its name or its directory's name; without a name, the default of the
// install (installs.ini, or an [Install…] section), else the profile marked
// Default=1, else the only one.
func firefoxProfileIn(root, name string) (*Profile, error) {
	secs, err := readINI(filepath.Join(root, "profiles.ini"))
	if err != nil {
		return nil, reason.Mark(fmt.Errorf("browsercookies: cannot read Firefox's profiles.ini in %s: %v", root, cause(err)), reason.NoBrowserProfile)
	}
	type ffProfile struct{ name, dir string }
	var profiles []ffProfile
	var installDefault, markedDefault string
	dirOf := func(keys map[string]string, key string) string {
		p := filepath.FromSlash(keys[key])
		if keys["IsRelative"] != "0" && !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return p
	}
	for _, s := range secs {
		switch {
		case strings.HasPrefix(s.name, "Profile") && s.keys["Path"] != "":
			p := ffProfile{name: s.keys["Name"], dir: dirOf(s.keys, "Path")}
			if p.name == "" {
				p.name = filepath.Base(p.dir)
			}
			profiles = append(profiles, p)
			if s.keys["Default"] == "1" {
				markedDefault = p.dir
			}
		case strings.HasPrefix(s.name, "Install") && s.keys["Default"] != "" && installDefault == "":
			s.keys["IsRelative"] = "1"
			installDefault = dirOf(s.keys, "Default")
		}
	}
	if installDefault == "" {
		if isecs, err := readINI(filepath.Join(root, "installs.ini")); err == nil {
			for _, s := range isecs {
				if s.keys["Default"] != "" {
					s.keys["IsRelative"] = "1"
					installDefault = dirOf(s.keys, "Default")
					break
				}
			}
		}
	}
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = fmt.Sprintf("%q", p.name)
	}
	mk := func(p ffProfile) *Profile { return &Profile{Browser: Firefox, Name: p.name, Dir: p.dir} }
	if name == "" {
		for _, want := range []string{installDefault, markedDefault} {
			for _, p := range profiles {
				if want != "" && filepath.Clean(p.dir) == filepath.Clean(want) {
					return mk(p), nil
				}
			}
		}
		if len(profiles) == 1 {
			return mk(profiles[0]), nil
		}
		return nil, noProfile(Firefox, "", root, names)
	}
	for _, p := range profiles {
		if strings.EqualFold(p.name, name) || strings.EqualFold(filepath.Base(p.dir), name) {
			return mk(p), nil
		}
	}
	return nil, noProfile(Firefox, name, root, names)
}

func quoted(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}
