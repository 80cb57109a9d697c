//go:build windows

package browsercookies

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// platformKeys is Windows' scheme: v10 AES-256-GCM with the key of Local
// State, which DPAPI unwraps for the user who wrote it.
func platformKeys(p *Profile, o *Options) decrypter {
	return windowsDecrypter(func(context.Context) ([]byte, error) { return localStateKey(p, o, dpapiDecrypt) }, dpapiDecrypt)
}

// dpapiDecrypt undoes CryptProtectData for the current user.
func dpapiDecrypt(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("nothing to decrypt")
	}
	in := windows.DataBlob{Size: uint32(len(data)), Data: &data[0]}
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(&in, nil, nil, 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, err
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	return append([]byte(nil), unsafe.Slice(out.Data, out.Size)...), nil
}
