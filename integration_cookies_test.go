//go:build linux

package main

// --cookies-from-browser, run as a user runs it: a real desktop browser
// (Debian's chromium or firefox-esr) logs in to the double in a profile of
// its own and keeps running, and the built binary reads that profile and
// logs in headless with its session.

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/browsercookies"
	"github.com/pixivauth/pixivauth/internal/desktoptest"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// waitForBrowserSession waits until the desktop browser has written its
// Pixiv session to disk, reading it the way the binary will.
func waitForBrowserSession(t *testing.T, b *desktoptest.Browser, spec string) {
	t.Helper()
	b.WaitForSession(t, func() error {
		_, err := browsercookies.Read(context.Background(), spec, browsercookies.Options{TempDir: t.TempDir()})
		return err
	})
}

func TestLoginWithCookiesFromBrowser(t *testing.T) {
	tests := []struct {
		name  string
		start func(tb testing.TB, srv *pixivtest.Server) *desktoptest.Browser
		spec  func(b *desktoptest.Browser) string
	}{
		{"chromium v10", func(t testing.TB, srv *pixivtest.Server) *desktoptest.Browser {
			return desktoptest.StartChromium(t, srv, "--password-store=basic")
		}, func(b *desktoptest.Browser) string { return "chromium:" + b.Dir }},
		{"firefox", desktoptest.StartFirefox, func(b *desktoptest.Browser) string { return "firefox:" + b.Dir }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBrowserRun(t, pixivtest.WithAutoLogin(0))
			desk := tt.start(t, b.srv)
			spec := tt.spec(desk)
			waitForBrowserSession(t, desk, spec)

			r := b.run(nil, "", "login", "--headless", "--json", "-v", "--timeout", long, "--cookies-from-browser", spec)
			got := b.expectIssued(r)
			if got.User.ID != b.account.ID {
				t.Errorf("logged in as %+v", got.User)
			}
			b.expectSaved(got.AccessToken)
			b.expectNoSecrets(r.Stderr)
			if !strings.Contains(r.Stderr, "logging in with the session from") {
				t.Errorf("-v does not say where the session came from: %s", r.Stderr)
			}
			if !desk.Running() {
				t.Error("the desktop browser stopped while pixivauth read its profile")
			}

			// The browserless session login takes it too: no browser of
			// pixivauth's at all.
			r = b.run(nil, "", "login", "--no-browser", "--json", "--timeout", long, "--cookies-from-browser", spec)
			expectCode(t, r, 0)
			if issued := b.srv.Issued(); len(issued) != 2 || !strings.Contains(r.Stdout, issued[1].AccessToken) {
				t.Errorf("--no-browser printed no token the double issued (%d issued)", len(issued))
			}
			b.expectNoSecrets(r.Stderr)

			// check --login takes it too.
			r = b.run(nil, "", "check", "--login", "--json", "--timeout", long, "--cookies-from-browser", spec)
			expectCode(t, r, 0)
			b.expectNoSecrets(r.Stderr)
		})
	}
}

// TestCookiesFromBrowserErrors: each way reading a browser can fail is a
// line naming the fix and a documented status, with no cookie value, and
// no browser started for the login.
func TestCookiesFromBrowserErrors(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t, pixivtest.WithAutoLogin(0))
	desk := desktoptest.StartFirefox(t, b.srv)
	waitForBrowserSession(t, desk, "firefox:"+desk.Dir)

	// A copy of the real profile, with Pixiv's cookies deleted: a browser
	// where nobody is logged in to pixiv.net.
	loggedOut := filepath.Join(t.TempDir(), "logged-out")
	copyProfileDB(t, desk.Dir, loggedOut, "cookies.sqlite")
	db, err := sql.Open("sqlite", filepath.Join(loggedOut, "cookies.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM moz_cookies WHERE host LIKE '%pixiv.net'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A profile whose database is not one.
	broken := filepath.Join(t.TempDir(), "broken")
	os.MkdirAll(broken, 0o700)
	os.WriteFile(filepath.Join(broken, "cookies.sqlite"), []byte("not a database, just text that is long enough to not be empty"), 0o600)

	before := logins(b.srv)
	tests := []struct {
		name string
		env  []string
		spec string
		code int
		want []string
	}{
		{"unknown browser", nil, "opera", exitUsage, []string{`unknown browser "opera"`, "chrome, chromium, edge, brave, firefox"}},
		{"no such profile", []string{"HOME=" + desk.Home, "XDG_CONFIG_HOME=" + filepath.Join(desk.Home, ".config")},
			"firefox:work", exitUsage, []string{`no firefox profile "work"`, `profiles found: "pixivtest"`}},
		{"no browser data", []string{"XDG_CONFIG_HOME=" + t.TempDir()}, "chromium", exitUsage, []string{"chromium has no data on this machine"}},
		{"no pixiv cookie", nil, "firefox:" + loggedOut, exitPerson, []string{"log in to pixiv.net in that browser first, or log in here with a window"}},
		{"not a database", nil, "firefox:" + broken, exitPerson, []string{"cannot be read as an SQLite database", "start and close the browser once", ", or export the browser's Pixiv cookies as a cookies.txt and give --cookies FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.run(tt.env, "", "login", "--headless", "-v", "--timeout", long, "--cookies-from-browser", tt.spec)
			expectCode(t, r, tt.code)
			for _, w := range tt.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.Stderr)
				}
			}
			if lines := strings.Count(strings.TrimSpace(r.Stderr), "\n"); tt.code != exitUsage && lines > 3 {
				t.Errorf("more than a line or so of error: %s", r.Stderr)
			}
			if strings.Contains(r.Stderr, ": or ") {
				t.Errorf("a hint that is another way out is not joined as a sentence: %s", r.Stderr)
			}
			b.expectNoSecrets(r.Stderr)
		})
	}
	if n := len(b.srv.TokenRequests()); n != 0 {
		t.Errorf("%d token requests after failed reads", n)
	}
	if n := logins(b.srv); n != before {
		t.Errorf("pixivauth started %d logins after failed reads", n-before)
	}
}

// logins counts the browser logins the double has seen begin.
func logins(srv *pixivtest.Server) int {
	n := 0
	for _, req := range srv.Requests() {
		if req.Host == pixiv.AppAPIHost && req.Path == pixiv.LoginPath {
			n++
		}
	}
	return n
}

// copyProfileDB copies a SQLite database and its journal into dir.
func copyProfileDB(t *testing.T, from, dir, name string) {
	t.Helper()
	os.MkdirAll(dir, 0o700)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(filepath.Join(from, name+suffix))
		if err != nil {
			continue
		}
		os.WriteFile(filepath.Join(dir, name+suffix), data, 0o600)
	}
}
