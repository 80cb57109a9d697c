package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// normalizeArgs rewrites argv (argv[0] is the program name) so that every
// option works anywhere after the program name, as the CLI contract wants.
//
// urfave/cli reads a command's options only between the command's name and
// its first argument, and the app's only before the command. So options are
// moved right after the command (and subcommand) they belong to, each in
// the form --name=value, and the arguments follow a "--":
//
//	pixivauth --json refresh TOKEN -v   →  pixivauth refresh --json -v -- TOKEN
//	pixivauth refresh -- -weird         →  pixivauth refresh -- -weird
//
// A "--" ends the options: what follows is an argument even if it begins
// with "-" (a token can). A lone "-" is an argument (stdin). An option
// that takes a value refuses an empty one: an unset shell variable
// (--config-dir "$DIR") would otherwise mean the option's default. An option that
// the command does not take is a usage error, with a suggestion. An unknown
// command is left for urfave/cli to report (see program.commandNotFound).
func normalizeArgs(app *cli.App, argv []string) ([]string, error) {
	if len(argv) == 0 {
		return argv, nil
	}
	takesValue := map[string]bool{} // every option of the app, by name
	collectOptions(app.Flags, app.Commands, takesValue)

	type option struct {
		token, name, value string
		hasValue           bool
	}
	var (
		path     []*cli.Command // the command and its subcommand
		options  []option
		args     []string
		endOfOpt bool
	)
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if endOfOpt || a == "-" || !strings.HasPrefix(a, "-") {
			// The first words name the command, then the subcommand.
			if len(args) == 0 {
				if cmd := subcommand(app, path, a); cmd != nil {
					path = append(path, cmd)
					continue
				}
			}
			args = append(args, a)
			continue
		}
		if a == "--" {
			endOfOpt = true
			continue
		}
		name, value, hasValue, ok := splitOption(a)
		needsValue, known := takesValue[name]
		if !ok || !known {
			return nil, unknownOption(app, path, a, name)
		}
		if needsValue && !hasValue {
			if i+1 == len(argv) {
				return nil, &usageError{msg: "option " + a + " needs a value", command: commandPath(path)}
			}
			// The next word is an option of pixivauth's, not a value: the
			// value was left out (pixivauth token --format --json).
			if next, _, _, ok := splitOption(argv[i+1]); ok && argv[i+1] != "-" {
				if _, known := takesValue[next]; known {
					return nil, &usageError{msg: "option " + a + " needs a value, and " + strings.SplitN(argv[i+1], "=", 2)[0] + " is an option", command: commandPath(path)}
				}
			}
			i++
			value, hasValue = argv[i], true
		}
		if !needsValue && hasValue {
			if _, err := strconv.ParseBool(value); err != nil {
				return nil, &usageError{msg: "option --" + name + " takes no value (or true or false)", command: commandPath(path)}
			}
		}
		if needsValue && value == "" && !emptyMeans[name] {
			// --config-dir "$UNSET" must not mean the default directory
			// (with --pixiv-server, the person's real profile), nor
			// --output "" stdout.
			return nil, &usageError{msg: "option --" + name + " is given an empty value: give one, or leave the option out", command: commandPath(path)}
		}
		options = append(options, option{token: a, name: name, value: value, hasValue: hasValue})
	}

	out := []string{argv[0]}
	if len(path) == 0 && len(args) > 0 {
		// An unknown command: let urfave/cli report it, options aside.
		return append(out, args[0]), nil
	}
	flags := app.Flags
	for _, cmd := range path {
		out = append(out, cmd.Name)
		flags = cmd.Flags
	}
	isHelp := len(path) > 0 && path[0].HasName(helpCommandName)
	if isHelp && len(args) > 0 {
		// "help session export" is "session export --help": the help of
		// the subcommand itself, which urfave/cli's help command does not
		// reach.
		var target []*cli.Command
		for _, a := range args {
			cmd := subcommand(app, target, a)
			if cmd == nil {
				return nil, unknownCommand(app, target, a)
			}
			target = append(target, cmd)
		}
		out := []string{argv[0]}
		for _, cmd := range target {
			out = append(out, cmd.Name)
		}
		return append(out, "--help"), nil
	}
	isParent := len(path) > 0 && len(path[len(path)-1].Subcommands) > 0
	for _, opt := range options {
		switch {
		case isHelp:
			// "pixivauth help CMD" ignores the common options.
			continue
		case isParent && !hasOption(flags, opt.name) && !isHelpOption(opt.name):
			// "pixivauth -v session" names no subcommand: the options
			// were meant for it, and the command asks for one (or
			// shows its help).
			continue
		case !hasOption(flags, opt.name) && !isHelpOption(opt.name):
			return nil, unknownOption(app, path, opt.token, opt.name)
		}
		dashes := "--"
		if len(opt.name) == 1 {
			dashes = "-"
		}
		if opt.hasValue {
			out = append(out, dashes+opt.name+"="+opt.value)
		} else {
			out = append(out, dashes+opt.name)
		}
	}
	if len(args) > 0 {
		out = append(out, "--")
		out = append(out, args...)
	}
	return out, nil
}

// emptyMeans are the options whose empty value means something, or gets
// a message of its own: --proxy "" is no proxy, whatever the environment
// says (as curl's); --profile "" is refused naming the default profile.
var emptyMeans = map[string]bool{optProxy: true, optProfile: true}

// helpCommandName is urfave/cli's own help command.
const helpCommandName = "help"

// splitOption splits "--name=value", "--name", "-n" and "-n=value". A long
// name has two dashes and a short one (one letter) one.
func splitOption(a string) (name, value string, hasValue, ok bool) {
	long := strings.HasPrefix(a, "--")
	body := strings.TrimPrefix(a, "-")
	if long {
		body = a[2:]
	}
	name, value, hasValue = strings.Cut(body, "=")
	ok = long && len(name) > 1 || !long && len(name) == 1
	return name, value, hasValue, ok
}

