//go:build unix

package capture

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// ownGroup makes the browser the leader of a new process group, which its
// helpers (zygote, renderers, GPU and network processes) inherit: the
// group is what pixivauth started, and all that it ever signals.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Setpgid = true
	deathSignal(cmd.SysProcAttr)
}

// killGroup kills the process group pgid, which pixivauth made for a
// browser it started, until quietLooks looks in a row find it empty: a
// helper can fork just as the main process dies. A group id cannot be
// reused while the group has a member, so this reaches only the browser's
// processes.
func killGroup(pgid int) {
	if pgid <= 0 {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; ; time.Sleep(10 * time.Millisecond) {
		err := syscall.Kill(-pgid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) || !groupRuns(pgid) {
			quiet++
		} else {
			quiet = 0
		}
		if quiet >= quietLooks || !time.Now().Before(deadline) {
			return
		}
	}
}
