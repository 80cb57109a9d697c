package main

import (
	"strconv"

	"github.com/pixivauth/pixivauth/reason"

	"github.com/urfave/cli/v2"
)

// helpCommand is the help command, in place of urfave/cli's (whose usage
// line alone is capitalised, and which shows a subcommand's parent's help):
// `help` shows the app's help; `help CMD [SUB]` is rewritten to `CMD [SUB]
// --help` before it gets here (see normalizeArgs).
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      helpCommandName,
		Aliases:   []string{"h"},
		Usage:     "show the commands, or a command's help",
		ArgsUsage: "[command [subcommand]]",
		Description: `Shows the commands and the options, or with a command (and subcommand),
that command's help: the same as "pixivauth COMMAND --help".

EXAMPLES:
   pixivauth help
   pixivauth help session export`,
		Action: func(c *cli.Context) error { return cli.ShowAppHelp(c) },
	}
}

// unknownCommand is the usage error for name, which is no command under
// path (the app's, when path is empty), with the nearest one's name.
func unknownCommand(app *cli.App, path []*cli.Command, name string) error {
	if !plausibleOptionName(name) {
		return &usageError{msg: "no help for that: it is not a command"}
	}
	commands := app.VisibleCommands()
	if len(path) > 0 {
		commands = path[len(path)-1].VisibleCommands()
	}
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.Names()...)
	}
	msg := "unknown command " + strconv.Quote(name)
	if s := nearest(name, names); s != "" {
		msg += ". Did you mean " + strconv.Quote(s) + "?"
	}
	return &usageError{msg: msg}
}

// commandHints replace the reason table's hint where it would name an
// option the command does not have: every hint names only options the
// command that failed takes (TestHintsNameOptionsTheCommandHas).
var commandHints = map[string]map[reason.Reason]string{
	"check": {
		reason.SessionExpired: "log in again with a window (`pixivauth login`), then run the check again",
		reason.NoCredentials:  "log in once with a window (`pixivauth login`); check --login then uses that session",
		reason.OneTimeCode:    "log in once with a window (`pixivauth login`); check --login then uses that session",
		reason.WrongCode:      "log in once with a window (`pixivauth login`)",
		reason.TimedOut:       "run it again, or give a longer --timeout",
	},
	"demo": {
		reason.NoDisplay:      "drop --visible, or run under a desktop session",
		reason.BrowserMissing: "give --browser the path of Chrome or Chromium",
		reason.ProfileInUse:   "run the demo again",
		reason.OtherUser:      "give the demo a --config-dir of its own",
	},
	"login": {
		reason.NoDisplay:       "run under a desktop session, or add --headless (with a stored session, --cookies, --cookies-from-browser, --phpsessid, or --username and a password)",
		reason.HeadlessBrowser: "start that browser with a window (not headless), or add --headless (with a stored session, --cookies, --cookies-from-browser, --phpsessid, or --username and a password)",
	},
	// --no-browser refuses --username: a dead session has one way out.
	"login --no-browser": {
		reason.SessionExpired: "log in again with a window (`pixivauth login`); --no-browser needs a live session",
		reason.NoCredentials:  "log in again with a window (`pixivauth login`); --no-browser needs a live session",
	},
	// The session came from the person's browser: logging in there again
	// renews it.
	"login --cookies-from-browser": {
		reason.SessionExpired: "log in to pixiv.net in that browser again, or log in here with a window (`pixivauth login`)",
	},
	"check --cookies-from-browser": {
		reason.SessionExpired: "log in to pixiv.net in that browser again, then run the check again",
	},
	"doctor": {
		reason.ProfileInUse: "close the browser that uses it",
	},
}

// commandHint is the hint for err from the command that failed.
func commandHint(command string, err error) string {
	h := hint(err)
	if h == "" {
		return ""
	}
	if alt, ok := commandHints[command][reason.Of(err)]; ok {
		return alt
	}
	return h
}
