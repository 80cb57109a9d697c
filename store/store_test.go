package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// testNow is the fixed clock of every test store.
var testNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// warnings records what a Store warns about.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Warnf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, fmt.Sprintf(format, args...))
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

// newStore returns a store in a config directory that does not exist yet.
func newStore(t *testing.T) (*Store, *warnings) {
	t.Helper()
	w := &warnings{}
	s := &Store{
		Dir:   filepath.Join(t.TempDir(), "config", "pixivauth"),
		Warnf: w.Warnf,
		Now:   func() time.Time { return testNow },
	}
	return s, w
}

func newProfile(t *testing.T, s *Store, name string) *Profile {
	t.Helper()
	p, err := s.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testToken(userID, access string) *exchange.Token {
	return &exchange.Token{
		AccessToken:  access,
		RefreshToken: "refresh-" + userID,
		TokenType:    "bearer",
		Scope:        "",
		Expiry:       testNow.Add(time.Hour),
		User:         exchange.User{ID: userID, Name: "Name" + userID, Account: "user_" + userID},
	}
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg"))
	t.Setenv("AppData", filepath.Join(home, "appdata"))
	userConfig, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DefaultDir(); err != nil || got != filepath.Join(userConfig, "pixivauth") {
		t.Errorf("DefaultDir() = %q, %v; want %q", got, err, filepath.Join(userConfig, "pixivauth"))
	}
}

func TestProfileName(t *testing.T) {
	s, _ := newStore(t)
	tests := []struct {
		name string
		ok   bool
	}{
		{"default", true},
		{"work-2_b.x", true},
		{"A", true},
		{".hidden", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{`a\b`, false},
		{"a b", false},
		{"ünï", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		p, err := s.Profile(tt.name)
		if tt.ok {
			if err != nil || p.Name() != tt.name || p.Dir() != filepath.Join(s.Dir, tt.name) {
				t.Errorf("Profile(%q) = %v, %v", tt.name, p, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Profile(%q) accepted", tt.name)
		} else if !strings.Contains(err.Error(), "1 to 64 ASCII letters, digits") {
			t.Errorf("Profile(%q): error %q does not state the rule", tt.name, err)
		}
	}
	if _, err := (&Store{}).Profile("default"); err == nil {
		t.Error("a Store without Dir gave a profile")
	}
}

func TestSaveTokenModes(t *testing.T) {
	skipWithoutPerms(t)
	tests := []struct {
		name string
		// setup prepares the config and profile directories.
		setup    func(t *testing.T, s *Store, p *Profile)
		warnings []string
	}{
		{"fresh", func(*testing.T, *Store, *Profile) {}, nil},
		{"loose config dir", func(t *testing.T, s *Store, p *Profile) {
			mkdir(t, s.Dir, 0o755)
		}, []string{"repaired permissions of CONFIG (was 0755)"}},
		{"loose profile dir", func(t *testing.T, s *Store, p *Profile) {
			mkdir(t, s.Dir, 0o700)
			mkdir(t, p.Dir(), 0o770)
		}, []string{"repaired permissions of PROFILE (was 0770)"}},
		{"both loose", func(t *testing.T, s *Store, p *Profile) {
			mkdir(t, s.Dir, 0o711)
			mkdir(t, p.Dir(), 0o777)
		}, []string{"repaired permissions of CONFIG (was 0711)", "repaired permissions of PROFILE (was 0777)"}},
		{"loose token file is replaced 0600", func(t *testing.T, s *Store, p *Profile) {
			mkdir(t, s.Dir, 0o700)
			mkdir(t, p.Dir(), 0o700)
			writeFile(t, filepath.Join(p.Dir(), tokenFile), jsonOf(t, testToken("1", "old")), 0o644)
		}, []string{"repaired permissions of PROFILE/token.json (was 0644)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := newStore(t)
			p := newProfile(t, s, "default")
			tt.setup(t, s, p)
			if err := p.SaveToken(context.Background(), testToken("1", "access")); err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]fs.FileMode{
				s.Dir:                             0o700,
				p.Dir():                           0o700,
				filepath.Join(p.Dir(), tokenFile): 0o600,
				filepath.Join(p.Dir(), lockFile):  0o600,
				filepath.Join(s.Dir, "..", "..", "config"): 0o700, // created parents too
			} {
				if got := mode(t, path); got != want {
					t.Errorf("mode of %s = %04o, want %04o", path, got, want)
				}
			}
			var want []string
			for _, msg := range tt.warnings {
				msg = strings.ReplaceAll(msg, "PROFILE", p.Dir())
				want = append(want, strings.ReplaceAll(msg, "CONFIG", s.Dir))
			}
			if got := w.all(); !slices.Equal(got, want) {
				t.Errorf("warnings %q, want %q", got, want)
			}
		})
	}
}

// TestRepairOnlyWhatIsOurs: loose permissions are repaired on directories
// that are pixivauth's, never on one that holds anything else (a shared
// directory, a home directory given as --config-dir) or is a symbolic link,
// whether the profile is written or read. The token file is 0600 either way.
func TestRepairOnlyWhatIsOurs(t *testing.T) {
	skipWithoutPerms(t)
	sticky := 0o777 | fs.ModeSticky
	tests := []struct {
		name string
		// setup prepares the store's directories and returns the one whose
		// mode is checked afterwards, and the mode it must have.
		setup    func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode)
		warnings []string
	}{
		{"a shared sticky directory with another's file", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, sticky)
			writeFile(t, filepath.Join(s.Dir, "someone-elses-file"), nil, 0o644)
			return s.Dir, sticky
		}, nil},
		{"a home directory", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, 0o755)
			writeFile(t, filepath.Join(s.Dir, ".bashrc"), nil, 0o644)
			return s.Dir, 0o755
		}, nil},
		{"a directory holding a directory of another's", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, 0o755)
			writeFile(t, filepath.Join(s.Dir, "public_html", "index.html"), nil, 0o644)
			return s.Dir, 0o755
		}, nil},
		{"a link to a directory", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			mkdir(t, target, 0o755)
			mkdir(t, filepath.Dir(s.Dir), 0o700)
			if err := os.Symlink(target, s.Dir); err != nil {
				t.Fatal(err)
			}
			return target, 0o755
		}, nil},
		{"a profile directory holding a person's notes", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, 0o700)
			mkdir(t, p.Dir(), 0o755)
			writeFile(t, filepath.Join(p.Dir(), "notes.txt"), nil, 0o644)
			return p.Dir(), 0o755
		}, nil},
		{"pixivauth's own, sticky and empty", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, sticky)
			return s.Dir, 0o700
		}, []string{"repaired permissions of CONFIG (was 1777)"}},
		{"pixivauth's own, with another profile", func(t *testing.T, s *Store, p *Profile) (string, fs.FileMode) {
			mkdir(t, s.Dir, 0o755)
			writeFile(t, filepath.Join(s.Dir, "work", tokenFile), jsonOf(t, testToken("2", "work")), 0o600)
			return s.Dir, 0o700
		}, []string{"repaired permissions of CONFIG (was 0755)"}},
	}
	for _, tt := range tests {
		for _, op := range []string{"write", "read"} {
			t.Run(tt.name+", "+op, func(t *testing.T) {
				s, w := newStore(t)
				p := newProfile(t, s, "default")
				dir, want := tt.setup(t, s, p)
				if op == "read" {
					writeFile(t, filepath.Join(p.Dir(), tokenFile), jsonOf(t, testToken("1", "old")), 0o600)
					if _, err := p.LoadToken(); err != nil {
						t.Fatal(err)
					}
				} else if err := p.SaveToken(context.Background(), testToken("1", "access")); err != nil {
					t.Fatal(err)
				}
				fi, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode() & (fs.ModePerm | fs.ModeSticky); got != want {
					t.Errorf("mode of %s = %v, want %v", dir, got, want)
				}
				if got := mode(t, filepath.Join(p.Dir(), tokenFile)); got != 0o600 {
					t.Errorf("token file %04o, want 0600", got)
				}
				var wantW []string
				for _, msg := range tt.warnings {
					wantW = append(wantW, strings.ReplaceAll(msg, "CONFIG", s.Dir))
				}
				if got := w.all(); !slices.Equal(got, wantW) {
					t.Errorf("warnings %q, want %q", got, wantW)
				}
			})
		}
	}
}

