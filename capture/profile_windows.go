//go:build windows

package capture

import "os"

// processAlive reports whether a process with the id exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
