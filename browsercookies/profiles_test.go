package browsercookies

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/reason"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// With $HOME unset, no browser's data is looked for under the current
// directory (a relative $XDG_CONFIG_HOME is ignored, as XDG says).
func TestNoHomeLooksNowhereRelative(t *testing.T) {
	cwd := t.TempDir()
	writeFiles(t, cwd, map[string]string{
		".config/chromium/Local State":      `{}`,
		".config/chromium/Default/Cookies":  "",
		".mozilla/firefox/profiles.ini":     "[Profile0]\nName=default\nIsRelative=1\nPath=p\n",
		".mozilla/firefox/p/cookies.sqlite": "",
	})
	t.Chdir(cwd)
	t.Setenv("HOME", "")
	t.Setenv("XDG_CONFIG_HOME", ".config")
	for _, spec := range []string{"chromium", "firefox"} {
		s, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Find(s)
		if err == nil {
			t.Errorf("%s: found %s under the current directory", spec, p.Dir)
			continue
		}
		if !errors.Is(err, reason.NoBrowserProfile) || !strings.Contains(err.Error(), "$HOME is not set") {
			t.Errorf("%s: %v", spec, err)
		}
	}
}

func TestChromiumProfiles(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"Local State":               `{"profile":{"last_used":"Profile 2","info_cache":{"Default":{"name":"Person 1"},"Profile 2":{"name":"Work"}}}}`,
		"Default/Network/Cookies":   "",
		"Profile 2/Network/Cookies": "",
		"Profile 3/Cookies":         "", // before Chrome 96
	})
	tests := []struct {
		name, want string
		wantErr    []string
	}{
		{"", "Profile 2", nil}, // last used
		{"default", "Default", nil},
		{"Work", "Profile 2", nil}, // the name the browser shows
		{"profile 3", "Profile 3", nil},
		{"Home", "", []string{`no chrome profile "Home"`, `"Default" (shown as "Person 1")`, `"Profile 2" (shown as "Work")`, `"Profile 3"`}},
	}
	for _, tt := range tests {
		p, err := chromiumProfileIn(Chrome, root, tt.name)
		if tt.wantErr != nil {
			if !errors.Is(err, reason.NoBrowserProfile) || !containsAll(err.Error(), tt.wantErr...) {
				t.Errorf("%q: err = %v", tt.name, err)
			}
			continue
		}
		if err != nil || filepath.Base(p.Dir) != tt.want || p.localState != filepath.Join(root, localStateFile) {
			t.Errorf("%q: %v, %v; want %s", tt.name, p, err, tt.want)
		}
	}
}

func TestFirefoxProfiles(t *testing.T) {
	root := t.TempDir()
	abs := t.TempDir()
	writeFiles(t, root, map[string]string{
		"profiles.ini": "[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/aaaa.default\nDefault=1\n\n" +
			"[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/bbbb.default-release\n\n" +
			"[Profile2]\nName=elsewhere\nIsRelative=0\nPath=" + abs + "\n\n[General]\nStartWithLastProfile=1\nVersion=2\n",
		"installs.ini": "[4F96D1932A9F858E]\nDefault=Profiles/bbbb.default-release\nLocked=1\n",
	})
	tests := []struct{ name, want string }{
		{"", filepath.Join(root, "Profiles", "bbbb.default-release")}, // the install's default
		{"default", filepath.Join(root, "Profiles", "aaaa.default")},
		{"aaaa.default", filepath.Join(root, "Profiles", "aaaa.default")},
		{"elsewhere", abs},
	}
	for _, tt := range tests {
		p, err := firefoxProfileIn(root, tt.name)
		if err != nil || p.Dir != tt.want {
			t.Errorf("%q: %v, %v; want %s", tt.name, p, err, tt.want)
		}
	}
	_, err := firefoxProfileIn(root, "work")
	if !errors.Is(err, reason.NoBrowserProfile) || !containsAll(err.Error(), `"default", "default-release", "elsewhere"`) {
		t.Errorf("a missing profile: %v", err)
	}
	// Without installs.ini, the profile marked Default=1.
	os.Remove(filepath.Join(root, "installs.ini"))
	if p, err := firefoxProfileIn(root, ""); err != nil || filepath.Base(p.Dir) != "aaaa.default" {
		t.Errorf("Default=1: %v, %v", p, err)
	}
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
		ok   bool
	}{
		{"firefox", Spec{Firefox, ""}, true},
		{"Chrome:Profile 1", Spec{Chrome, "Profile 1"}, true},
		{`edge:C:\Users\me\AppData\Local\Microsoft\Edge\User Data`, Spec{Edge, `C:\Users\me\AppData\Local\Microsoft\Edge\User Data`}, true},
		{"brave:", Spec{Brave, ""}, true},
		{"safari", Spec{}, false},
		{"", Spec{}, false},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

func TestTimes(t *testing.T) {
	want := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	if got := chromiumTime((want.Unix() + windowsEpochOffset) * 1e6); !got.Equal(want) {
		t.Errorf("chromiumTime = %v", got)
	}
	if got := firefoxExpiry(want.Unix()); !got.Equal(want) {
		t.Errorf("firefoxExpiry(seconds) = %v", got)
	}
	if got := firefoxExpiry(want.UnixMilli()); !got.Equal(want) {
		t.Errorf("firefoxExpiry(milliseconds) = %v", got)
	}
	if !chromiumTime(0).IsZero() || !firefoxExpiry(0).IsZero() {
		t.Error("no expiry is not the zero time")
	}
}

func TestLooksLikePath(t *testing.T) {
	for in, want := range map[string]bool{"Default": false, "Profile 1": false, "~/x": true, "./p": true, "/abs": true, `C:\x`: true, "a/b": true} {
		if got := looksLikePath(in); got != want && !(strings.HasPrefix(in, `C:`) && got) {
			t.Errorf("looksLikePath(%q) = %v", in, got)
		}
	}
}

// TestProfileWithoutCookies: a profile the browser has kept no cookies in
// (a new one, the last used of several) holds no session: the person is
// to log in there or name the right profile, not to export a cookies.txt.
func TestProfileWithoutCookies(t *testing.T) {
	for _, b := range []Browser{Chromium, Firefox} {
		t.Run(string(b), func(t *testing.T) {
			p := &Profile{Browser: b, Name: "new", Dir: t.TempDir()}
			_, err := p.Cookies(t.Context(), Options{TempDir: t.TempDir()})
			if reason.Of(err) != reason.NoBrowserSession || !containsAll(err.Error(), "has kept no cookies in this profile yet", "log in to pixiv.net in it first", string(b)+":PROFILE") {
				t.Errorf("err = %v; want NoBrowserSession, saying to log in there or name the profile", err)
			}
		})
	}
}
