package testenv

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// Leftovers lists what runs left under dir, their TMPDIR: processes whose
// command line names a path under it (a browser and its helpers, whose
// --user-data-dir is there), temporary profiles (entries whose name begins
// with profilePrefix, capture.ProfilePrefix), and Chromium's own temporary
// files (.org.chromium.*). Processes are given with their command lines.
func Leftovers(dir, profilePrefix string) []string {
	var left []string
	for pid, cmdline := range Processes(dir + "/") {
		left = append(left, fmt.Sprintf("process %d: %.300s", pid, cmdline))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), profilePrefix) || strings.HasPrefix(e.Name(), ".org.chromium.") {
			left = append(left, "file "+e.Name())
		}
	}
	slices.Sort(left)
	return left
}

// CheckClean fails tb for everything that runs left under dir (see
// [Leftovers]): a run must end its browser and remove what it made, however
// it ends. A process that is still going is given a moment (the run has
// ended, its browser may not have been reaped yet); the failure says
// whether it went.
func CheckClean(tb testing.TB, dir, profilePrefix string) {
	tb.Helper()
	left := Leftovers(dir, profilePrefix)
	if len(left) == 0 {
		return
	}
	gone := ""
	if len(Processes(dir+"/")) > 0 {
		time.Sleep(3 * time.Second)
		if len(Processes(dir+"/")) == 0 {
			gone = " (the processes were gone 3 s later)"
		}
	}
	tb.Errorf("left behind in %s%s:\n%s", dir, gone, strings.Join(left, "\n"))
}

// CheckClean is [CheckClean] of the run's TMPDIR.
func (r *Run) CheckClean(profilePrefix string) {
	r.TB.Helper()
	CheckClean(r.TB, r.Tmp, profilePrefix)
}
