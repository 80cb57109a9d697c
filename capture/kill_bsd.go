//go:build unix && !linux

package capture

import "syscall"

// deathSignal does nothing where the kernel has no parent-death signal.
func deathSignal(*syscall.SysProcAttr) {}

// groupRuns reports whether the group pgid has a member.
// quietLooks is three looks in a row: a helper may fork as the group is
// killed.
const quietLooks = 3

func groupRuns(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

// killStaleGroup leaves a dead run's browser alone where pixivauth cannot
// check that the recorded group is still that browser's.
func killStaleGroup(pgid int, marker string) {}

// killMarked does nothing here: without /proc no environment can be read.
func killMarked(string) {}
