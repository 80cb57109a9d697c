//go:build !linux

package capture

// killProcessesUsing is a no-op where there is no /proc to search: the
// browser's own shutdown, and chromedp's, end its helpers there.
func killProcessesUsing(dir string) {}
