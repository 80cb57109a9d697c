package browsercookies

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pixivauth/pixivauth/reason"
)

// dpapiPrefix starts os_crypt.encrypted_key once base64-decoded.
const dpapiPrefix = "DPAPI"

// localStateKey is Windows' AES-256 key: os_crypt.encrypted_key of the
// profile's Local State, base64, "DPAPI", then the key wrapped by unwrap
// (CryptUnprotectData).
func localStateKey(p *Profile, o *Options, unwrap func([]byte) ([]byte, error)) ([]byte, error) {
	if p.localState == "" {
		return nil, reason.Mark(fmt.Errorf("%s has no %q beside it, which holds the key of its cookies; give the browser's User Data directory",
			p.Dir, localStateFile), reasonUnreadable)
	}
	ls, err := readLocalState(p.localState)
	if err != nil {
		return nil, reason.Mark(fmt.Errorf("cannot read the key of %s's cookies: %v", p.Browser, err), reasonUnreadable)
	}
	wrapped, err := base64.StdEncoding.DecodeString(ls.OSCrypt.EncryptedKey)
	if err != nil || !strings.HasPrefix(string(wrapped), dpapiPrefix) {
		return nil, reason.Mark(fmt.Errorf("%s has no DPAPI-wrapped os_crypt.encrypted_key", p.localState), reasonUnreadable)
	}
	key, err := unwrap(wrapped[len(dpapiPrefix):])
	if err != nil {
		return nil, reason.Mark(fmt.Errorf("DPAPI cannot unwrap the key of %s's cookies (it unwraps only for the Windows user who ran the browser): %v",
			p.Browser, err), reasonUnreadable)
	}
	o.logf("the key of %s's cookies is in %s, unwrapped with DPAPI", p.Browser, p.localState)
	return key, nil
}
