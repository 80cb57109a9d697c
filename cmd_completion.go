package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/store"
)

// shells are the shells completion writes a script for.
var shells = []string{"bash", "zsh", "fish", "powershell"}

// completeCommandName is the hidden command the scripts call for what only
// pixivauth knows at completion time: the profiles in the config dir.
const completeCommandName = "__complete"

func completionCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh, fish or powershell",
		ArgsUsage: strings.Join(shells, "|"),
		Description: `Prints a script that completes pixivauth's commands, their options, the
values of --format, the profiles for --profile (from the config dir) and
file names for the options that take a file.

EXAMPLES:
   source <(pixivauth completion bash)                  (in ~/.bashrc)
   source <(pixivauth completion zsh)                   (in ~/.zshrc)
   pixivauth completion fish > ~/.config/fish/completions/pixivauth.fish
   pixivauth completion powershell | Out-String | Invoke-Expression   (in $PROFILE)`,
		Action: p.completion,
	}
}

// completeCommand is the hidden command behind the scripts: `__complete
// profiles [--config-dir DIR]` prints the profiles' names, one a line. It
// prints nothing on any failure: a completion must never fill a terminal
// with errors.
func completeCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:   completeCommandName,
		Hidden: true,
		Flags: []cli.Flag{&cli.StringFlag{Name: optConfigDir, EnvVars: []string{envConfigDir},
			Usage: "the config dir whose profiles to list"}},
		Action: func(c *cli.Context) error {
			if c.Args().First() != "profiles" {
				return nil
			}
			dir, err := configDir(c.String(optConfigDir))
			if err != nil {
				return nil
			}
			list, err := (&store.Store{Dir: dir, Warnf: func(string, ...any) {}}).Profiles()
			if err != nil {
				return nil
			}
			var b strings.Builder
			for _, info := range list {
				b.WriteString(info.Name + "\n")
			}
			_, err = io.WriteString(p.stdout, b.String())
			return err
		},
	}
}

// completion is the completion command. The scripts are made from the app
// itself, so they list every command and option there is.
func (p *program) completion(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErrorf("completion takes one shell: %s", strings.Join(shells, ", "))
	}
	spec := completionSpecOf(c.App)
	var script string
	switch shell := c.Args().First(); shell {
	case "bash":
		script = bashCompletion(spec)
	case "zsh":
		script = zshCompletion(spec)
	case "fish":
		script = fishCompletion(spec)
	case "powershell", "pwsh":
		script = powershellCompletion(spec)
	default:
		return usageErrorf("no completion for %q: %s", shell, strings.Join(shells, ", "))
	}
	_, err := io.WriteString(p.stdout, script)
	return err
}

// What the value of an option is, for completing it.
const (
	valueNone    = ""        // a free value (a duration, a user name): nothing to offer
	valueFile    = "file"    // a file name
	valueDir     = "dir"     // a directory name
	valueProfile = "profile" // a profile of the config dir
	valueFormat  = "format"  // one of the command's formats
)

// valueKind says how to complete the value of f, from its placeholder:
// `FILE` and `PATH` are files, `DIR` directories; --profile and --format
// have lists of their own.
func valueKind(f cli.Flag) string {
	if !flagTakesValue(f) {
		return valueNone
	}
	switch f.Names()[0] {
	case optProfile:
		return valueProfile
	case optFormat:
		return valueFormat
	}
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return valueNone
	}
	switch placeholder, _ := unquoteUsage(df.GetUsage()); placeholder {
	case "FILE", "PATH":
		return valueFile
	case "DIR":
		return valueDir
	}
	return valueNone
}

// commandFormats are the --format values of each command that prints a
// result, its default first (TestCompletionFormatsAreAccepted checks them
// against what the commands accept).
var commandFormats = map[string][]string{
	"refresh":        tokenFormats,
	"token":          tokenFormats,
	"login":          tokenFormats,
	"check":          reportFormats,
	"demo":           reportFormats,
	"profiles":       reportFormats,
	"doctor":         reportFormats,
	"version":        reportFormats,
	"session export": sessionFormats,
}

// completionEntry is one command path as the scripts see it.
type completionEntry struct {
	path        string // "session export"; "" for the app itself
	name, usage string
	subcommands []string
	options     []completionOption
	formats     []string
	args        []string // the words it takes as arguments, if a fixed list
	parent      string
}

type completionOption struct {
	long, short string // without dashes; short may be ""
	usage       string
	kind        string
	takesValue  bool
}

// completionSpec is what every script is made from.
type completionSpec struct {
	entries []completionEntry // the app first, then each command path
	// valueOptions lists every option that takes a value, as typed
	// (--name, -n), so that a script skips the value when it looks for the
	// command words.
	valueOptions []string
}

