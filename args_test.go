package main

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func testApp() *cli.App {
	p := &program{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	return p.newApp()
}

func TestNormalizeArgs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"nothing", "", ""},
		{"option after the argument", "refresh TOKEN --json", "refresh --json -- TOKEN"},
		{"option before the command", "--json refresh TOKEN", "refresh --json -- TOKEN"},
		{"options everywhere", "-v refresh --profile work TOKEN --format=env",
			"refresh -v --profile=work --format=env -- TOKEN"},
		{"option with = keeps its value", "--profile=work token", "token --profile=work"},
		{"a value may begin with a dash", "token --profile -odd", "token --profile=-odd"},
		{"a value may be empty", "token --proxy=", "token --proxy="},
		{"double dash ends the options", "refresh -- -weird", "refresh -- -weird"},
		{"options before the double dash still move", "refresh --json -- --json", "refresh --json -- --json"},
		{"lone dash is an argument", "refresh - --json", "refresh --json -- -"},
		{"double dash alone", "token --", "token"},
		{"subcommand", "session export --format cookies.txt", "session export --format=cookies.txt"},
		{"option before the subcommand", "session --json export", "session export --json"},
		{"option before both", "--profile work session export", "session export --profile=work"},
		{"a subcommand's option, and no subcommand", "--config-dir /tmp/x session", "session"},
		{"a subcommand's option, and the parent's help", "-v session --help", "session --help"},
		{"bool with a value", "token --json=false", "token --json=false"},
		{"short verbose", "token -v", "token -v"},
		{"help option", "refresh -h", "refresh -h"},
		{"help command shows its topic's own help", "help refresh", "refresh --help"},
		{"help of a subcommand", "help session export", "session export --help"},
		{"help command drops the common options", "--json help refresh", "refresh --help"},
		{"version option", "--version", "--version"},
		{"unknown command is left for urfave/cli", "--json refrsh TOKEN", "refrsh"},
		{"command only", "token", "token"},
		{"command after double dash", "-- token", "token"},
		{"a second positional stays an argument", "refresh token", "refresh -- token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normalizeArgs(testApp(), append([]string{"pixivauth"}, strings.Fields(tt.in)...))
			if err != nil {
				t.Fatalf("normalizeArgs(%q): %v", tt.in, err)
			}
			want := append([]string{"pixivauth"}, strings.Fields(tt.want)...)
			if !slices.Equal(got, want) {
				t.Errorf("normalizeArgs(%q)\n got %q\nwant %q", tt.in, got, want)
			}
		})
	}
}

func TestNormalizeArgsErrors(t *testing.T) {
	tests := []struct {
		name, in, wantMsg string
	}{
		{"unknown long option", "refresh --bogus", "unknown option --bogus for refresh"},
		{"unknown before the command", "--bogus token", "unknown option --bogus"},
		{"another command's option", "refresh --headless", "unknown option --headless for refresh"},
		{"suggestion", "refresh --jsn", "did you mean --json?"},
		{"missing value", "token --profile", "option --profile needs a value"},
		{"an option where the value should be", "token --format --config-dir /tmp/x", "option --format needs a value, and --config-dir is an option"},
		{"a short option where the value should be", "token --profile -v", "option --profile needs a value, and -v is an option"},
		{"an option with its value where the value should be", "token --profile --phpsessid=11111111_abcdef", "and --phpsessid is an option"},
		{"long name with one dash", "-json token", "unknown option -json"},
		{"short name with two dashes", "--v token", "unknown option --v"},
		{"combined shorts", "token -vh", "unknown option -vh"},
		{"a token that looks like an option", "refresh -weird", "unknown option -weird"},
		{"root option on a command", "token --version", "unknown option --version for token"},
		{"subcommand's option on its parent", "session --bogus", "unknown option --bogus for session"},
		{"an empty config dir is not the default one", "token --config-dir=", "option --config-dir is given an empty value: give one, or leave the option out"},
		{"an empty output is not stdout", "session export --output=", "option --output is given an empty value"},
		{"an empty browser", "login --browser=", "option --browser is given an empty value"},
		{"a bool with a value that is not one", "login --headless=maybe", "option --headless takes no value (or true or false)"},
		{"a refresh token that begins with a dash", "refresh -hNalhGZ8sQ2xYk1p0_4rT9vWmLq3JdZcBfUeH6aIoKy", `put "--" before it`},
		{"a value given to the wrong command", "token --phpsessid=11111111_abcdef", "unknown option --phpsessid for token"},
		{"an upper-case short option", "-V", "unknown option -V"},
		{"an upper-case short option for a command", "token -V", "unknown option -V for token"},
		{"combined shorts of both cases", "token -vV", "unknown option -vV for token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normalizeArgs(testApp(), append([]string{"pixivauth"}, strings.Fields(tt.in)...))
			var usage *usageError
			if !errors.As(err, &usage) {
				t.Fatalf("normalizeArgs(%q) = %q, %v; want a usage error", tt.in, got, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("normalizeArgs(%q) error %q; want it to contain %q", tt.in, err, tt.wantMsg)
			}
			if exitCode(err) != exitUsage {
				t.Errorf("exit code %d, want %d", exitCode(err), exitUsage)
			}
			// The error names an option, never a value: a token or a
			// cookie given in the wrong place must not reach stderr.
			for _, secret := range []string{"hNalhGZ8sQ2x", "11111111_abcdef"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats the argument's value", err)
				}
			}
		})
	}
}

