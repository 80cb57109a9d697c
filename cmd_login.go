package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

// Options of the commands that start a browser.
const (
	optBrowser        = "browser"
	optBrowserURL     = "browser-url"
	optBrowserProfile = "browser-profile"
	optHeadless       = "headless"
	optCookies        = "cookies"
	optPHPSESSID      = "phpsessid"
	optPHPSESSIDFile  = "phpsessid-file"
	optUsername       = "username"
	optPasswordStdin  = "password-stdin"
	optPasswordFile   = "password-file"
	optTOTPSecret     = "totp-secret"
	optTOTPSecretFile = "totp-secret-file"
	optNoSaveSession  = "no-save-session"
	optFallbackWindow = "fallback-window"
	optLogin          = "login"
	optVisible        = "visible"
)

func browserFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: optBrowser, EnvVars: []string{"PIXIVAUTH_BROWSER"},
			Usage: "start the Chrome or Chromium at `PATH` (default: one found on this machine)"},
		&cli.StringFlag{Name: optBrowserURL,
			Usage: "attach to a running browser's DevTools at `URL` (ws://… or http://host:9222) instead"},
	}
}

func sessionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: optCookies,
			Usage: "log in with the session in `FILE`: session export's JSON, a cookies.txt, or Cookie-Editor's or EditThisCookie's JSON export"},
		&cli.StringFlag{Name: optPHPSESSID,
			Usage: "log in with the session cookie `VALUE` (also $PIXIV_PHPSESSID)"},
		&cli.StringFlag{Name: optPHPSESSIDFile,
			Usage: "read the session cookie from `FILE` (- for stdin)"},
	}
}

func loginCommand(p *program) *cli.Command {
	flags := append(commonFlags(tokenFormats), browserFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: optBrowserProfile,
			Usage: "use the persistent browser profile in `DIR` (default: a fresh temporary one)"},
		&cli.BoolFlag{Name: optHeadless,
			Usage: "log in without a window, with a stored session, --cookies, --phpsessid or --username"},
	)
	flags = append(flags, sessionFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: optUsername, Usage: "fill the login form with `USER` (pixiv ID or mail)"},
		&cli.BoolFlag{Name: optPasswordStdin, Usage: "read the password from stdin (also $PIXIV_PASSWORD)"},
		&cli.StringFlag{Name: optPasswordFile, Usage: "read the password from `FILE`"},
		&cli.StringFlag{Name: optTOTPSecret,
			Usage: "answer a two-factor prompt with codes from `SECRET` (base32 or otpauth://; also $PIXIV_TOTP_SECRET)"},
		&cli.StringFlag{Name: optTOTPSecretFile, Usage: "read the TOTP secret from `FILE`"},
		&cli.BoolFlag{Name: optNoSaveSession, Usage: "do not save the browser's session in the profile"},
		&cli.BoolFlag{Name: optFallbackWindow,
			Usage: "when a headless login needs a person and there is a display, reopen it in a window"},
	)
	return &cli.Command{
		Name:  "login",
		Usage: "log in with a browser; print and save the tokens and the browser session",
		Description: `Opens Pixiv's login page in Chrome, catches the authorization code the moment
the browser asks for the callback, and exchanges it at once. With a window
(the default) a person logs in; the window waits for them. --headless needs
something to log in with: the profile's stored session (used automatically),
--cookies, --phpsessid, or --username with a password (never on the command
line: --password-stdin, $PIXIV_PASSWORD or --password-file).

EXAMPLES:
   pixivauth login
   pixivauth login --headless
   pixivauth login --headless --cookies session.json
   pixivauth login --headless --username me --password-file ~/.pixiv-password \
       --totp-secret-file ~/.pixiv-totp`,
		Flags:  flags,
		Action: p.login,
	}
}

func demoCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "log in to a built-in Pixiv double with a real browser, and time each step",
		Description: `Starts a Pixiv double on 127.0.0.1 (nothing leaves this machine), logs in to
its demo account headless through the same form filling that --username
uses, exchanges the code, refreshes once, and prints each step's time. It
uses a temporary config dir unless --config-dir is given.

EXAMPLES:
   pixivauth demo
   pixivauth demo --visible`,
		Flags: append(commonFlags(reportFormats),
			&cli.BoolFlag{Name: optVisible, Usage: "show the browser window"},
			browserFlags()[0]),
		Action: p.demo,
	}
}

// login is the login command.
func (p *program) login(c *cli.Context) error {
	o, err := p.setup(c, tokenFormats)
	if err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usageErrorf("login takes no arguments")
	}
	opts, err := o.loginOptions(c, !c.Bool(optHeadless))
	if err != nil {
		return err
	}
	client := o.exchangeClient()
	t, cookies, err := o.browserLogin(o.ctx, opts, client)
	if err != nil && !opts.Visible && c.Bool(optFallbackWindow) && errors.Is(err, capture.ErrNeedsPerson) {
		if hasDisplay() {
			o.warnf("%v; finishing the login in a window", err)
			opts.Visible, opts.LastFailureDir = true, ""
			t, cookies, err = o.browserLogin(o.ctx, opts, client)
		} else {
			o.warnf("--fallback-window: no display to open a window on")
		}
	}
	if err != nil {
		return err
	}
	return o.deliver(t, false, o.saveLogin(t, cookies, !c.Bool(optNoSaveSession)))
}