func completionSpecOf(app *cli.App) completionSpec {
	var spec completionSpec
	seen := map[string]bool{}
	add := func(path, parent string, name, usage string, subs []*cli.Command, flags []cli.Flag) {
		e := completionEntry{path: path, parent: parent, name: name, usage: usage,
			subcommands: commandNames(subs), formats: commandFormats[path]}
		if path == "completion" {
			e.args = shells
		}
		for _, f := range flags {
			o := completionOption{takesValue: flagTakesValue(f), kind: valueKind(f)}
			for _, n := range f.Names() {
				if len(n) == 1 {
					o.short = n
				} else if o.long == "" {
					o.long = n
				}
				if o.takesValue {
					typed := "--" + n
					if len(n) == 1 {
						typed = "-" + n
					}
					if !seen[typed] {
						seen[typed] = true
						spec.valueOptions = append(spec.valueOptions, typed)
					}
				}
			}
			if df, ok := f.(cli.DocGenerationFlag); ok {
				_, o.usage = unquoteUsage(df.GetUsage())
			}
			e.options = append(e.options, o)
		}
		e.options = append(e.options, completionOption{long: "help", short: "h", usage: "show help"})
		spec.entries = append(spec.entries, e)
	}
	add("", "", programName, app.Usage, app.VisibleCommands(), app.Flags)
	forEachCommandPath(app.VisibleCommands(), nil, func(path []*cli.Command) {
		cmd := path[len(path)-1]
		parent := ""
		if len(path) > 1 {
			parent = commandPath(path[:len(path)-1])
		}
		add(commandPath(path), parent, cmd.Name, cmd.Usage, cmd.Subcommands, cmd.Flags)
	})
	slices.Sort(spec.valueOptions)
	return spec
}

func (e completionEntry) optionWords() []string {
	var words []string
	for _, o := range e.options {
		words = append(words, "--"+o.long)
		if o.short != "" {
			words = append(words, "-"+o.short)
		}
	}
	return words
}

// optionsOfKind lists, as typed, e's options whose value is of kind.
func (e completionEntry) optionsOfKind(kind string) []string {
	var words []string
	for _, o := range e.options {
		if o.takesValue && o.kind == kind {
			words = append(words, "--"+o.long)
			if o.short != "" {
				words = append(words, "-"+o.short)
			}
		}
	}
	return words
}

func commandNames(commands []*cli.Command) []string {
	var names []string
	for _, cmd := range commands {
		if !cmd.Hidden && cmd.Name != helpCommandName {
			names = append(names, cmd.Name)
		}
	}
	return names
}

func (s completionSpec) paths() []string {
	var paths []string
	for _, e := range s.entries[1:] {
		paths = append(paths, e.path)
	}
	return paths
}

// bashCompletion is the bash script (zsh loads it too, through
// bashcompinit). It finds the command path among the words before the
// cursor, skipping options and their values, then offers the value the
// option before the cursor takes, or the command's arguments, subcommands
// and options.
func bashCompletion(s completionSpec) string {
	var cases strings.Builder
	for _, e := range s.entries {
		pattern := fmt.Sprintf("%q", e.path)
		words := append(append([]string{}, e.subcommands...), e.args...)
		fmt.Fprintf(&cases, "    %s)\n", pattern)
		fmt.Fprintf(&cases, "        _pa_words=%q\n", strings.Join(words, " "))
		fmt.Fprintf(&cases, "        _pa_options=%q\n", strings.Join(e.optionWords(), " "))
		fmt.Fprintf(&cases, "        _pa_formats=%q\n", strings.Join(e.formats, " "))
		fmt.Fprintf(&cases, "        _pa_files=%q _pa_dirs=%q _pa_profiles=%q ;;\n",
			"|"+strings.Join(e.optionsOfKind(valueFile), "|")+"|",
			"|"+strings.Join(e.optionsOfKind(valueDir), "|")+"|",
			"|"+strings.Join(e.optionsOfKind(valueProfile), "|")+"|")
	}
	return fmt.Sprintf(`# bash completion for %[1]s; load it with:  source <(%[1]s completion bash)
_%[1]s() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev="" _pa_path="" w i n config=""
    local _pa_words _pa_options _pa_formats _pa_files _pa_dirs _pa_profiles
    # "--format=j" reaches here as "--format" "=" "j".
    if ((COMP_CWORD >= 1)); then prev=${COMP_WORDS[COMP_CWORD-1]}; fi
    if [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == "=" ]]; then
        cur=""
    fi
    # The command path: the words before the cursor that name a command,
    # skipping options and the values they take.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case "|%[2]s|" in
        *"|$w|"*)
            n=$((i + 1))
            if [[ $w == --config-dir ]]; then config=${COMP_WORDS[n]}; fi
            if [[ ${COMP_WORDS[n]} != "=" ]]; then i=$n; else i=$((n + 1)); fi
            if [[ $w == --config-dir && ${COMP_WORDS[n]} == "=" ]]; then config=${COMP_WORDS[i]}; fi
            continue ;;
        esac
        case "|%[3]s|" in
        *"|${_pa_path:+$_pa_path }$w|"*) _pa_path=${_pa_path:+$_pa_path }$w ;;
        esac
    done
    case $_pa_path in
%[4]s    *) return 0 ;;
    esac
    if [[ $prev == -* ]]; then
        if [[ $prev == --format ]]; then
            compopt +o default 2>/dev/null
            COMPREPLY=($(compgen -W "$_pa_formats" -- "$cur"))
            return 0
        fi
        case $_pa_profiles in *"|$prev|"*)
            local -a dirargs=()
            if [[ -n $config ]]; then dirargs=(--config-dir "$config"); fi
            compopt +o default 2>/dev/null
            COMPREPLY=($(compgen -W "$(%[1]s %[5]s profiles "${dirargs[@]}" 2>/dev/null)" -- "$cur"))
            return 0 ;;
        esac
        case $_pa_files in *"|$prev|"*)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0 ;;
        esac
        case $_pa_dirs in *"|$prev|"*)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            return 0 ;;
        esac
        case "|%[2]s|" in *"|$prev|"*)
            # A value nothing can guess (a duration, a user name).
            compopt +o default 2>/dev/null
            COMPREPLY=()
            return 0 ;;
        esac
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_pa_options" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$_pa_words" -- "$cur"))
    fi
}
complete -o default -o bashdefault -F _%[1]s %[1]s
`, programName, strings.Join(s.valueOptions, "|"), strings.Join(s.paths(), "|"), cases.String(), completeCommandName)
}

