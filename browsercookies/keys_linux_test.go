//go:build linux

package browsercookies

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/internal/desktoptest"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
)

// TestSecretServiceV11 reads v11 values with a password of the test's own
// in a real Secret Service (GNOME Keyring on a D-Bus session bus of the
// test's own), stored the way Chromium stores it (label "Chromium Safe
// Storage", attribute application=chromium), and tells apart a missing
// item and a missing bus. TestRealChromiumV11 has Chromium store its own.
func TestSecretServiceV11(t *testing.T) {
	bus := desktoptest.StartSecretService(t)
	_, err := exec.LookPath("secret-tool")
	testenv.Need(t, err == nil, "secret-tool is not installed: `make test` installs libsecret-tools (scripts/deps.sh)")
	const password = "Zm9vYmFyYmF6cXV4cXV1eA==" // Chromium's are random base64
	store := exec.Command("secret-tool", "store", "--label=Chromium Safe Storage", "application", "chromium")
	store.Env = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus, "PATH=/usr/bin:/bin"}
	store.Stdin = strings.NewReader(password)
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}

	userData, db := realProfile(t)
	values := reencrypt(t, db, func(p []byte) []byte {
		return append([]byte(prefixV11), encryptCBC(deriveKey([]byte(password), linuxIterations), p)...)
	})
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	t.Setenv("XDG_CURRENT_DESKTOP", "GNOME")
	var log []string
	cookies, err := Read(context.Background(), "chromium:"+userData, Options{TempDir: t.TempDir(),
		Logf: func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) != 1 || cookies[0].Value != values[0] {
		t.Errorf("the v11 session cookie is not the one Chromium stored")
	}
	if !slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, `"Chromium Safe Storage" in the Secret Service`) }) {
		t.Errorf("the key did not come from the Secret Service: %q", log)
	}

	// Brave's password is not there: the error says what each keyring said.
	_, err = Read(context.Background(), "brave:"+userData, Options{TempDir: t.TempDir()})
	if !errors.Is(err, reason.BrowserStoreUnreadable) ||
		!containsAll(err.Error(), `"Brave Safe Storage"`, "the Secret Service: it holds no", "KWallet: no KWallet daemon is running") {
		t.Errorf("no such item: %v", err)
	}
	// No bus at all: say so, and how to fix it.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	_, err = Read(context.Background(), "chromium:"+userData, Options{TempDir: t.TempDir()})
	if !errors.Is(err, reason.BrowserStoreUnreadable) || !containsAll(err.Error(), "v11", "Secret Service or KWallet", "DBUS_SESSION_BUS_ADDRESS") {
		t.Errorf("no bus: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), values[0]) {
		t.Error("an error holds the cookie's value")
	}
}

// TestRealChromiumV11 runs Debian's Chromium with its password in GNOME
// Keyring (--password-store=gnome-libsecret, on a bus of the test's own):
// it writes v11 values, which are read while it runs with the key from the
// Secret Service.
func TestRealChromiumV11(t *testing.T) {
	bus := desktoptest.StartSecretService(t)
	account := pixivtest.DemoAccount()
	srv := pixivtest.New(pixivtest.WithAccount(account), pixivtest.WithAutoLogin(0))
	t.Cleanup(srv.Close)
	b := desktoptest.StartChromiumEnv(t, srv, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}, "--password-store=gnome-libsecret")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	cookies := waitForSession(t, b, "chromium:"+b.Dir)
	expectSessionOf(t, srv, account, cookies)
	var log []string
	if _, err := Read(context.Background(), "chromium:"+b.Dir, Options{TempDir: t.TempDir(),
		Logf: func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }}); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, `"Chromium Safe Storage" in the Secret Service`) }) {
		t.Errorf("Chromium's values were not v11 with the key in the Secret Service: %q", log)
	}
}
