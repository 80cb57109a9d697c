package main

import (
	"os"
	"syscall"
)

// maxRSS is an ended process's peak resident memory in bytes (ru_maxrss,
// which Linux gives in kB), 0 when unknown.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
