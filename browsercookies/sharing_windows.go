//go:build windows

package browsercookies

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isSharingViolation reports whether err is Windows' "file in use by
// another process": Chrome opens its Cookies database without sharing it.
func isSharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
