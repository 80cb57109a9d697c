package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func completionCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `EXAMPLES:
   source <(pixivauth completion bash)                  (in ~/.bashrc)
   source <(pixivauth completion zsh)                   (in ~/.zshrc)
   pixivauth completion fish > ~/.config/fish/completions/pixivauth.fish`,
		Flags:  commonFlags(nil),
		Action: p.completion,
	}
}

// completion is the completion command. The scripts are made from the app
// itself, so they list every command and option there is.
func (p *program) completion(c *cli.Context) error {
	o, err := p.setup(c.Context, readCommon(c), nil)
	if err != nil {
		return err
	}
	var script string
	switch shell := c.Args().First(); {
	case c.NArg() != 1:
		return usageErrorf("completion takes one shell: bash, zsh or fish")
	case shell == "bash":
		script = bashCompletion(c.App)
	case shell == "zsh":
		script = "#compdef " + programName + "\n# Load with: source <(" + programName + " completion zsh)\n" +
			"autoload -U +X bashcompinit && bashcompinit\n" + bashCompletion(c.App)
	case shell == "fish":
		script = fishCompletion(c.App)
	default:
		return usageErrorf("no completion for %q: bash, zsh or fish", shell)
	}
	return o.printResult([]byte(script))
}

// optionNames lists flags as they are typed: --name, -n.
func optionNames(flags []cli.Flag) []string {
	var names []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
	}
	return names
}

func commandNames(commands []*cli.Command) []string {
	var names []string
	for _, cmd := range commands {
		if !cmd.Hidden {
			names = append(names, cmd.Name)
		}
	}
	return names
}

func bashCompletion(app *cli.App) string {
	var cases strings.Builder
	forEachCommandPath(app.VisibleCommands(), nil, func(path []*cli.Command) {
		cmd := path[len(path)-1]
		words := append(commandNames(cmd.Subcommands), optionNames(cmd.Flags)...)
		fmt.Fprintf(&cases, "    %q) words=%q ;;\n", commandPath(path), strings.Join(words, " "))
	})
	top := append(commandNames(app.VisibleCommands()), optionNames(app.Flags)...)
	return fmt.Sprintf(`# bash completion for %[1]s
_%[1]s() {
    local cur=${COMP_WORDS[COMP_CWORD]} path="" w i words
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case "|%[2]s|" in
        *"|${path:+$path }$w|"*) path=${path:+$path }$w ;;
        esac
    done
    case $path in
%[3]s    *) words=%[4]q ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _%[1]s %[1]s
`, programName, strings.Join(allCommandPaths(app), "|"), cases.String(), strings.Join(top, " "))
}

func fishCompletion(app *cli.App) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for %s\n", programName)
	top := commandNames(app.VisibleCommands())
	forEachCommandPath(app.VisibleCommands(), nil, func(path []*cli.Command) {
		cmd := path[len(path)-1]
		var cond string
		if len(path) == 1 {
			cond = "not __fish_seen_subcommand_from " + strings.Join(top, " ")
		} else {
			parent := path[len(path)-2]
			cond = "__fish_seen_subcommand_from " + parent.Name + "; and not __fish_seen_subcommand_from " +
				strings.Join(commandNames(parent.Subcommands), " ")
		}
		fmt.Fprintf(&b, "complete -c %s -f -n %s -a %s -d %s\n", programName, fishQuote(cond), cmd.Name, fishQuote(cmd.Usage))
		for _, f := range cmd.Flags {
			fmt.Fprintf(&b, "complete -c %s -n %s", programName, fishQuote("__fish_seen_subcommand_from "+cmd.Name))
			for _, n := range f.Names() {
				if len(n) == 1 {
					fmt.Fprintf(&b, " -s %s", n)
				} else {
					fmt.Fprintf(&b, " -l %s", n)
				}
			}
			if flagTakesValue(f) {
				b.WriteString(" -r")
			}
			if df, ok := f.(cli.DocGenerationFlag); ok {
				fmt.Fprintf(&b, " -d %s", fishQuote(strings.ReplaceAll(df.GetUsage(), "`", "")))
			}
			b.WriteString("\n")
		}
	})
	return b.String()
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// forEachCommandPath calls fn with the path to each command and subcommand.
func forEachCommandPath(commands []*cli.Command, parent []*cli.Command, fn func([]*cli.Command)) {
	for _, cmd := range commands {
		if cmd.Hidden || cmd.Name == helpCommandName {
			continue
		}
		path := append(parent[:len(parent):len(parent)], cmd)
		fn(path)
		forEachCommandPath(cmd.Subcommands, path, fn)
	}
}

func allCommandPaths(app *cli.App) []string {
	var paths []string
	forEachCommandPath(app.VisibleCommands(), nil, func(path []*cli.Command) {
		paths = append(paths, commandPath(path))
	})
	return paths
}
