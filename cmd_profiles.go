package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

func profilesCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "profiles",
		Usage: "list the profiles: user, token expiry, whether a session is stored",
		Description: `Lists the profiles of the config dir that hold a token or a session: the
Pixiv user, when the access token expires, and whether a browser session is
stored for headless logins.

EXAMPLES:
   pixivauth profiles
   pixivauth profiles --json`,
		Flags:  pick(commonFlags(reportFormats), optConfigDir, optVerbose, optPixivServer, optInsecure, optFormat, optJSON),
		Action: bind(readCommon, p.runProfiles),
	}
}

func logoutCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "logout",
		Usage: "delete the profile's tokens and session",
		Description: `Deletes the profile's cached tokens and stored browser session, and the
profile's directory with them, and says what was there. Files in the
directory that pixivauth did not write stay, and so does the directory then
(or when it is a symbolic link). Pixiv's side of the login is untouched: the
refresh token stays valid until Pixiv ends it.

EXAMPLES:
   pixivauth logout
   pixivauth logout --profile work`,
		Flags:  pick(commonFlags(nil), optConfigDir, optProfile, optVerbose, optPixivServer, optInsecure),
		Action: bind(readCommon, p.runLogout),
	}
}

func sessionCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "session",
		Usage: "work with the profile's stored browser session",
		Description: `A login saves the browser's Pixiv cookies in the profile, so that a later
headless login can skip the login form.

EXAMPLES:
   pixivauth session export --output session.json`,
		Subcommands: []*cli.Command{{
			Name:  "export",
			Usage: "print the profile's browser session, to log in headless elsewhere",
			Description: `Prints the Pixiv cookies that the last login left, as the session JSON or a
Netscape cookies.txt: the way to copy a window login to a server. The output
holds the session cookie: treat it as a password.

EXAMPLES:
   pixivauth session export --output session.json        (written 0600)
   pixivauth login --headless --cookies session.json     (on the server)
   pixivauth session export --format cookies.txt --output cookies.txt`,
			Flags: append(pick(commonFlags(sessionFormats), optConfigDir, optProfile, optVerbose, optPixivServer, optInsecure, optFormat, optJSON),
				&cli.StringFlag{Name: optOutput, Usage: "write the session to `FILE`, readable by you alone (0600), instead of stdout"}),
			Action: bind(readSessionExport, p.runSessionExport),
		}},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown session command %q; the one there is: export", c.Args().First())
			}
			return usageErrorf("session needs a command: export")
		},
	}
}

// profileEntry is one profile in profiles --json.
type profileEntry struct {
	Name string `json:"name"`
	// User and ExpiresAt are absent without a cached token.
	User      *exchange.User `json:"user,omitempty"`
	ExpiresAt *time.Time     `json:"expires_at,omitempty"`
	Token     bool           `json:"token"`
	Session   bool           `json:"session"`
}

// profiles is the profiles command.
func (p *program) runProfiles(ctx context.Context, co commonOpts) error {
	o, err := p.setup(ctx, co, reportFormats)
	if err != nil {
		return err
	}
	if o.store == nil {
		return o.noStore()
	}
	list, err := o.store.Profiles()
	if err != nil {
		return err
	}
	entries := []profileEntry{}
	for _, info := range list {
		e := profileEntry{Name: info.Name, Token: info.HasToken, Session: info.HasSession}
		if info.HasToken {
			user, expiry := info.User, info.Expiry.UTC().Truncate(time.Second)
			e.User, e.ExpiresAt = &user, &expiry
		}
		entries = append(entries, e)
	}
	var b bytes.Buffer
	switch {
	case o.format == formatJSON:
		writeJSON(&b, entries)
	case len(entries) == 0:
		fmt.Fprintf(o.stderr, "%s: no profiles in %s; log in with `pixivauth login`\n", programName, o.store.Dir)
	default:
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PROFILE\tUSER\tACCESS TOKEN\tSESSION")
		now := time.Now()
		for _, e := range entries {
			user, expiry, session := "-", "none", "no"
			if e.User != nil {
				user = describeUser(*e.User)
				expiry = "expired " + e.ExpiresAt.Format(time.RFC3339)
				if left := e.ExpiresAt.Sub(now); left > 0 {
					expiry = fmt.Sprintf("until %s (%s)", e.ExpiresAt.Format(time.RFC3339), left.Round(time.Second))
				}
			}
			if e.Session {
				session = "yes"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Name, user, expiry, session)
		}
		_ = w.Flush()
	}
	return o.printResult(b.Bytes())
}

