package main

// Tests of what pixivauth does on a terminal, on a pseudo-terminal of the
// test's own (Linux: /dev/ptmx).

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master, which the test reads and
// types into, and the slave, which the program gets as its terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// terminalRun is a program running on a pseudo-terminal, and all it wrote.
type terminalRun struct {
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan struct{}
}

func startOnTerminal(t *testing.T, cmd *exec.Cmd) *terminalRun {
	t.Helper()
	master, slave := openPTY(t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	r := &terminalRun{master: master, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return r
}

func (r *terminalRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// waitFor waits until the terminal shows want, or fails after a minute.
func (r *terminalRun) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(r.output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%q", want, r.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// typeUnechoed waits until the program has turned the terminal's echo off,
// then types line: what is typed can show only if the program echoes it.
func (r *terminalRun) typeUnechoed(t *testing.T, line string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(r.master.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal's echo stayed on; it shows:\n%q", r.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := r.master.WriteString(line + "\r"); err != nil {
		t.Fatal(err)
	}
}

// TestPasswordPromptOnATerminal: on a terminal, login --headless
// --username asks "Password for USER: " and reads it without echo, with no
// password option (which used to exit 2) and with --password-stdin (which
// used to read with echo, silently). It logs in with what was typed. The
// prompt comes before any browser: the run with no password option ends at
// a browser that is not there (exit 5), so that one login proves the
// typed password reaches Pixiv's form.
func TestPasswordPromptOnATerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		extra []string
		env   []string
		login bool
	}{
		{"no password option", nil, []string{"PIXIVAUTH_BROWSER=/nonexistent/chrome"}, false},
		{"--password-stdin", []string{"--password-stdin"}, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowserRun(t)
			cmd := b.command(tt.env, "", append([]string{"login", "--headless", "--json", "--username", b.account.Username, "--timeout", long}, tt.extra...)...).Cmd
			run := startOnTerminal(t, cmd)
			run.waitFor(t, "Password for "+b.account.Username+": ")
			run.typeUnechoed(t, b.account.Password)
			err := cmd.Wait()
			<-run.done
			out := run.output()
			if strings.Contains(out, b.account.Password) {
				t.Errorf("the password was echoed:\n%q", out)
			}
			if !tt.login {
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != exitBrowser {
					t.Errorf("after the prompt: %v, want the missing browser's exit %d\n%q", err, exitBrowser, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v\n%q", err, out)
			}
			if !strings.Contains(out, `"access_token"`) {
				t.Errorf("no token printed:\n%q", out)
			}
		})
	}
}