// skipWithoutPerms skips a test of permission bits where they mean nothing.
func skipWithoutPerms(t *testing.T) {
	t.Helper()
	if !permsApply {
		t.Skip("no Unix permissions here")
	}
}

func mkdir(t *testing.T, dir string, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, data []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTokenRoundTrip(t *testing.T) {
	s, w := newStore(t)
	p := newProfile(t, s, "default")
	if _, err := p.LoadToken(); !errors.Is(err, ErrNoToken) {
		t.Fatalf("LoadToken of an empty profile: %v, want ErrNoToken", err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadToken created the config directory: %v", err)
	}
	want := testToken("123", "access")
	want.DeviceToken = "device"
	want.User.IsPremium = true
	want.User.XRestrict = 2
	// An expiry with a fraction of a second is saved in whole seconds, as
	// it is printed, and never later.
	saved := *want
	saved.Expiry = want.Expiry.Add(987654321 * time.Nanosecond)
	if err := p.SaveToken(context.Background(), &saved); err != nil {
		t.Fatal(err)
	}
	got, err := p.LoadToken()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Expiry.Equal(want.Expiry) {
		t.Errorf("expiry %v, want %v", got.Expiry, want.Expiry)
	}
	got.Expiry = want.Expiry
	if *got != *want {
		t.Errorf("loaded %+v, want %+v", got, want)
	}
	if got := w.all(); len(got) != 0 {
		t.Errorf("warnings: %q", got)
	}
	// A second Profile value reads what the first wrote.
	if got, err := newProfile(t, s, "default").LoadToken(); err != nil || got.AccessToken != "access" {
		t.Errorf("second Profile value: %v, %v", got, err)
	}
}

func TestAtomicWriteLeavesNoTemporaryFiles(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	for i := range 5 {
		if err := p.SaveToken(context.Background(), testToken("1", fmt.Sprint("access", i))); err != nil {
			t.Fatal(err)
		}
		if err := p.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{sessionCookie(time.Time{})}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := entries(t, p.Dir()), []string{lockFile, sessionFile, tokenFile}; !slices.Equal(got, want) {
		t.Errorf("profile directory holds %q, want %q", got, want)
	}
	if got, want := entries(t, s.Dir), []string{"default"}; !slices.Equal(got, want) {
		t.Errorf("config directory holds %q, want %q", got, want)
	}
}

func TestFailedWriteLeavesNoTemporaryFile(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	// A directory where the token file should be: the rename fails.
	mkdir(t, filepath.Join(p.Dir(), tokenFile), 0o700)
	if err := p.writeAtomic(tokenFile, []byte("{}")); err == nil {
		t.Fatal("writeAtomic over a directory succeeded")
	}
	if got, want := entries(t, p.Dir()), []string{tokenFile}; !slices.Equal(got, want) {
		t.Errorf("profile directory holds %q, want %q", got, want)
	}
}

// TestAtomicWriteConcurrentReader reads the token file while another
// goroutine rewrites it: every read must be a whole token.
func TestAtomicWriteConcurrentReader(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	big := testToken("1", strings.Repeat("A", 64<<10))
	small := testToken("1", "b")
	if err := p.SaveToken(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	const writes, maxReads = 200, 100000
	done := make(chan error, 1)
	go func() {
		w, err := s.Profile("default") // a Profile value of its own
		if err != nil {
			done <- err
			return
		}
		for i := range writes {
			tok := big
			if i%2 == 0 {
				tok = small
			}
			if err := w.SaveToken(context.Background(), tok); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	path := filepath.Join(p.Dir(), tokenFile)
	for reads := 0; reads < maxReads; reads++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d reads during %d writes", reads, writes)
			return
		default:
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		tok, err := decodeToken(data)
		if err != nil {
			t.Fatalf("read %d saw a partial file (%d bytes): %v", reads, len(data), err)
		}
		if tok.AccessToken != big.AccessToken && tok.AccessToken != small.AccessToken {
			t.Fatalf("read %d saw a token never written", reads)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLoadRepairsPermissions(t *testing.T) {
	skipWithoutPerms(t)
	tests := []struct {
		perm fs.FileMode
		warn bool
	}{
		{0o600, false},
		{0o400, false},
		{0o644, true},
		{0o640, true},
		{0o604, true},
		{0o666, true},
		{0o601, true},
	}
	for _, tt := range tests {
		for _, file := range []string{tokenFile, sessionFile} {
			t.Run(fmt.Sprintf("%s %04o", file, tt.perm), func(t *testing.T) {
				s, w := newStore(t)
				p := newProfile(t, s, "default")
				path := filepath.Join(p.Dir(), file)
				mkdir(t, s.Dir, 0o700)
				mkdir(t, p.Dir(), 0o700)
				var err error
				if file == tokenFile {
					writeFile(t, path, jsonOf(t, testToken("1", "access")), tt.perm)
					_, err = p.LoadToken()
				} else {
					writeFile(t, path, jsonOf(t, &session.Session{Version: 1, Cookies: []session.Cookie{sessionCookie(time.Time{})}}), tt.perm)
					_, err = p.LoadSession()
				}
				if err != nil {
					t.Fatal(err)
				}
				want := tt.perm
				var wantWarnings []string
				if tt.warn {
					want = 0o600
					wantWarnings = []string{fmt.Sprintf("repaired permissions of %s (was %04o)", path, tt.perm)}
				}
				if got := mode(t, path); got != want {
					t.Errorf("mode %04o, want %04o", got, want)
				}
				if got := w.all(); !slices.Equal(got, wantWarnings) {
					t.Errorf("warnings %q, want %q", got, wantWarnings)
				}
			})
		}
	}
}

const secret = "SeCrEtVaLuE"

func TestLoadTokenCorrupt(t *testing.T) {
	tests := []struct {
		name, content, reason string
	}{
		{"not JSON", "access_token=" + secret, "not valid JSON (at byte 1)"},
		{"truncated", `{"access_token":"` + secret + `","refresh_token":"` + secret, "not valid JSON"},
		{"empty file", "", "not valid JSON"},
		{"empty object", "{}", "no refresh_token"},
		{"null", "null", "no refresh_token"},
		{"array", "[]", "not in the expected format"},
		{"no refresh token", `{"access_token":"` + secret + `"}`, "no refresh_token"},
		{"wrong type", `{"access_token":"` + secret + `","refresh_token":1}`, `field "refresh_token" has the wrong type`},
		{"bad time", `{"access_token":"a","refresh_token":"b","expires_at":"` + secret + `"}`, "not in the expected format"},
		{"too large", `{"access_token":"` + strings.Repeat("a", maxFileSize) + `","refresh_token":"b"}`, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := newStore(t)
			p := newProfile(t, s, "default")
			path := filepath.Join(p.Dir(), tokenFile)
			writeFile(t, path, []byte(tt.content), 0o600)
			if _, err := p.LoadToken(); !errors.Is(err, ErrNoToken) {
				t.Fatalf("LoadToken: %v, want ErrNoToken", err)
			}
			moved := path + ".corrupt-20260102T150405Z"
			if data, err := os.ReadFile(moved); err != nil || string(data) != tt.content {
				t.Errorf("moved-aside file: %v (content kept: %v)", err, string(data) == tt.content)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt file still in place: %v", err)
			}
			got := w.all()
			if len(got) != 1 || !strings.Contains(got[0], moved) || !strings.Contains(got[0], tt.reason) {
				t.Errorf("warnings %q, want one naming %s and %q", got, moved, tt.reason)
			}
			if strings.Contains(strings.Join(got, "\n"), secret) {
				t.Errorf("a warning holds the file's content: %q", got)
			}
			// Treated as absent: a save goes through.
			if err := p.SaveToken(context.Background(), testToken("1", "new")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCorruptFilesMovedAsideTwiceInOneSecond(t *testing.T) {
	s, w := newStore(t)
	p := newProfile(t, s, "default")
	path := filepath.Join(p.Dir(), tokenFile)
	for i := range 3 {
		writeFile(t, path, []byte(fmt.Sprint("corrupt ", i)), 0o600)
		if _, err := p.LoadToken(); !errors.Is(err, ErrNoToken) {
			t.Fatal(err)
		}
	}
	want := []string{"token.json.corrupt-20260102T150405Z", "token.json.corrupt-20260102T150405Z-2", "token.json.corrupt-20260102T150405Z-3"}
	if got := entries(t, p.Dir()); !slices.Equal(got, want) {
		t.Errorf("profile directory holds %q, want %q", got, want)
	}
	for i, name := range want {
		if data, _ := os.ReadFile(filepath.Join(p.Dir(), name)); string(data) != fmt.Sprint("corrupt ", i) {
			t.Errorf("%s holds %q", name, data)
		}
	}
	if got := w.all(); len(got) != 3 {
		t.Errorf("warnings %q, want 3", got)
	}
}

func TestSaveTokenOtherUser(t *testing.T) {
	tests := []struct {
		name          string
		stored, saved exchange.User
		// otherRefresh gives the saved token another refresh token than
		// the stored one's: it is no refresh of the cached token.
		otherRefresh bool
		refused      bool
		// keptUser is the user the cache holds after a save that worked.
		keptUser exchange.User
		say      []string
	}{
		{name: "same user", stored: exchange.User{ID: "1", Name: "Alice"}, saved: exchange.User{ID: "1", Name: "Alice renamed"},
			keptUser: exchange.User{ID: "1", Name: "Alice renamed"}},
		{name: "other user", stored: exchange.User{ID: "1", Name: "Alice", Account: "alice"}, saved: exchange.User{ID: "2", Name: "Bob"},
			refused: true, say: []string{"Alice (@alice, id 1)", "Bob (id 2)"}},
		{name: "stored user unknown", stored: exchange.User{}, saved: exchange.User{ID: "2"}, keptUser: exchange.User{ID: "2"}},
		{name: "a refresh that names no user", stored: exchange.User{ID: "1", Name: "Alice"}, saved: exchange.User{},
			keptUser: exchange.User{ID: "1", Name: "Alice"}},
		{name: "another token that names no user", stored: exchange.User{ID: "1", Name: "Alice", Account: "alice"}, saved: exchange.User{},
			otherRefresh: true, refused: true, say: []string{"Alice (@alice, id 1)", "names no user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			p := newProfile(t, s, "work")
			first := testToken("x", "first")
			first.User = tt.stored
			if err := p.SaveToken(context.Background(), first); err != nil {
				t.Fatal(err)
			}
			second := testToken("x", "second")
			if tt.otherRefresh {
				second = testToken("y", "second")
			}
			second.User = tt.saved
			err := p.SaveToken(context.Background(), second)
			got, loadErr := p.LoadToken()
			if loadErr != nil {
				t.Fatal(loadErr)
			}
			if !tt.refused {
				if err != nil || got.AccessToken != "second" || got.User != tt.keptUser {
					t.Errorf("SaveToken: %v; cached %q of %+v, want second of %+v", err, got.AccessToken, got.User, tt.keptUser)
				}
				return
			}
			if !errors.Is(err, ErrOtherUser) || !errors.Is(err, reason.OtherUser) {
				t.Fatalf("SaveToken: %v, want ErrOtherUser and reason.OtherUser", err)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("error %q names an option", err)
			}
			for _, want := range append([]string{`profile "work"`}, tt.say...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "first") || strings.Contains(err.Error(), "second") || strings.Contains(err.Error(), "refresh-") {
				t.Errorf("error %q holds a token", err)
			}
			if got.AccessToken != "first" {
				t.Errorf("the stored token was overwritten")
			}
		})
	}
}

func TestSaveTokenRejectsIncompleteToken(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	for _, tok := range []*exchange.Token{nil, {RefreshToken: "r"}, {AccessToken: "a"}} {
		if err := p.SaveToken(context.Background(), tok); err == nil {
			t.Errorf("SaveToken(%+v) succeeded", tok)
		}
	}
}

// TestUnwritable puts a regular file where a directory should be: tests run
// as root, which chmod cannot stop.
func TestUnwritable(t *testing.T) {
	tests := []struct {
		name  string
		block func(s *Store, p *Profile) string // returns the path to make a file
	}{
		{"config dir's parent is a file", func(s *Store, p *Profile) string { return filepath.Dir(s.Dir) }},
		{"config dir is a file", func(s *Store, p *Profile) string { return s.Dir }},
		{"profile dir is a file", func(s *Store, p *Profile) string { return p.Dir() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			p := newProfile(t, s, "default")
			writeFile(t, tt.block(s, p), []byte("in the way"), 0o600)
			if err := p.SaveToken(context.Background(), testToken("1", "access")); err == nil {
				t.Error("SaveToken succeeded")
			}
			if err := p.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{sessionCookie(time.Time{})}}); err == nil {
				t.Error("SaveSession succeeded")
			}
			if _, err := p.Lock(t.Context()); err == nil {
				t.Error("Lock succeeded")
			}
			// A path through a file is ENOTDIR: an error, not "no token",
			// that names the file in the way.
			_, err := p.LoadToken()
			if err == nil || errors.Is(err, ErrNoToken) {
				t.Errorf("LoadToken: %v, want an error that is not ErrNoToken", err)
			}
			if in := tt.block(s, p); !errors.Is(err, reason.NotADirectory) || !strings.Contains(err.Error(), in+" is not a directory") {
				t.Errorf("LoadToken: %v, want %s named as not a directory", err, in)
			}
		})
	}
	t.Run("token file is a directory", func(t *testing.T) {
		s, _ := newStore(t)
		p := newProfile(t, s, "default")
		mkdir(t, filepath.Join(p.Dir(), tokenFile), 0o700)
		if _, err := p.LoadToken(); err == nil || errors.Is(err, ErrNoToken) {
			t.Errorf("LoadToken: %v, want an error that is not ErrNoToken", err)
		}
		if err := p.SaveToken(context.Background(), testToken("1", "access")); err == nil {
			t.Error("SaveToken succeeded")
		}
	})
}

func TestProfiles(t *testing.T) {
	s, w := newStore(t)
	if list, err := s.Profiles(); err != nil || len(list) != 0 {
		t.Fatalf("Profiles of a missing config dir: %v, %v", list, err)
	}
	save := func(name string, tok *exchange.Token, sess *session.Session) {
		p := newProfile(t, s, name)
		if tok != nil {
			if err := p.SaveToken(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
		}
		if sess != nil {
			if err := p.SaveSession(context.Background(), sess); err != nil {
				t.Fatal(err)
			}
		}
	}
	live := &session.Session{Cookies: []session.Cookie{sessionCookie(time.Time{})}}
	save("work", testToken("2", "a"), nil)
	save("default", testToken("1", "a"), live)
	save("session-only", nil, live)
	save("logged-out", testToken("3", "a"), live)
	if err := newProfile(t, s, "logged-out").Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(newProfile(t, s, "failed").LastFailureDir(), "page.html"), []byte("<html>"), 0o600)
	writeFile(t, filepath.Join(s.Dir, "corrupt", tokenFile), []byte("{"), 0o600)
	writeFile(t, filepath.Join(s.Dir, "notes.txt"), []byte("not a profile"), 0o600)
	writeFile(t, filepath.Join(s.Dir, "bad name", tokenFile), jsonOf(t, testToken("4", "a")), 0o600)

	list, err := s.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	want := []ProfileInfo{
		{Name: "corrupt"},
		{Name: "default", User: testToken("1", "").User, Expiry: testNow.Add(time.Hour), HasToken: true, HasSession: true},
		{Name: "session-only", HasSession: true},
		{Name: "work", User: testToken("2", "").User, Expiry: testNow.Add(time.Hour), HasToken: true},
	}
	if len(list) != len(want) {
		t.Fatalf("Profiles = %+v, want %+v", list, want)
	}
	for i := range want {
		if !list[i].Expiry.Equal(want[i].Expiry) {
			t.Errorf("profile %d expiry %v, want %v", i, list[i].Expiry, want[i].Expiry)
		}
		list[i].Expiry = want[i].Expiry
		if list[i] != want[i] {
			t.Errorf("profile %d = %+v, want %+v", i, list[i], want[i])
		}
	}
	// Listing only reads: the corrupt file is where it was, unwarned.
	if _, err := os.Stat(filepath.Join(s.Dir, "corrupt", tokenFile)); err != nil {
		t.Error(err)
	}
	if got := w.all(); len(got) != 0 {
		t.Errorf("warnings: %q", got)
	}
}

func TestDelete(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	if err := p.Delete(context.Background()); err != nil {
		t.Fatalf("Delete of a missing profile: %v", err)
	}
	if _, err := os.Stat(p.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Delete created the profile: %v", err)
	}
	if err := p.SaveToken(context.Background(), testToken("1", "a")); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{sessionCookie(time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(p.LastFailureDir(), "page.html"), []byte("<html>"), 0o600)
	writeFile(t, filepath.Join(p.Dir(), "token.json.corrupt-20260102T150405Z"), []byte("{"), 0o600)
	other := newProfile(t, s, "other")
	if err := other.SaveToken(context.Background(), testToken("2", "a")); err != nil {
		t.Fatal(err)
	}

	if err := p.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.LoadToken(); !errors.Is(err, ErrNoToken) {
		t.Errorf("LoadToken after Delete: %v", err)
	}
	if _, err := p.LoadSession(); !errors.Is(err, ErrNoSession) {
		t.Errorf("LoadSession after Delete: %v", err)
	}
	if got, want := entries(t, p.Dir()), []string{lockFile}; !slices.Equal(got, want) {
		t.Errorf("after Delete the profile holds %q, want %q", got, want)
	}
	if _, err := other.LoadToken(); err != nil {
		t.Errorf("Delete touched another profile: %v", err)
	}
	if err := p.Delete(context.Background()); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestMessagesNeverHoldValues(t *testing.T) {
	// Formatting a cookie or a session, as a careless log line would, leaves
	// out every value.
	c := session.Cookie{Name: "PHPSESSID", Value: secret, Domain: ".pixiv.net", Path: "/"}
	s := &session.Session{Version: 1, Cookies: []session.Cookie{c}}
	for _, got := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprint(s), fmt.Sprintf("%v", s)} {
		if strings.Contains(got, secret) {
			t.Errorf("formatted as %q", got)
		}
	}
	var buf bytes.Buffer
	if err := session.WriteCookiesTxt(&buf, []session.Cookie{{Name: "x", Value: secret + "\n", Domain: ".pixiv.net", Path: "/"}}); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("WriteCookiesTxt: %v", err)
	}
}

// TestRemoveLeavesWhatItDidNotWrite: a logout deletes what the store
// writes in the profile and nothing else. A person's own files stay, with
// the directory; a profile directory that is a symbolic link stays a link,
// and what it points to keeps everything but the store's files.
func TestRemoveLeavesWhatItDidNotWrite(t *testing.T) {
	ctx := context.Background()
	seed := func(t *testing.T, p *Profile) {
		t.Helper()
		if err := p.SaveToken(ctx, testToken("1", "a")); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(p.LastFailureDir(), "page.html"), []byte("<html>"), 0o600)
		writeFile(t, filepath.Join(p.Dir(), "session.json.corrupt-20260102T150405Z"), []byte("{"), 0o600)
	}
	t.Run("a person's files", func(t *testing.T) {
		s, _ := newStore(t)
		p := newProfile(t, s, "default")
		seed(t, p)
		writeFile(t, filepath.Join(p.Dir(), "my-notes.txt"), []byte("keep"), 0o600)
		writeFile(t, filepath.Join(p.Dir(), "photos", "a.jpg"), []byte("keep"), 0o600)
		removed, err := p.Remove(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Removed{Token: true, Other: 2, Foreign: 2, DirKept: true}
		if removed != want {
			t.Errorf("Remove = %+v, want %+v", removed, want)
		}
		if got := entries(t, p.Dir()); !slices.Equal(got, []string{"my-notes.txt", "photos"}) {
			t.Errorf("after Remove the profile holds %q, want the person's files only", got)
		}
		if b, err := os.ReadFile(filepath.Join(p.Dir(), "photos", "a.jpg")); err != nil || string(b) != "keep" {
			t.Errorf("a person's file was changed: %q, %v", b, err)
		}
	})
	t.Run("a symbolic link", func(t *testing.T) {
		s, _ := newStore(t)
		target := t.TempDir()
		if err := os.Chmod(target, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(s.Dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(s.Dir, "linked")); err != nil {
			t.Fatal(err)
		}
		p := newProfile(t, s, "linked")
		seed(t, p)
		writeFile(t, filepath.Join(target, "todo.txt"), []byte("keep"), 0o600)
		removed, err := p.Remove(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !removed.Token || !removed.DirKept {
			t.Errorf("Remove = %+v, want the token removed and the link kept", removed)
		}
		if fi, err := os.Lstat(filepath.Join(s.Dir, "linked")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link is gone or changed: %v", err)
		}
		if got := entries(t, target); !slices.Equal(got, []string{"todo.txt"}) {
			t.Errorf("the link's target holds %q, want the person's file only", got)
		}
	})
	t.Run("only the store's files", func(t *testing.T) {
		s, _ := newStore(t)
		p := newProfile(t, s, "default")
		seed(t, p)
		removed, err := p.Remove(ctx)
		if err != nil || removed.DirKept || removed.Foreign != 0 {
			t.Fatalf("Remove = %+v, %v", removed, err)
		}
		if _, err := os.Lstat(p.Dir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the profile directory stays: %v", err)
		}
	})
}

// TestSymlinkedFileNotFollowed: a token.json that is a symbolic link is
// neither read through (a repair of its permissions would change the file
// it points to) nor replaced by a save: both say so.
func TestSymlinkedFileNotFollowed(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	victim := filepath.Join(t.TempDir(), "victim")
	writeFile(t, victim, []byte("{}"), 0o644)
	if err := os.MkdirAll(p.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(p.Dir(), tokenFile)
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if _, err := p.LoadToken(); err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("LoadToken: %v, want it to refuse the link", err)
	}
	if err := p.SaveToken(context.Background(), testToken("1", "a")); err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("SaveToken: %v, want it to refuse the link", err)
	}
	if fi, err := os.Stat(victim); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target is %v (%v), want it untouched at 0644", fi.Mode().Perm(), err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
}
