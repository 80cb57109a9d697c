package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Run is the world of one test's pixivauth runs: a config dir, a HOME and
// a short TMPDIR of the test's own, and a PATH. A run sees nothing else of
// the machine's environment, so the tests of a package can run in parallel
// and the leftover checks ([Run.CheckClean]) see only this test's browsers
// and files.
type Run struct {
	TB      testing.TB
	Config  string // --config-dir (not made: pixivauth makes it)
	Home    string // HOME; XDG_CONFIG_HOME is HOME/.config
	Tmp     string // TMPDIR: where a browser's temporary profile goes
	Path    string // PATH; the test's own by default
	Display string // DISPLAY; empty for none (StartXvfb gives one)
	// Browser is $PIXIVAUTH_BROWSER, the browser pixivauth starts; empty
	// lets it pick (HeadlessShell gives the cheaper one).
	Browser string
}

// NewRun makes the dirs of a run. Tmp is removed at the end of the test,
// after any process the test left there is killed.
func NewRun(tb testing.TB) *Run {
	tb.Helper()
	return &Run{
		TB:     tb,
		Config: filepath.Join(tb.TempDir(), "config"),
		Home:   tb.TempDir(),
		Tmp:    ShortTempDir(tb),
		Path:   os.Getenv("PATH"),
	}
}

// ShortTempDir is a TMPDIR for a run, short like a real one: Chrome's
// singleton socket must fit in a Unix socket address (107 bytes), and
// t.TempDir's names, made of the test's name, can be too long for that. At
// the end of the test, processes still running under it (a run the test
// had to kill may leave its browser) are killed and it is removed.
func ShortTempDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "pa")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for pid := range Processes(dir + "/") {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		os.RemoveAll(dir)
	})
	return dir
}

// Env is the environment of a run: PATH, HOME, XDG_CONFIG_HOME, TMPDIR,
// DISPLAY, PIXIVAUTH_BROWSER if Browser is set, then extra (which wins,
// being later).
func (r *Run) Env(extra ...string) []string {
	env := []string{
		"PATH=" + r.Path,
		"HOME=" + r.Home,
		"XDG_CONFIG_HOME=" + filepath.Join(r.Home, ".config"),
		"TMPDIR=" + r.Tmp,
		"DISPLAY=" + r.Display,
	}
	if r.Browser != "" {
		env = append(env, "PIXIVAUTH_BROWSER="+r.Browser)
	}
	return append(env, extra...)
}

// Result is one finished run.
type Result struct {
	Code           int
	Signal         string // the signal that killed it, if one did
	Stdout, Stderr string
	Took           time.Duration
}

func (r Result) String() string {
	how := fmt.Sprintf("exit %d", r.Code)
	if r.Signal != "" {
		how = "killed by signal " + r.Signal
	}
	return fmt.Sprintf("%s after %s\nstdout: %q\nstderr:\n%s", how, r.Took.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// Process is a started run of a binary.
type Process struct {
	Cmd            *exec.Cmd
	start          time.Time
	stdout, stderr *bytes.Buffer
}

// Command prepares binary with args, the run's environment plus env, and
// stdin. With combined, stdout and stderr share one pipe, keeping their
// order (the Result's Stderr is then that one stream). Start it with
// [Process.Start] or use [Run.Exec].
func (r *Run) Command(binary string, env []string, stdin string, combined bool, args ...string) *Process {
	cmd := exec.Command(binary, args...)
	cmd.Env = r.Env(env...)
	cmd.Stdin = strings.NewReader(stdin)
	p := &Process{Cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if combined {
		cmd.Stderr = p.stdout
		p.stderr = p.stdout
	}
	return p
}

// Start starts the process, failing the test if it cannot.
func (p *Process) Start(tb testing.TB) {
	tb.Helper()
	p.start = time.Now()
	if err := p.Cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", p.Cmd.Path, err)
	}
}

// Wait waits for the process to end and returns what it did. A run killed
// by a signal has Code -1 and the signal's name.
func (p *Process) Wait(tb testing.TB) Result {
	tb.Helper()
	err := p.Cmd.Wait()
	r := Result{Stdout: p.stdout.String(), Stderr: p.stderr.String(), Took: time.Since(p.start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			r.Code, r.Signal = -1, status.Signal().String()
		}
	case err != nil:
		tb.Fatalf("running %s: %v", p.Cmd.Path, err)
	}
	return r
}

// Exec runs binary with args, the run's environment plus env, and stdin,
// and returns what it did.
func (r *Run) Exec(binary string, env []string, stdin string, args ...string) Result {
	r.TB.Helper()
	p := r.Command(binary, env, stdin, false, args...)
	p.Start(r.TB)
	return p.Wait(r.TB)
}
