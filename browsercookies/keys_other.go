//go:build !linux && !darwin && !windows

package browsercookies

import (
	"context"
	"fmt"
	"runtime"

	"github.com/pixivauth/pixivauth/reason"
)

// platformKeys on other systems reads v10 values as Linux does (the BSDs'
// Chromium ports keep Linux's scheme) and has no keyring for v11.
func platformKeys(p *Profile, o *Options) decrypter {
	return linuxDecrypter(func(context.Context) ([]byte, error) {
		return nil, reason.Mark(fmt.Errorf("reading %s's keyring is not supported on %s", p.Browser, runtime.GOOS), reasonUnreadable)
	})
}
