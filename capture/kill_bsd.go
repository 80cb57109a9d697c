//go:build unix && !linux

package capture

import "syscall"

// deathSignal does nothing where the kernel has no parent-death signal.
func deathSignal(*syscall.SysProcAttr) {}

// killStaleGroup leaves a dead run's browser alone where pixivauth cannot
// check that the recorded group is still that browser's.
func killStaleGroup(pgid int, marker string) {}
