//go:build !windows

package browsercookies

// isSharingViolation reports whether err is Windows' "file in use by
// another process"; never elsewhere.
func isSharingViolation(error) bool { return false }
