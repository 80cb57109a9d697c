package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/auth"
)

// programName is how pixivauth names itself in messages and help.
const programName = "pixivauth"

// program is one run of pixivauth: its standard streams and what urfave/cli
// cannot return by itself.
type program struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	// deferred is an error found where urfave/cli gives no way to return
	// one: an unknown command.
	deferred error
	// given holds the options on the command line, by name, as opposed to
	// set from the environment.
	given map[string]bool
	// stdinTaken names the input that read stdin, so that a second one
	// is a usage error instead of an empty read.
	stdinTaken string
	// command is the path of the command that runs ("session export"),
	// for hints that name only options it has.
	command string
	// doubleUntrusted is set when --pixiv-server is given without
	// --insecure, so that a certificate error says to add it.
	doubleUntrusted bool
	// argvWarned holds the options whose secret-in-argv warning was given.
	argvWarned sync.Map
	// started is when the run began, and timeout the --timeout given on
	// the command line (zero if none): a run that failed once it had used
	// all of it is told that the timeout may be what was short.
	started time.Time
	timeout time.Duration

	deps deps
}

// deps are what a run takes from outside its command line and environment
// that a test may replace. The zero value is the real thing.
type deps struct {
	// coder gets the code of a browser login; nil means a real Chrome
	// (auth.Browser with the run's options). Tests of the CLI give an
	// authtest.Coder here to run logins without a browser.
	coder auth.Coder
	// secretEnv are the secret variables main took from the environment
	// (takeSecretEnv): $PIXIV_PASSWORD and the like are read here, never
	// from the process's environment, which no longer has them.
	secretEnv secretEnv
}

// newApp builds the command line. urfave/cli's defaults that the CLI
// contract overrides are overridden here, on the app, never through the
// package's globals: -v is --verbose (HideVersion drops its -v/--version
// flag; --version is ours), an unknown command is a usage error (exit 2)
// with a suggestion, a usage error prints one line and a hint on stderr
// instead of the help on stdout, and no error makes it exit by itself.
func (p *program) newApp() *cli.App {
	app := &cli.App{
		Name:      programName,
		Usage:     "get Pixiv OAuth tokens through a real browser login, and keep them fresh",
		UsageText: programName + " [options] command [command options] [arguments]",
		Description: `pixivauth logs in to Pixiv in a real Chrome (a window, or headless with a
stored session or a username and password), catches the authorization code
the moment the browser asks for the callback, exchanges it for tokens, and
keeps them in a per-profile cache that "token" refreshes when needed.

Every option works anywhere after "pixivauth"; "--" ends the options, so a
token that begins with "-" still works.

EXAMPLES:
   pixivauth login                        log in in a window; saves tokens and session
   pixivauth token                        print a valid access token
   pixivauth token --format env > pixiv.env && . ./pixiv.env
                                          export PIXIV_ACCESS_TOKEN and PIXIV_REFRESH_TOKEN
   pixivauth check --json                 CI smoke test with $PIXIV_REFRESH_TOKEN
   pixivauth demo                         see a whole login against a built-in double

` + exitCodesHelp,
		HideVersion: true,
		Reader:      p.stdin,
		Writer:      p.stdout,
		ErrWriter:   p.stderr,
		// Every option works before the command too (args.go moves it
		// there); the app itself takes only --version's.
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the version"},
			&cli.BoolFlag{Name: optVerbose, Aliases: []string{"v"},
				Usage: "log each step on stderr (URLs without query values, statuses, timings; never a secret)"},
			&cli.StringFlag{Name: optFormat, Usage: "with --version: print it as `FORMAT`: text, json"},
			&cli.BoolFlag{Name: optJSON, Usage: "same as --format json"},
			// urfave/cli adds its help flag only with its own help command.
			cli.HelpFlag,
		},
		HideHelpCommand: true,
		Action:          p.root,
		CommandNotFound: p.commandNotFound,
		OnUsageError:    p.onUsageError,
		ExitErrHandler:  func(*cli.Context, error) {}, // run maps errors to exit codes
		Commands: []*cli.Command{
			refreshCommand(p),
			tokenCommand(p),
			checkCommand(p),
			loginCommand(p),
			demoCommand(p),
			profilesCommand(p),
			logoutCommand(p),
			sessionCommand(p),
			doctorCommand(p),
			versionCommand(p),
			completionCommand(p),
			helpCommand(),
			completeCommand(p),
			manCommand(p),
		},
	}
	forEachCommand(app.Commands, func(cmd *cli.Command) {
		cmd.OnUsageError = p.onUsageError
		// A "help" subcommand would take a token that reads "help".
		cmd.HideHelpCommand = true
		action := cmd.Action
		cmd.Action = func(c *cli.Context) error { return withHelpTopic(c, action(c)) }
	})
	app.Setup()
	return app
}