// zshCompletion loads the bash script through zsh's bashcompinit, which
// runs bash completion functions in zsh's completion system.
func zshCompletion(s completionSpec) string {
	return "#compdef " + programName + "\n# zsh completion for " + programName + "; load it with:  source <(" + programName + " completion zsh)\n" +
		"autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }\n" +
		"autoload -U +X bashcompinit && bashcompinit\n" + bashCompletion(s)
}

// fishCompletion is the fish script: one `complete` line per command and
// per option, each with the condition of the command it belongs to.
func fishCompletion(s completionSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for %[1]s; save it as ~/.config/fish/completions/%[1]s.fish\n", programName)
	fmt.Fprintf(&b, "complete -c %s -e\n", programName)
	// __pixivauth_path prints the command path among the words before the
	// cursor, skipping options and their values.
	fmt.Fprintf(&b, `function __%[1]s_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if contains -- $w %[2]s
            set skip 1
            continue
        end
        if string match -q -- '-*' $w
            continue
        end
        set -l candidate (string join -- ' ' $path $w)
        if contains -- $candidate %[3]s
            set path $path $w
        end
    end
    string join -- ' ' $path
end
function __%[1]s_in
    set -l path (__%[1]s_path)
    test "$path" = "$argv"
end
function __%[1]s_profiles
    set -l words (commandline -opc)
    set -l dir
    for i in (seq (count $words))
        if test "$words[$i]" = --config-dir
            set dir --config-dir $words[(math $i + 1)]
        else if string match -q -- '--config-dir=*' $words[$i]
            set dir $words[$i]
        end
    end
    %[1]s %[4]s profiles $dir 2>/dev/null
end
`, programName, strings.Join(s.valueOptions, " "), fishQuoteAll(s.paths()), completeCommandName)
	for _, e := range s.entries {
		cond := fishQuote(fmt.Sprintf("__%s_in %s", programName, e.path))
		for _, sub := range s.entries {
			if sub.parent == e.path && sub.path != "" {
				fmt.Fprintf(&b, "complete -c %s -f -n %s -a %s -d %s\n", programName, cond, fishQuote(sub.name), fishQuote(sub.usage))
			}
		}
		if e.path == "" {
			// The top level's children are the commands without a parent.
			for _, sub := range s.entries[1:] {
				if sub.parent == "" {
					fmt.Fprintf(&b, "complete -c %s -f -n %s -a %s -d %s\n", programName, cond, fishQuote(sub.name), fishQuote(sub.usage))
				}
			}
		}
		for _, a := range e.args {
			fmt.Fprintf(&b, "complete -c %s -f -n %s -a %s\n", programName, cond, fishQuote(a))
		}
		if len(e.subcommands) == 0 && len(e.args) == 0 && e.path != "" {
			fmt.Fprintf(&b, "complete -c %s -f -n %s\n", programName, cond)
		}
		for _, o := range e.options {
			fmt.Fprintf(&b, "complete -c %s -n %s -l %s", programName, cond, o.long)
			if o.short != "" {
				fmt.Fprintf(&b, " -s %s", o.short)
			}
			switch {
			case !o.takesValue:
			case o.kind == valueFile:
				b.WriteString(" -r -F")
			case o.kind == valueDir:
				fmt.Fprintf(&b, " -x -a %s", fishQuote("(__fish_complete_directories)"))
			case o.kind == valueProfile:
				fmt.Fprintf(&b, " -x -a %s", fishQuote(fmt.Sprintf("(__%s_profiles)", programName)))
			case o.kind == valueFormat:
				fmt.Fprintf(&b, " -x -a %s", fishQuote(strings.Join(e.formats, " ")))
			default:
				b.WriteString(" -x")
			}
			fmt.Fprintf(&b, " -d %s\n", fishQuote(o.usage))
		}
	}
	return b.String()
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func fishQuoteAll(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = fishQuote(w)
	}
	return strings.Join(quoted, " ")
}

