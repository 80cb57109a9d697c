//go:build linux

package browsercookies

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/internal/desktoptest"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// waitForSession reads spec until it yields a live Pixiv session, while
// the browser runs: browsers write their cookies to disk a while after
// they set them.
func waitForSession(t *testing.T, b *desktoptest.Browser, spec string) []session.Cookie {
	t.Helper()
	var cookies []session.Cookie
	b.WaitForSession(t, func() (err error) {
		cookies, err = Read(context.Background(), spec, Options{TempDir: t.TempDir()})
		return err
	})
	if !b.Running() {
		t.Fatal("the browser was not running any more when its session was read")
	}
	return cookies
}

// expectSessionOf checks that cookies hold the double's live session for
// the account.
func expectSessionOf(t *testing.T, srv *pixivtest.Server, account pixivtest.Account, cookies []session.Cookie) {
	t.Helper()
	var sessid *session.Cookie
	for i, c := range cookies {
		if c.Name == pixiv.SessionCookie {
			sessid = &cookies[i]
		}
	}
	if sessid == nil {
		t.Fatalf("no %s among %v", pixiv.SessionCookie, cookies)
	}
	if sessid.Domain != pixiv.CookieDomain || sessid.Path != "/" || !sessid.Secure || !sessid.HTTPOnly {
		t.Errorf("session cookie's attributes: %v secure=%v httponly=%v", sessid, sessid.Secure, sessid.HTTPOnly)
	}
	if d := time.Until(sessid.Expires); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("session cookie expires in %v, want about 30 days", d)
	}
	// The value is the one the double issued: the browser sends it back.
	// It may have written the cookie to its database before its next
	// request reached the double, so that request is waited for.
	sent := func() bool {
		for _, r := range srv.Requests() {
			if c := r.Header.Get("Cookie"); c != "" && containsCookie(c, pixiv.SessionCookie, sessid.Value) {
				return true
			}
		}
		return false
	}
	found := sent()
	for end := time.Now().Add(20 * time.Second); !found && time.Now().Before(end); found = sent() {
		time.Sleep(100 * time.Millisecond)
	}
	if !found {
		t.Errorf("the session cookie read is not one the browser sent the double")
	}
	if want := account.ID + "_"; len(sessid.Value) <= len(want) || sessid.Value[:len(want)] != want {
		t.Errorf("the session is not the account's")
	}
}

func containsCookie(header, name, value string) bool {
	for part := range strings.SplitSeq(header, ";") {
		if strings.TrimSpace(part) == name+"="+value {
			return true
		}
	}
	return false
}

func TestRealChromiumV10WhileRunning(t *testing.T) {
	account := pixivtest.DemoAccount()
	srv := pixivtest.New(pixivtest.WithAccount(account), pixivtest.WithAutoLogin(0))
	t.Cleanup(srv.Close)
	b := desktoptest.StartChromium(t, srv, "--password-store=basic")

	cookies := waitForSession(t, b, "chromium:"+b.Dir)
	expectSessionOf(t, srv, account, cookies)

	// The browser's default place, under its HOME, finds the same.
	t.Setenv("HOME", b.Home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(b.Home, ".config"))
	for _, spec := range []string{"chromium", "chromium:Default", "chromium:" + filepath.Join(b.Dir, "Default")} {
		got, err := Read(context.Background(), spec, Options{})
		if err != nil {
			t.Fatalf("Read(%q): %v", spec, err)
		}
		expectSessionOf(t, srv, account, got)
	}
	_, err := Read(context.Background(), "chromium:Work", Options{})
	if !errors.Is(err, reason.NoBrowserProfile) || !containsAll(err.Error(), `"Default"`, "profiles found") {
		t.Errorf("a missing profile: %v", err)
	}
	if !b.Running() {
		t.Error("the browser stopped while it was read")
	}
	expectUntouched(t, b)
}

func TestRealFirefoxWhileRunning(t *testing.T) {
	account := pixivtest.DemoAccount()
	srv := pixivtest.New(pixivtest.WithAccount(account), pixivtest.WithAutoLogin(0))
	t.Cleanup(srv.Close)
	b := desktoptest.StartFirefox(t, srv)

	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range srv.Requests() {
				t.Logf("the double saw %s %s%s", r.Method, r.Host, r.Path)
			}
		}
	})
	cookies := waitForSession(t, b, "firefox:"+b.Dir)
	expectSessionOf(t, srv, account, cookies)

	// profiles.ini, as Firefox wrote it, finds the profile by name and as
	// the default.
	t.Setenv("HOME", b.Home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(b.Home, ".config"))
	for _, spec := range []string{"firefox", "firefox:pixivtest", "Firefox:" + filepath.Base(b.Dir)} {
		got, err := Read(context.Background(), spec, Options{})
		if err != nil {
			t.Fatalf("Read(%q): %v", spec, err)
		}
		expectSessionOf(t, srv, account, got)
	}
	_, err := Read(context.Background(), "firefox:work", Options{})
	if !errors.Is(err, reason.NoBrowserProfile) || !containsAll(err.Error(), `"pixivtest"`, "profiles found") {
		t.Errorf("a missing profile: %v", err)
	}
	if !b.Running() {
		t.Error("the browser stopped while it was read")
	}
}

// expectUntouched checks that reading left nothing beside the browser's
// database.
func expectUntouched(t *testing.T, b *desktoptest.Browser) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(b.Dir, "Default", "Network"))
	for _, e := range entries {
		switch e.Name() {
		case "Cookies", "Cookies-journal", "Cookies-wal", "Cookies-shm":
		default:
			if strings.HasPrefix(e.Name(), "Cookies") {
				t.Errorf("unexpected file beside the database: %s", e.Name())
			}
		}
	}
}