func forEachCommand(commands []*cli.Command, fn func(*cli.Command)) {
	for _, cmd := range commands {
		fn(cmd)
		forEachCommand(cmd.Subcommands, fn)
	}
}

// root runs when no command is given: --version, or a usage error.
func (p *program) root(c *cli.Context) error {
	if c.Bool("version") {
		return p.runVersion(c.Context, readCommon(c))
	}
	if c.Args().Present() {
		// Shows nothing for an unknown command: commandNotFound reports it.
		return cli.ShowCommandHelp(c, c.Args().First())
	}
	return usageErrorf("no command given")
}

// commandNotFound reports an unknown command as a usage error, with the
// nearest command's name. A word that cannot be a command's name is not
// echoed: it is most likely a token given without its command.
func (p *program) commandNotFound(c *cli.Context, name string) {
	if !plausibleOptionName(name) {
		p.deferred = &usageError{msg: "the first argument is not a command: give the command first, e.g. `pixivauth refresh TOKEN`"}
		return
	}
	msg := fmt.Sprintf("unknown command %q", name)
	var names []string
	for _, cmd := range c.App.VisibleCommands() {
		names = append(names, cmd.Names()...)
	}
	if s := nearest(name, names); s != "" {
		msg += fmt.Sprintf(`. Did you mean %q?`, s)
	}
	p.deferred = &usageError{msg: msg}
}

// onUsageError turns a parse error (a bad value) into a usage error.
func (p *program) onUsageError(c *cli.Context, err error, _ bool) error {
	return withHelpTopic(c, &usageError{msg: userWords(err.Error())})
}

// urfave/cli's and the flag package's messages for a value that does not
// parse, which speak of Go ("strconv.ParseBool", "flag -timeout").
var (
	badFlagValueRE = regexp.MustCompile(`^invalid value ".*" for flag -+([a-z][a-z0-9-]*): .*$`)
	badEnvValueRE  = regexp.MustCompile(`^could not parse ".*" as (\w+) value from environment variable "([A-Z0-9_]+)" for flag ([a-z][a-z0-9-]*): .*$`)
)

// userWords rewrites a parse error of an option's value in the user's
// words, naming what the option takes, never the value (it may be a
// secret given to the wrong option).
func userWords(msg string) string {
	takes := func(name, kind string) string {
		switch {
		case name == optTimeout || kind == "duration":
			return "a duration, such as 90s, 5m or 1h30m"
		case kind == "bool":
			return "true or false (1 or 0)"
		}
		return "a " + kind
	}
	if m := badFlagValueRE.FindStringSubmatch(msg); m != nil {
		return "--" + m[1] + " takes " + takes(m[1], "value")
	}
	if m := badEnvValueRE.FindStringSubmatch(msg); m != nil {
		return "$" + m[2] + " (for --" + m[3] + ") must be " + takes(m[3], m[1])
	}
	return msg
}

// withHelpTopic makes a usage error of the command of c point to that
// command's --help.
func withHelpTopic(c *cli.Context, err error) error {
	var usage *usageError
	if errors.As(err, &usage) && usage.command == "" && c.Command != nil && c.Command.HelpName != programName {
		usage.command = strings.TrimPrefix(c.Command.HelpName, programName+" ")
	}
	return err
}
