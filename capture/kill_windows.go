//go:build windows

package capture

import "os/exec"

// ownGroup does nothing on Windows: chromedp and the browser's own
// shutdown end its helpers.
func ownGroup(*exec.Cmd) {}

// killGroup does nothing on Windows; see ownGroup.
func killGroup(int) {}

// killStaleGroup does nothing on Windows; see ownGroup.
func killStaleGroup(int, string) {}

// killMarked does nothing on Windows.
func killMarked(string) {}
