//go:build linux

package browsercookies

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/pixivauth/pixivauth/reason"
)

// platformKeys is Linux's scheme: v10 with the fixed key, v11 with the
// password the browser keeps in the Secret Service or KWallet.
func platformKeys(p *Profile, o *Options) decrypter {
	return linuxDecrypter(func(ctx context.Context) ([]byte, error) { return linuxPassword(ctx, p.Browser, o) })
}

// The D-Bus names of the Secret Service and KWallet.
const (
	secretsName      = "org.freedesktop.secrets"
	secretsPath      = "/org/freedesktop/secrets"
	secretsService   = "org.freedesktop.Secret.Service"
	secretsItem      = "org.freedesktop.Secret.Item"
	kwalletInterface = "org.kde.KWallet"
)

// kwallets are KWallet's daemons, newest first.
var kwallets = []struct{ name, path string }{
	{"org.kde.kwalletd6", "/modules/kwalletd6"},
	{"org.kde.kwalletd5", "/modules/kwalletd5"},
}

// linuxPassword is b's v11 password: from the Secret Service, or KWallet
// (first on KDE, where the browser uses it). When neither has it, the
// error says what each answered and how to fix it.
func linuxPassword(ctx context.Context, b Browser, o *Options) ([]byte, error) {
	name := keyringName(b, "linux")
	conn, err := sessionBus(ctx)
	if err != nil {
		return nil, reason.Mark(fmt.Errorf("%s's v11 cookies are encrypted with a password kept in the Secret Service or KWallet, which are reached over the D-Bus session bus: %v; run this in the desktop session the browser runs in (with DBUS_SESSION_BUS_ADDRESS set)",
			b, err), reasonUnreadable)
	}
	defer conn.Close()
	type attempt struct {
		name string
		get  func() ([]byte, error)
	}
	attempts := []attempt{
		{"the Secret Service", func() ([]byte, error) { return secretServicePassword(ctx, conn, b, name) }},
		{"KWallet", func() ([]byte, error) { return kwalletPassword(ctx, conn, name) }},
	}
	if strings.Contains(strings.ToUpper(os.Getenv("XDG_CURRENT_DESKTOP")), "KDE") {
		attempts[0], attempts[1] = attempts[1], attempts[0]
	}
	var why []string
	for _, a := range attempts {
		pw, err := a.get()
		if err == nil {
			o.logf("the key of %s's v11 cookies is %q in %s", b, name+" Safe Storage", a.name)
			return pw, nil
		}
		why = append(why, fmt.Sprintf("%s: %v", a.name, err))
	}
	return nil, reason.Mark(fmt.Errorf("%s's v11 cookies are encrypted with the password %q, and no keyring gave it (%s); start and unlock the keyring the browser uses (gnome-keyring-daemon, KeePassXC's Secret Service, or kwalletd) in this session",
		b, name+" Safe Storage", strings.Join(why, "; ")), reasonUnreadable)
}

// sessionBus connects to the D-Bus session bus the environment names, and
// never starts one (no autolaunch).
func sessionBus(ctx context.Context) (*dbus.Conn, error) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			if fi, err := os.Stat(dir + "/bus"); err == nil && fi.Mode()&os.ModeSocket != 0 {
				addr = "unix:path=" + dir + "/bus"
			}
		}
	}
	if addr == "" {
		return nil, errors.New("there is no session bus (DBUS_SESSION_BUS_ADDRESS is unset)")
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the session bus: %v", err)
	}
	return conn, nil
}

// hasOwner reports whether a D-Bus name is served now: a call to one that
// is not would make the bus start its service.
func hasOwner(ctx context.Context, conn *dbus.Conn, name string) bool {
	var ok bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&ok)
	return err == nil && ok
}