// collectOptions records, for every option name of flags and of commands
// (recursively), whether it takes a value. A name means the same wherever it
// appears (a test checks), which is what lets an option precede its command.
func collectOptions(flags []cli.Flag, commands []*cli.Command, takesValue map[string]bool) {
	for _, f := range flags {
		for _, name := range f.Names() {
			takesValue[name] = flagTakesValue(f)
		}
	}
	for _, cmd := range commands {
		if !cmd.HasName(helpCommandName) { // see subcommand
			collectOptions(cmd.Flags, cmd.Subcommands, takesValue)
		}
	}
	for _, name := range cli.HelpFlag.Names() {
		takesValue[name] = false
	}
}

func flagTakesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

// subcommand returns the command called name under path (the app's when
// path is empty), or nil.
func subcommand(app *cli.App, path []*cli.Command, name string) *cli.Command {
	commands := app.Commands
	if len(path) > 0 {
		// urfave/cli's help command is a package variable that running it
		// can give itself as a subcommand: never look below it.
		if path[0].HasName(helpCommandName) {
			return nil
		}
		commands = path[len(path)-1].Subcommands
	}
	for _, cmd := range commands {
		if cmd.HasName(name) {
			return cmd
		}
	}
	return nil
}

func hasOption(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

func isHelpOption(name string) bool {
	for _, n := range cli.HelpFlag.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// commandPath is "session export" for the path of that subcommand.
func commandPath(path []*cli.Command) string {
	names := make([]string, len(path))
	for i, cmd := range path {
		names[i] = cmd.Name
	}
	return strings.Join(names, " ")
}

// unknownOption is the usage error for token, an option that the command
// at path does not take, with the nearest option it does take. The error
// names the option, never its value: "--phpsessid=…" given to the wrong
// command, or a refresh token that happens to begin with "-", must not
// reach stderr.
func unknownOption(app *cli.App, path []*cli.Command, token, name string) error {
	flags := app.Flags
	if len(path) > 0 {
		flags = path[len(path)-1].Flags
	}
	where := ""
	if len(path) > 0 {
		where = " for " + commandPath(path)
	}
	if !plausibleOptionName(name) {
		return &usageError{
			msg:     `an argument that begins with "-" is not an option` + where + `: if it is a token, put "--" before it`,
			command: commandPath(path),
		}
	}
	shown := "--" + name
	if !strings.HasPrefix(token, "--") {
		shown = "-" + name
	}
	msg := "unknown option " + shown + where
	if name == "password" && hasFlag(flags, optPasswordStdin) {
		// The option people reach for first: say why there is none.
		msg += "; a password is never taken from the command line, where other users can read it: use --" +
			optPasswordStdin + ", $" + envPassword + " or --" + optPasswordFile + " FILE"
		return &usageError{msg: msg, command: commandPath(path)}
	}
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if s := nearest(name, names); s != "" {
		dashes := "--"
		if len(s) == 1 {
			dashes = "-"
		}
		msg += "; did you mean " + dashes + s + "?"
	}
	return &usageError{msg: msg, command: commandPath(path)}
}

// hasFlag reports whether one of flags is called name.
func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// plausibleOptionName reports whether name could be an option someone
// meant to type: short, lower-case letters, digits and dashes, as every
// option of pixivauth is. A token (43 characters of base64url) is not one,
// nor is a shorter secret with a capital letter in it, so its text is never
// echoed. Up to three letters of either case are one (-V, -vV, by habit):
// so few letters are no secret.
func plausibleOptionName(name string) bool {
	if len(name) <= 3 && strings.TrimFunc(name, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }) == "" && name != "" {
		return true
	}
	if name == "" || len(name) > 32 {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// givenOptions returns the names of the options on a normalized command
// line.
func givenOptions(argv []string) map[string]bool {
	given := map[string]bool{}
	for _, a := range argv[min(1, len(argv)):] {
		if a == "--" {
			break
		}
		if name, _, _, ok := splitOption(a); ok {
			given[name] = true
		}
	}
	return given
}

// nearest returns the name closest to typed, if it is close enough to be
// what was meant: a few typos away, or a prefix of it. Nothing else is
// suggested: "--bogus" is not a misspelt "--config-dir".
func nearest(typed string, names []string) string {
	best, bestDist, bestEdits := "", 0, 0
	for _, n := range names {
		if len(n) < 2 {
			continue
		}
		edits := editDistance(typed, n)
		d := edits
		if strings.HasPrefix(n, typed) && len(typed) >= 3 {
			d = min(d, 1)
		}
		if best == "" || d < bestDist || d == bestDist && edits < bestEdits {
			best, bestDist, bestEdits = n, d, edits
		}
	}
	if best == "" || bestDist > max(1, min(len(typed), len(best))/3) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// the Levenshtein distance with the swap of two neighbouring letters
// counted as one edit, since "tokne" is one slip from "token", not two.
func editDistance(a, b string) int {
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// noArguments is the usage error of a command that takes no arguments and
// was given some, or nil; why, if set, says what the person may have
// meant instead.
func noArguments(command string, args []string, why string) error {
	if len(args) == 0 {
		return nil
	}
	if why != "" {
		why = " (" + why + ")"
	}
	return usageErrorf("%s takes no arguments%s%s", command, why, afterDashes(args))
}

// afterDashes explains arguments that look like options, which only a
// "--" before them makes arguments: "" where none does.
func afterDashes(args []string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			return ` (every word after "--" is an argument: put options before it)`
		}
	}
	return ""
}
