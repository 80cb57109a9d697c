//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// proc is a process as /proc shows it.
type proc struct {
	pid, ppid int
	state     byte
	cmdline   string
	tmpdir    string // its TMPDIR, from its environment
}

// procs reads the process table. Processes that vanish while it reads are
// left out.
func procs() []proc {
	var out []proc
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+4 >= len(stat) {
			continue
		}
		fields := strings.Fields(string(stat[i+2:]))
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		p := proc{pid: pid, ppid: ppid, state: fields[0][0]}
		if cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
			p.cmdline = strings.TrimSpace(strings.ReplaceAll(string(cl), "\x00", " "))
		}
		if env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ")); err == nil {
			for _, kv := range bytes.Split(env, []byte{0}) {
				if v, ok := bytes.CutPrefix(kv, []byte("TMPDIR=")); ok {
					p.tmpdir = string(v)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// under reports whether p is of a run whose TMPDIR is tmp: its own TMPDIR
// is tmp or inside it (the browser's, which pixivauth makes inside it), or
// its browser profile is inside it. (Processes the zygote forks, renderers
// among them, overwrite what /proc shows of their environment, but keep
// --user-data-dir on their command line.)
func (p proc) under(tmp string) bool {
	return p.tmpdir == tmp || strings.HasPrefix(p.tmpdir, tmp+"/") ||
		strings.Contains(p.cmdline, "--user-data-dir="+tmp+"/")
}

// descendants returns the living descendants of pid, the run whose TMPDIR
// is tmp, below its children that are of the run (see under): the
// processes it started, and theirs.
func descendants(pid int, tmp string) []proc {
	all := procs()
	children := map[int][]proc{}
	for _, p := range all {
		children[p.ppid] = append(children[p.ppid], p)
	}
	var out []proc
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, c := range children[next] {
			// The browser, a child of pixivauth, must be of the run; below
			// it, the tree says whose a process is (a zygote's children
			// show no environment).
			if next == pid && !c.under(tmp) {
				continue
			}
			queue = append(queue, c.pid)
			if c.state != 'Z' {
				out = append(out, c)
			}
		}
	}
	return out
}

// browserOf is the browser's main process among the run's descendants (a
// child of pixivauth with no --type=), or 0.
func browserOf(pid int, tmp string) int {
	for _, p := range descendants(pid, tmp) {
		if p.ppid == pid && !strings.Contains(p.cmdline, "--type=") && strings.Contains(p.cmdline, "--user-data-dir=") {
			return p.pid
		}
	}
	return 0
}

// renderersOf are the browser's renderer processes.
func renderersOf(pid int, tmp string) []int {
	var out []int
	for _, p := range descendants(pid, tmp) {
		if strings.Contains(p.cmdline, "--type=renderer") {
			out = append(out, p.pid)
		}
	}
	slices.Sort(out)
	return out
}

// leftOver returns the living processes, anywhere in the table, whose
// TMPDIR lies in tmp: after the run has ended, none should be.
func leftOver(tmp string) []proc {
	var out []proc
	for _, p := range procs() {
		if p.state != 'Z' && p.under(tmp) && p.pid != os.Getpid() {
			out = append(out, p)
		}
	}
	return out
}
