//go:build linux

package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// deathSignal makes the kernel kill the browser if pixivauth dies first.
func deathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// killStaleGroup ends the browser that a run killed with SIGKILL left
// running: the process group pgid it recorded, and only if a member of that
// group carries marker (the run's runEnv setting) in its environment, so
// that a group id reused since then is left alone.
func killStaleGroup(pgid int, marker string) {
	if groupMarked(pgid, []byte(marker)) {
		killGroup(pgid)
	}
}

// groupMarked reports whether a process of group pgid has marker among its
// environment variables.
func groupMarked(pgid int, marker []byte) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parens.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 3 || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for v := range bytes.SplitSeq(environ, []byte{0}) {
			if bytes.Equal(v, marker) {
				return true
			}
		}
	}
	return false
}