// powershellCompletion is the PowerShell script: a native argument
// completer that finds the command path like the bash script does and
// offers the same words, with descriptions as tooltips.
func powershellCompletion(s completionSpec) string {
	var table strings.Builder
	for _, e := range s.entries {
		fmt.Fprintf(&table, "    %s = @{\n", psQuote(e.path))
		fmt.Fprintf(&table, "        Words = @(%s)\n", psList(append(append([]string{}, e.subcommands...), e.args...)))
		fmt.Fprintf(&table, "        Options = @(%s)\n", psList(e.optionWords()))
		fmt.Fprintf(&table, "        Formats = @(%s)\n", psList(e.formats))
		fmt.Fprintf(&table, "        Files = @(%s)\n", psList(e.optionsOfKind(valueFile)))
		fmt.Fprintf(&table, "        Dirs = @(%s)\n", psList(e.optionsOfKind(valueDir)))
		fmt.Fprintf(&table, "        Profiles = @(%s)\n", psList(e.optionsOfKind(valueProfile)))
		table.WriteString("    }\n")
	}
	return fmt.Sprintf(`# PowerShell completion for %[1]s; load it with (in $PROFILE):
#   %[1]s completion powershell | Out-String | Invoke-Expression
$__%[1]sCommands = @{
%[2]s}
$__%[1]sValueOptions = @(%[3]s)

function __%[1]sComplete {
    param([string[]]$Words, [string]$Current)
    $path = ''
    $config = $null
    for ($i = 0; $i -lt $Words.Count; $i++) {
        $w = $Words[$i]
        if ($__%[1]sValueOptions -contains $w) {
            if ($w -eq '--config-dir' -and $i + 1 -lt $Words.Count) { $config = $Words[$i + 1] }
            $i++
            continue
        }
        $candidate = if ($path) { "$path $w" } else { $w }
        if ($__%[1]sCommands.ContainsKey($candidate)) { $path = $candidate }
    }
    $entry = $__%[1]sCommands[$path]
    $prev = if ($Words.Count -gt 0) { $Words[$Words.Count - 1] } else { '' }
    if ($prev -like '-*' -and $__%[1]sValueOptions -contains $prev) {
        if ($prev -eq '--format') { return $entry.Formats | Where-Object { $_ -like "$Current*" } }
        if ($entry.Profiles -contains $prev) {
            $cargs = @('%[4]s', 'profiles')
            if ($config) { $cargs += @('--config-dir', $config) }
            return & '%[1]s' @cargs 2>$null | Where-Object { $_ -like "$Current*" }
        }
        if ($entry.Files -contains $prev) {
            return Get-ChildItem -Path "$Current*" -ErrorAction SilentlyContinue | ForEach-Object { $_.Name }
        }
        if ($entry.Dirs -contains $prev) {
            return Get-ChildItem -Path "$Current*" -Directory -ErrorAction SilentlyContinue | ForEach-Object { $_.Name }
        }
        return @()
    }
    if ($Current -like '-*') { return $entry.Options | Where-Object { $_ -like "$Current*" } }
    return $entry.Words | Where-Object { $_ -like "$Current*" }
}

Register-ArgumentCompleter -Native -CommandName '%[1]s' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete -and $words.Count -gt 0) { $words = @($words | Select-Object -SkipLast 1) }
    __%[1]sComplete -Words $words -Current $wordToComplete | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`, programName, table.String(), psList(s.valueOptions), completeCommandName)
}

// unquoteUsage splits an option's usage into its placeholder (the word in
// backquotes, as urfave/cli shows it) and the usage without the quotes.
func unquoteUsage(usage string) (placeholder, text string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "", usage
	}
	name, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "", usage
	}
	return name, before + name + after
}

// psQuote quotes s as a PowerShell single-quoted string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func psList(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = psQuote(w)
	}
	return strings.Join(quoted, ", ")
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
