//go:build !linux

package main

// peakMemory is not measured where there is no /proc/self/status.
func peakMemory() (bytes int64, ok bool) { return 0, false }
