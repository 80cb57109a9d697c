package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
// Without it, the module version or VCS revision the binary was built from
// is used.
var version = ""

func versionCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version (also --version)",
		Description: `Prints pixivauth's version, the Go it was built with, and the OS and
architecture it was built for.

EXAMPLES:
   pixivauth version
   pixivauth --version --json`,
		Flags:  pick(commonFlags(reportFormats), optVerbose, optFormat, optJSON),
		Action: bind(readCommon, p.runVersion),
	}
}

// versionInfo is what version prints.
type versionInfo struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

func currentVersion() versionInfo {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 && (v == "" || v == "(devel)") {
				v = "devel-" + s.Value[:12]
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return versionInfo{Version: v, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// printVersion is the version command and the --version option.
func (p *program) runVersion(ctx context.Context, co commonOpts) error {
	o, err := p.setup(ctx, co, reportFormats)
	if err != nil {
		return err
	}
	if err := noArguments("version", co.args, ""); err != nil {
		return err
	}
	v := currentVersion()
	var b bytes.Buffer
	if o.format == formatJSON {
		writeJSON(&b, v)
	} else {
		fmt.Fprintf(&b, "%s %s (%s, %s/%s)\n", programName, strings.TrimSpace(v.Version), v.Go, v.OS, v.Arch)
	}
	return o.printResult(b.Bytes())
}
