//go:build darwin

package browsercookies

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/pixivauth/pixivauth/reason"
)

// platformKeys is macOS' scheme: v10 with a key derived from the password
// the browser keeps in the login Keychain.
func platformKeys(p *Profile, o *Options) decrypter {
	return macDecrypter(func(ctx context.Context) ([]byte, error) { return keychainPassword(ctx, p.Browser, o) })
}

// keychainPassword asks the Keychain for "<name> Safe Storage" with
// security(1), which shows the person macOS' own prompt to allow it.
func keychainPassword(ctx context.Context, b Browser, o *Options) ([]byte, error) {
	name := keyringName(b, "darwin")
	service := name + " Safe Storage"
	cmd := exec.CommandContext(ctx, "/usr/bin/security", "find-generic-password", "-w", "-s", service, "-a", name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 44:
		return nil, reason.Mark(fmt.Errorf("the login Keychain holds no %q: has %s run as this user?", service, b), reasonUnreadable)
	case errors.As(err, &exit) && (exit.ExitCode() == 51 || exit.ExitCode() == 128):
		return nil, reason.Mark(fmt.Errorf("access to %q in the Keychain was denied: allow it when macOS asks", service), reasonUnreadable)
	case err != nil:
		return nil, reason.Mark(fmt.Errorf("cannot read %q from the Keychain (security: %v)", service, err), reasonUnreadable)
	}
	o.logf("the key of %s's cookies is %q in the login Keychain", b, service)
	return bytes.TrimRight(out, "\r\n"), nil
}