// secretServicePassword reads the item of b ("application" attribute, or
// the label "<name> Safe Storage") through the Secret Service API.
func secretServicePassword(ctx context.Context, conn *dbus.Conn, b Browser, name string) ([]byte, error) {
	if !hasOwner(ctx, conn, secretsName) {
		return nil, errors.New("no Secret Service is running on the session bus")
	}
	svc := conn.Object(secretsName, secretsPath)
	var (
		out     dbus.Variant
		session dbus.ObjectPath
	)
	if err := svc.CallWithContext(ctx, secretsService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		return nil, fmt.Errorf("OpenSession: %v", err)
	}
	defer conn.Object(secretsName, session).CallWithContext(ctx, "org.freedesktop.Secret.Session.Close", 0)

	label := name + " Safe Storage"
	search := func(attrs map[string]string) (unlocked, locked []dbus.ObjectPath, err error) {
		err = svc.CallWithContext(ctx, secretsService+".SearchItems", 0, attrs).Store(&unlocked, &locked)
		return unlocked, locked, err
	}
	unlocked, locked, err := search(map[string]string{"application": secretServiceApplication(b)})
	if err != nil {
		return nil, fmt.Errorf("SearchItems: %v", err)
	}
	if len(unlocked)+len(locked) == 0 {
		// Items of older schemas: look for the label.
		all, allLocked, err := search(map[string]string{})
		if err != nil {
			return nil, fmt.Errorf("SearchItems: %v", err)
		}
		unlocked = withLabel(ctx, conn, all, label)
		locked = withLabel(ctx, conn, allLocked, label)
	}
	if len(unlocked) == 0 && len(locked) > 0 {
		// Unlocking without a prompt works when the login keyring is
		// merely closed; one that needs the person's password says so.
		var done []dbus.ObjectPath
		var prompt dbus.ObjectPath
		if err := svc.CallWithContext(ctx, secretsService+".Unlock", 0, locked).Store(&done, &prompt); err != nil || len(done) == 0 {
			return nil, fmt.Errorf("%q is in a locked keyring: unlock it (log in to the desktop, or open Passwords and Keys)", label)
		}
		unlocked = done
	}
	if len(unlocked) == 0 {
		return nil, fmt.Errorf("it holds no %q (has the browser run with this keyring, not --password-store=basic?)", label)
	}
	var secret struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}
	if err := conn.Object(secretsName, unlocked[0]).CallWithContext(ctx, secretsItem+".GetSecret", 0, session).Store(&secret); err != nil {
		return nil, fmt.Errorf("GetSecret: %v", err)
	}
	return secret.Value, nil
}

// withLabel keeps the items labelled label.
func withLabel(ctx context.Context, conn *dbus.Conn, items []dbus.ObjectPath, label string) []dbus.ObjectPath {
	var kept []dbus.ObjectPath
	for _, it := range items {
		v, err := conn.Object(secretsName, it).GetProperty(secretsItem + ".Label")
		if s, ok := v.Value().(string); err == nil && ok && s == label {
			kept = append(kept, it)
		}
	}
	return kept
}

// kwalletPassword reads "<name> Safe Storage" from the folder "<name> Keys"
// of the network wallet, as the browser does with --password-store=kwallet.
func kwalletPassword(ctx context.Context, conn *dbus.Conn, name string) ([]byte, error) {
	const appID = "pixivauth"
	for _, kw := range kwallets {
		if !hasOwner(ctx, conn, kw.name) {
			continue
		}
		w := conn.Object(kw.name, dbus.ObjectPath(kw.path))
		var wallet string
		if err := w.CallWithContext(ctx, kwalletInterface+".networkWallet", 0).Store(&wallet); err != nil {
			return nil, fmt.Errorf("networkWallet: %v", err)
		}
		var handle int32
		if err := w.CallWithContext(ctx, kwalletInterface+".open", 0, wallet, int64(0), appID).Store(&handle); err != nil || handle < 0 {
			return nil, fmt.Errorf("wallet %q did not open (refused, or locked)", wallet)
		}
		defer w.CallWithContext(ctx, kwalletInterface+".close", 0, handle, false, appID)
		folder, key := name+" Keys", name+" Safe Storage"
		var has bool
		if err := w.CallWithContext(ctx, kwalletInterface+".hasEntry", 0, handle, folder, key, appID).Store(&has); err != nil || !has {
			return nil, fmt.Errorf("wallet %q holds no %q in %q", wallet, key, folder)
		}
		var pw string
		if err := w.CallWithContext(ctx, kwalletInterface+".readPassword", 0, handle, folder, key, appID).Store(&pw); err != nil {
			return nil, fmt.Errorf("readPassword: %v", err)
		}
		return []byte(pw), nil
	}
	return nil, errors.New("no KWallet daemon is running on the session bus")
}