// An option can come before its command only because its name takes a
// value, or does not, wherever it appears.
func TestOptionsMeanTheSameEverywhere(t *testing.T) {
	app := testApp()
	takes := map[string]bool{}
	where := map[string]string{}
	check := func(owner string, flags []cli.Flag) {
		for _, f := range flags {
			for _, name := range f.Names() {
				if prev, seen := takes[name]; seen && prev != flagTakesValue(f) {
					t.Errorf("--%s takes a value in %s but not in %s, or the other way round", name, owner, where[name])
				}
				takes[name], where[name] = flagTakesValue(f), owner
			}
		}
	}
	check("the app", app.Flags)
	forEachCommandPath(app.Commands, nil, func(path []*cli.Command) {
		check(commandPath(path), path[len(path)-1].Flags)
	})
}

// TestEveryCommandHasAnActionAndADescription; which options each command
// takes is TestEachCommandListsTheOptionsItUses's (cli_test.go).
func TestEveryCommandHasAnActionAndADescription(t *testing.T) {
	app := testApp()
	forEachCommandPath(app.Commands, nil, func(path []*cli.Command) {
		cmd := path[len(path)-1]
		if cmd.Action == nil {
			t.Errorf("%s has no action", commandPath(path))
		}
		if cmd.Description == "" && len(cmd.Subcommands) == 0 {
			t.Errorf("%s has no description with an example", commandPath(path))
		}
	})
}

func TestNoPasswordOption(t *testing.T) {
	app := testApp()
	forEachCommandPath(app.Commands, nil, func(path []*cli.Command) {
		if hasOption(path[len(path)-1].Flags, "password") {
			t.Errorf("%s takes --password: a password must never come from argv", commandPath(path))
		}
	})
}

func TestGivenOptions(t *testing.T) {
	got := givenOptions([]string{"pixivauth", "token", "--config-dir=/x", "-v", "--", "--proxy"})
	if !got["config-dir"] || !got["v"] || got["proxy"] || len(got) != 2 {
		t.Errorf("givenOptions = %v; want config-dir and v", got)
	}
}

func TestNearest(t *testing.T) {
	names := []string{"refresh", "token", "check", "profiles", "json", "profile", "config-dir", "v"}
	tests := []struct{ typed, want string }{
		{"refrsh", "refresh"},
		{"tokn", "token"},
		{"jsn", "json"},
		{"jason", "json"},
		{"profil", "profile"},
		{"conf", "config-dir"}, // a prefix
		{"bogus", ""},
		{"frobnicate", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := nearest(tt.typed, names); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}
