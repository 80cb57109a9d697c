package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// manCommandName is the hidden command that prints the man page, for
// `make man` and packagers: pixivauth.1 is made from the same command
// definitions as --help, so the two cannot drift apart.
const manCommandName = "__man"

func manCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:   manCommandName,
		Hidden: true,
		Action: func(c *cli.Context) error {
			page, err := manPage(c.App)
			if err != nil {
				return err
			}
			_, err = io.WriteString(p.stdout, page)
			return err
		},
	}
}

// manPage renders app as a section 1 man page with urfave/cli's ToMan. The
// help texts are made for a terminal, so they are first made Markdown, which
// ToMan reads: a heading line ("EXAMPLES:") becomes a section, an indented
// block a literal one; each command's description goes with it, which ToMan
// would otherwise leave out.
func manPage(app *cli.App) (string, error) {
	app.Description = markdownOf(app.Description, "#")
	forEachCommandPath(app.VisibleCommands(), nil, func(path []*cli.Command) {
		cmd := path[len(path)-1]
		synopsis := programName + " " + commandPath(path)
		if len(cmd.VisibleFlags()) > 0 {
			synopsis += " [options]"
		}
		if cmd.ArgsUsage != "" {
			synopsis += " " + cmd.ArgsUsage
		}
		// ToMan sets a multi-line UsageText as a literal block.
		cmd.UsageText = synopsis
		if cmd.Description != "" {
			cmd.UsageText += "\n\n" + cmd.Description
		}
	})
	page, err := app.ToManWithSection(1)
	if err != nil {
		return "", fmt.Errorf("making the man page: %w", err)
	}
	return page, nil
}

// markdownOf turns a help text into Markdown: a line of capitals ending in
// ':' becomes a heading of the given level, and the lines indented under it
// a literal block.
func markdownOf(help, heading string) string {
	var b strings.Builder
	inBlock := false
	for _, line := range strings.Split(help, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(trimmed, ":") && trimmed == strings.ToUpper(trimmed) && trimmed != ":" && !strings.HasPrefix(line, " "):
			fmt.Fprintf(&b, "\n%s %s\n\n", heading, strings.TrimSuffix(trimmed, ":"))
			inBlock = false
		case strings.HasPrefix(line, "   ") && trimmed != "":
			if !inBlock {
				b.WriteString("\n")
				inBlock = true
			}
			b.WriteString("    " + strings.TrimPrefix(line, "   ") + "\n")
		default:
			if inBlock && trimmed != "" {
				b.WriteString("\n")
			}
			inBlock = inBlock && trimmed == ""
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
