// Command pixivauth gets Pixiv OAuth tokens by driving a real Chrome through
// Pixiv's login page and catching the callback code, then keeps them fresh.
//
// The interface (options, secrets, output formats, exit codes, files) is the
// project's CLI contract; this package is only that interface: it parses the
// command line, reads secrets, calls the flow (package auth: Login, Token),
// and prints. Where to look:
//
//	main.go       the program: signals, one run
//	app.go        the commands, and where urfave/cli's defaults are overridden
//	args.go       moving options next to their command, so they work anywhere
//	flags.go      each command's options, read once into its own struct
//	options.go    the options every command takes, and the clients they set up
//	secrets.go    reading and checking tokens, passwords, cookies
//	output.go     --format text|json|env, GitHub Actions masks
//	exit.go       exit codes: the one table from an error's reason to its
//	              exit code and hint, and how errors are reported
//	cmd_*.go      the commands: token (refresh, token, check), login (login,
//	              demo), profiles (profiles, logout, session export), doctor,
//	              version, completion
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signalContext()
	d := deps{secretEnv: takeSecretEnv()}
	code := run(ctx, d, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalError is the cause of a context canceled by a signal. The browser
// is torn down through that context, so the run ends cleanly, with the
// signal's conventional exit status.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted (" + e.sig.String() + ")" }

// exitCode is 128 + the signal's number, as shells report it: 129 for
// SIGHUP, 130 for SIGINT, 143 for SIGTERM.
func (e signalError) exitCode() int {
	switch e.sig {
	case os.Interrupt:
		return exitInterrupt
	case syscall.SIGHUP:
		return exitHangUp
	}
	return exitTerminated
}

// signalContext returns a context canceled, with a signalError as its cause,
// at the first SIGINT, SIGTERM or SIGHUP (the terminal was closed). A
// second signal ends the process at once, for a person who does not want
// to wait for a browser to close.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		cancel(signalError{sig})
		if sig, ok = <-sigs; ok {
			os.Exit(signalError{sig}.exitCode())
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
	}
}

// run runs pixivauth with args (args[0] is the program name) and returns
// its exit status. Everything it prints goes to stdout (results) and stderr
// (messages). d is what it takes from outside besides: the environment's
// secrets, and in tests a fake browser.
func run(ctx context.Context, d deps, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// The browser and token clients log from goroutines of their own.
	p := &program{stdin: stdin, stdout: stdout, stderr: &lockedWriter{w: stderr}, deps: d, started: time.Now()}
	app := p.newApp()
	err := func() error {
		argv, err := normalizeArgs(app, args)
		if err != nil {
			return err
		}
		p.given = givenOptions(argv)
		if err := app.RunContext(ctx, argv); err != nil {
			return err
		}
		return p.deferred
	}()
	var sig signalError
	if err != nil && errors.As(context.Cause(ctx), &sig) {
		fmt.Fprintf(stderr, "%s: %v\n", programName, sig)
		return sig.exitCode()
	}
	return p.report(err)
}
