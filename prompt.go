package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// emailCodePrompt returns what asks the person at the terminal for the
// code Pixiv e-mails during a login, without echo; nil when stdin or
// stderr is not a terminal (a job, a pipe), where the login then ends
// saying what happened.
func (o *options) emailCodePrompt() func(context.Context) (string, error) {
	in, ok := o.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || !isTerminal(o.stderr) || o.stdinTaken != "" {
		return nil
	}
	return func(ctx context.Context) (string, error) {
		fd := int(in.Fd())
		state, err := term.GetState(fd)
		if err != nil {
			return "", err
		}
		fmt.Fprint(o.stderr, "Pixiv e-mailed a verification code to you: ")
		type read struct {
			b   []byte
			err error
		}
		done := make(chan read, 1)
		go func() {
			b, err := term.ReadPassword(fd)
			done <- read{b, err}
		}()
		select {
		case r := <-done:
			fmt.Fprintln(o.stderr)
			code := strings.TrimSpace(string(r.b))
			if r.err == nil && code == "" {
				r.err = errors.New("no code was typed")
			}
			return code, r.err
		case <-ctx.Done():
			// Leave the terminal echoing as it was.
			_ = term.Restore(fd, state)
			fmt.Fprintln(o.stderr)
			return "", context.Cause(ctx)
		}
	}
}

// terminalIn returns stdin's descriptor when stdin is a terminal, where a
// person types; ok is false for a pipe, a file or a test's reader.
func (p *program) terminalIn() (fd int, ok bool) {
	f, isFile := p.stdin.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

// promptPassword asks the person at the terminal for user's password,
// without echoing it, the way sudo and ssh do. The prompt goes to stderr,
// so that stdout keeps only the result.
func (p *program) promptPassword(fd int, user string) (string, error) {
	if p.stdinTaken != "" {
		return "", usageErrorf("%s and the password prompt cannot both read stdin", p.stdinTaken)
	}
	p.stdinTaken = "the password prompt"
	fmt.Fprintf(p.stderr, "Password for %s: ", user)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(p.stderr)
	if err != nil {
		return "", usageErrorf("reading the password from the terminal: %v", err)
	}
	return checkSecret("the password typed", string(pw))
}

// warnArgvSecret says, once, that the option valueName put a secret where
// every user of the machine can read it (ps, /proc/PID/cmdline), and names
// the forms that do not. It is kept for compatibility: scripts use it.
func (p *program) warnArgvSecret(valueName, fileName, envVar string) {
	if !p.given[valueName] {
		return // from a reader of the environment, not argv
	}
	if _, seen := p.argvWarned.LoadOrStore(valueName, true); seen {
		return
	}
	fmt.Fprintf(p.stderr, "%s: warning: --%s puts a secret in the command line, where other users of this machine can see it (ps); use $%s or --%s instead\n",
		programName, valueName, envVar, fileName)
}
