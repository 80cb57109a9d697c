package main

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

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
