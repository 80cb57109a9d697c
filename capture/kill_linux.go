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

// groupRuns reports whether a process of group pgid still runs: a member
// killed but not yet reaped (a zombie, which a slow init can leave for a
// while) runs no more and holds no file open.
// quietLooks is 1 on Linux: its kill(-pgid) is atomic with fork (a child
// forked while the group's SIGKILL is pending gets it too, or the fork
// fails), and an empty group can gain no member, so one look that finds
// the group empty is final. Two looks more cost every run 30 ms.
const quietLooks = 1

func groupRuns(pgid int) bool {
	found := false
	eachMember(pgid, func(_ string, state string) bool {
		found = state != "Z" && state != "X"
		return !found
	})
	return found
}

// eachMember calls fn with the /proc name and state of each process of
// group pgid, until fn returns false.
func eachMember(pgid int, fn func(pid, state string) bool) {
	entries, _ := os.ReadDir("/proc")
	want := strconv.Itoa(pgid)
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
		if len(fields) < 3 || fields[2] != want {
			continue
		}
		if !fn(e.Name(), fields[0]) {
			return
		}
	}
}

// groupMarked reports whether a process of group pgid has marker among its
// environment variables.
func groupMarked(pgid int, marker []byte) bool {
	marked := false
	eachMember(pgid, func(pid, _ string) bool {
		environ, _ := os.ReadFile(filepath.Join("/proc", pid, "environ"))
		for v := range bytes.SplitSeq(environ, []byte{0}) {
			marked = marked || bytes.Equal(v, marker)
		}
		return !marked
	})
	return marked
}

// killMarked kills the processes whose environment holds marker, the run's
// own runEnv setting: the browser's helpers that leave its process group
// (a window's crashpad handler starts a session of its own). Only a process
// the run's browser started carries the marker, which names the run's own
// temporary directory.
func killMarked(marker string) {
	entries, _ := os.ReadDir("/proc")
	want := []byte(marker)
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil || e.Name() == self {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for v := range bytes.SplitSeq(environ, []byte{0}) {
			if bytes.Equal(v, want) {
				pid, _ := strconv.Atoi(e.Name())
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
		}
	}
}