// checkLogin is check --login: a headless login with the stored (or given)
// session, reported like a refresh.
func (p *program) checkLogin(c *cli.Context, o *options) error {
	if c.NArg() > 0 {
		return usageErrorf("check --login takes no refresh token")
	}
	opts, err := o.loginOptions(c, false)
	if err != nil {
		return err
	}
	// Pixiv's latency here is the code exchange: from the code's capture
	// to the tokens' arrival.
	var captured, received time.Time
	progress := opts.Progress
	opts.Progress = func(s capture.Step) {
		switch s.Name {
		case capture.StepCodeCaptured:
			captured = s.Time
		case stepTokensReceived:
			received = s.Time
		}
		if progress != nil {
			progress(s)
		}
	}
	t, cookies, err := o.browserLogin(o.ctx, opts, o.exchangeClient())
	if err != nil {
		return err
	}
	var latency time.Duration
	if !captured.IsZero() {
		latency = received.Sub(captured)
	}
	saveErr := o.saveLogin(t, cookies, true)
	if err := o.printCheck(t, latency); err != nil {
		return err
	}
	return saveErr
}

// loginOptions reads and checks everything a browser login is given, so
// that a mistake ends the run before a browser starts. visible is a window
// for a person; otherwise the login is headless and must have a session or
// credentials to log in with.
func (o *options) loginOptions(c *cli.Context, visible bool) (capture.Options, error) {
	opts := o.browserOptions()
	opts.Visible = visible
	opts.Browser = c.String(optBrowser)
	opts.BrowserURL = c.String(optBrowserURL)
	opts.ProfileDir = c.String(optBrowserProfile)

	var err error
	if c.IsSet(optUsername) {
		if opts.Username, err = checkSecret("--"+optUsername, c.String(optUsername)); err != nil {
			return opts, err
		}
	}
	if opts.Password, err = o.password(c, opts.Username != ""); err != nil {
		return opts, err
	}
	if opts.Username != "" && opts.Password == "" && !visible {
		return opts, usageErrorf("--username needs a password for a headless login: --%s, $%s or --%s",
			optPasswordStdin, envPassword, optPasswordFile)
	}
	if opts.TOTPSecret, _, err = o.secretFrom(c, optTOTPSecret, optTOTPSecretFile, envTOTPSecret); err != nil {
		return opts, err
	}
	if opts.TOTPSecret != "" {
		// A secret that makes no code is a mistake to report now, not at
		// the two-factor prompt after a browser start and a login.
		if _, err := capture.TOTPCode(opts.TOTPSecret, time.Now()); err != nil {
			return opts, usageErrorf("%v", err)
		}
	}

	// Credentials name the account to log in to: a stored session, which
	// may be another's, is not used with them.
	cookies, from, err := o.sessionCookies(c, opts.Username == "")
	if err != nil {
		return opts, err
	}
	opts.Cookies = cookies
	dead := (&session.Session{Cookies: cookies}).Check(time.Now())
	if !visible && opts.Username == "" && dead != nil {
		if from != "" && errors.Is(dead, session.ErrNoSessionCookie) {
			return opts, usageErrorf("the session from %s %v: export the cookies of www.pixiv.net from a browser that is logged in to Pixiv",
				from, dead)
		}
		if from != "" {
			return opts, needsPersonf("the session from %s %v: log in again with a window (`pixivauth login`), or give --%s with a password",
				from, dead, optUsername)
		}
		return opts, usageErrorf("a headless login needs something to log in with: a session stored by an earlier login, --%s FILE, --%s, or --%s with a password",
			optCookies, optPHPSESSID, optUsername)
	}
	if !visible && o.profile != nil {
		opts.LastFailureDir = o.profile.LastFailureDir()
	}
	return opts, nil
}

// password reads the password: --password-stdin, --password-file, or
// $PIXIV_PASSWORD, which means nothing without a username to go with it.
func (o *options) password(c *cli.Context, haveUser bool) (string, error) {
	switch {
	case !haveUser && (c.Bool(optPasswordStdin) || c.IsSet(optPasswordFile)):
		return "", usageErrorf("a password needs --%s", optUsername)
	case !haveUser:
		return "", nil
	case c.Bool(optPasswordStdin):
		return o.readSecretFile("--"+optPasswordStdin, "-")
	case c.IsSet(optPasswordFile):
		return o.readSecretFile("--"+optPasswordFile, c.String(optPasswordFile))
	}
	if v, ok := os.LookupEnv(envPassword); ok {
		return checkSecret("$"+envPassword, v)
	}
	return "", nil
}

