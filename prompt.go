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