// logout is the logout command.
func (p *program) runLogout(ctx context.Context, co commonOpts) error {
	o, err := p.setup(ctx, co, nil)
	if err != nil {
		return err
	}
	if err := noArguments("logout", co.args, "the profile is --profile NAME"); err != nil {
		return err
	}
	if o.profile == nil {
		return o.noStore()
	}
	ctx, cancel := o.withTimeout()
	defer cancel()
	removed, err := o.profile.Remove(ctx)
	if err != nil {
		return err
	}
	var what []string
	if removed.Token {
		what = append(what, "the tokens")
	}
	if removed.Session {
		what = append(what, "the browser session")
	}
	if removed.Other > 0 {
		what = append(what, "what earlier failures left")
	}
	dir := ", and the profile's directory"
	kept := ""
	if removed.DirKept {
		// Files of the person's own, or a link of theirs: left as they are.
		dir, kept = "", fmt.Sprintf("; kept %s", o.profile.Dir())
		switch removed.Foreign {
		case 0:
		case 1:
			kept += " and the file in it that pixivauth did not write"
		default:
			kept += fmt.Sprintf(" and the %d files in it that pixivauth did not write", removed.Foreign)
		}
	}
	if len(what) == 0 {
		fmt.Fprintf(o.stderr, "%s: profile %q held nothing: nothing to log out of%s\n", programName, o.profile.Name(), kept)
		return nil
	}
	fmt.Fprintf(o.stderr, "%s: logged out of profile %q: deleted %s%s%s\n", programName, o.profile.Name(), strings.Join(what, " and "), dir, kept)
	return nil
}

// sessionExport is the session export command.
// sessionExportOpts are session export's options.
type sessionExportOpts struct {
	commonOpts
	output string // --output FILE; "" or "-" for stdout
}

func readSessionExport(c *cli.Context) sessionExportOpts {
	return sessionExportOpts{commonOpts: readCommon(c), output: c.String(optOutput)}
}

func (p *program) runSessionExport(ctx context.Context, so sessionExportOpts) error {
	co := so.commonOpts
	o, err := p.setup(ctx, co, sessionFormats)
	if err != nil {
		return err
	}
	if err := noArguments("session export", co.args, ""); err != nil {
		return err
	}
	if o.profile == nil {
		return o.noStore()
	}
	s, err := o.profile.LoadSession()
	if errors.Is(err, store.ErrNoSession) {
		where := ""
		if _, statErr := os.Stat(o.store.Dir); errors.Is(statErr, os.ErrNotExist) {
			where = fmt.Sprintf(" (the config dir %s does not exist)", o.store.Dir)
		}
		return needsPersonf("profile %q holds no session%s: log in with `pixivauth login` first", o.profile.Name(), where)
	}
	if err != nil {
		return err
	}
	if dead := s.Check(time.Now()); dead != nil {
		// Exported all the same (the person asked for it), but a server
		// would refuse it.
		o.warnf("the session of profile %q %v: a login with it will fail; log in again with `pixivauth login` first", o.profile.Name(), dead)
	}
	var b bytes.Buffer
	if o.format == formatCookiesTxt {
		if err := session.WriteCookiesTxt(&b, s.Cookies); err != nil {
			return err
		}
	} else {
		writeJSON(&b, s)
	}
	if out := so.output; out != "" && out != "-" {
		if err := writePrivateFile(out, b.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(o.stderr, "%s: wrote the session of profile %q to %s (mode 0600): treat it as a password\n", programName, o.profile.Name(), out)
		return nil
	}
	values := make([]string, len(s.Cookies))
	for i, ck := range s.Cookies {
		values[i] = ck.Value
	}
	return o.printResult(b.Bytes(), values...)
}

// optOutput is session export's file to write instead of stdout.
const optOutput = "output"

// writePrivateFile writes data to path readable by its owner alone (0600),
// whatever the umask, atomically: a temporary file beside it, renamed over
// it, so that no reader ever sees half a session and an old file with
// looser permissions is replaced, not rewritten.
func writePrivateFile(path string, data []byte) (err error) {
	if fi, err := os.Lstat(path); err == nil {
		// The file is replaced by a new one, renamed over it: only a
		// regular file may be (never /dev/null, a pipe, or a link, which
		// would become a file holding the session).
		switch m := fi.Mode(); {
		case m.IsDir():
			return fmt.Errorf("--%s %s is a directory: give the name of a file to write", optOutput, path)
		case !m.IsRegular():
			return fmt.Errorf("--%s %s is %s, not a regular file: give the name of a file to write (without --%s, the session goes to stdout)", optOutput, path, fileKind(m), optOutput)
		}
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--%s %s: the directory %s does not exist: create it first, or write elsewhere", optOutput, path, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("--%s %s: no permission to write in %s: write elsewhere", optOutput, path, dir)
	case err != nil:
		// Neither the OS's words nor the temporary file's name: the path
		// given, and what went wrong.
		return fmt.Errorf("--%s %s: cannot write in %s: %w", optOutput, path, dir, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes it 0600 already; say so for every platform's sake.
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("--%s: %w", optOutput, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("--%s: %w", optOutput, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("--%s: %w", optOutput, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--%s: %w", optOutput, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("--%s: %w", optOutput, err)
	}
	return nil
}

// noStore is the error of a command that needs the config dir and has none.
func (o *options) noStore() error {
	if o.storeErr != nil {
		return o.storeErr
	}
	return usageErrorf("with --pixiv-server, profiles are kept only in a --config-dir given on the command line: give one%s", o.envDirNote())
}

// envDirNote adds, to what a run under --pixiv-server did not read or
// save, that $PIXIVAUTH_CONFIG_DIR was set and why it did not count.
func (o *options) envDirNote() string {
	if !o.envDirIgnored {
		return ""
	}
	return " ($" + envConfigDir + " does not count with --pixiv-server, so that a test double's tokens never land in a real profile)"
}

// fileKind names what a file that is not a regular one is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