// sessionCookies are the cookies to start the browser with: those given
// (--cookies, and --phpsessid or its file or $PIXIV_PHPSESSID), else the
// profile's stored session if useStored. from names where they came from.
func (o *options) sessionCookies(c *cli.Context, useStored bool) (cookies []session.Cookie, from string, err error) {
	if c.IsSet(optCookies) {
		from = "--" + optCookies
		data, err := o.readInput(from, c.String(optCookies))
		if err != nil {
			return nil, "", err
		}
		s, err := session.ParseFile(data)
		if err != nil {
			return nil, "", usageErrorf("%s: %v", from, err)
		}
		if len(s.Cookies) == 0 {
			return nil, "", usageErrorf("%s holds no cookie of %s", from, strings.TrimPrefix(pixiv.CookieDomain, "."))
		}
		cookies = s.Cookies
	}
	sessid, source, err := o.secretFrom(c, optPHPSESSID, optPHPSESSIDFile, envPHPSESSID)
	if err != nil {
		return nil, "", err
	}
	if sessid != "" {
		kept := cookies[:0:0]
		for _, ck := range cookies {
			if ck.Name != pixiv.SessionCookie {
				kept = append(kept, ck)
			}
		}
		cookies = append(kept, session.Cookie{Name: pixiv.SessionCookie, Value: sessid,
			Domain: pixiv.CookieDomain, Path: "/", Secure: true, HTTPOnly: true})
		from = strings.TrimPrefix(from+" and "+source, " and ")
	}
	if from != "" {
		o.logf("logging in with the session from %s", from)
		return cookies, from, nil
	}
	if o.profile == nil || !useStored {
		return nil, "", nil
	}
	s, err := o.profile.LoadSession()
	switch {
	case errors.Is(err, store.ErrNoSession):
		return nil, "", nil
	case err != nil:
		o.warnf("cannot read the stored session: %v", err)
		return nil, "", nil
	}
	from = fmt.Sprintf("profile %q (saved %s)", o.profile.Name(), s.SavedAt.Local().Format(time.DateTime))
	o.logf("logging in with the session stored in %s", from)
	return s.Cookies, from, nil
}

// stepTokensReceived is the step after capture's last: the code exchanged.
const stepTokensReceived = "tokens received"

// browserLogin runs one browser login and exchanges its code the moment it
// arrives: the code lives for seconds, so nothing comes between the two.
// It returns the tokens and the browser's cookies, for saving the session.
func (o *options) browserLogin(ctx context.Context, opts capture.Options, client *exchange.Client) (*exchange.Token, []session.Cookie, error) {
	verifier := exchange.NewVerifier()
	opts.LoginURL = exchange.LoginURL(verifier)
	l, err := capture.Start(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	stopNotice := func() {}
	if opts.Visible {
		stopNotice = o.waitForPerson(opts.Timeout)
	}
	code, err := l.Code(ctx)
	stopNotice()
	if err != nil {
		return nil, nil, err
	}
	// The exchange has a deadline of its own: the browser's timeout has
	// done its work, and an answer whose body never ends must not hold
	// the run forever.
	xctx, cancel := o.withTimeout()
	defer cancel()
	t, err := client.Exchange(xctx, code, verifier)
	if err != nil {
		return nil, nil, err
	}
	if opts.Progress != nil {
		opts.Progress(capture.Step{Name: stepTokensReceived, Time: time.Now()})
	}
	cookies, err := l.Cookies(ctx)
	if err != nil {
		o.warnf("cannot read the browser's cookies, so its session is not saved: %v", err)
	}
	return t, cookies, nil
}

// saveLogin saves a login's tokens and, if saveSession, the browser's
// session (its Pixiv cookies). A profile that holds another user keeps its
// session as well as its token.
func (o *options) saveLogin(t *exchange.Token, cookies []session.Cookie, saveSession bool) error {
	saved, err := o.saveToken(t, false)
	if !saveSession || len(session.PixivOnly(cookies)) == 0 {
		return err
	}
	if o.profile == nil {
		return errors.Join(err, o.notSaved("the session"))
	}
	if !saved {
		return err
	}
	if serr := o.profile.SaveSession(&session.Session{Cookies: cookies}); serr != nil {
		return errors.Join(err, &saveError{serr})
	}
	o.logf("saved the browser session in profile %q", o.profile.Name())
	return err
}

// hasDisplay reports whether a window can be opened here.
func hasDisplay() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// waitForPerson tells the person at the window what to do and, when stderr
// is a terminal, shows how long the window has waited, until the returned
// func is called. A log gets the one line, never the ticking.
func (o *options) waitForPerson(timeout time.Duration) (stop func()) {
	if timeout <= 0 {
		timeout = capture.DefaultWindowTimeout
	}
	fmt.Fprintf(o.stderr, "%s: log in to Pixiv in the browser window; pixivauth takes over the moment you are in (gives up after %s; Ctrl-C to stop)\n",
		programName, timeout)
	if !isTerminal(o.stderr) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(o.stderr, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprintf(o.stderr, "\r\033[Kwaiting for the login in the window: %s", time.Since(start).Round(time.Second))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// isTerminal reports whether w is a terminal, where a person watches.
func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
