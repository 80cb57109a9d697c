package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/browsercookies"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
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
	optChooseAccount  = "choose-account"
	optLogin          = "login"
	optVisible        = "visible"
	// optCookiesFromBrowser reads the session from a desktop browser's store.
	optCookiesFromBrowser = "cookies-from-browser"
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
		&cli.StringFlag{Name: optCookiesFromBrowser,
			Usage: "log in with the Pixiv session of your desktop browser: `BROWSER[:PROFILE]`, BROWSER chrome, chromium, edge, brave or firefox, PROFILE a name or a directory (default: the browser's last used)"},
		&cli.StringFlag{Name: optPHPSESSID,
			Usage: "log in with the session cookie `VALUE` (also $PIXIV_PHPSESSID)"},
		&cli.StringFlag{Name: optPHPSESSIDFile,
			Usage: "read the session cookie from `FILE` (- for stdin)"},
		noBrowserFlag(), // cmd_login_http.go
	}
}

func loginCommand(p *program) *cli.Command {
	flags := append(timeoutDefault(commonFlags(tokenFormats), "60s headless, 5m with a window"), browserFlags()...)
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
		&cli.BoolFlag{Name: optChooseAccount,
			Usage: "in a window, let the person choose the account instead of continuing with the stored session"},
	)
	return &cli.Command{
		Name:  "login",
		Usage: "log in with a browser; print and save the tokens and the browser session",
		Description: `Opens Pixiv's login page in Chrome, catches the authorization code the moment
the browser asks for the callback, and exchanges it at once. With a window
(the default) a person logs in; the window waits for them. --headless needs
something to log in with: the profile's stored session (used automatically),
--cookies, --phpsessid, or --username with a password (never on the command
line: --password-stdin, $PIXIV_PASSWORD or --password-file). A session login
goes over plain HTTP first and starts a browser only when Pixiv answers
with something unexpected; --no-browser never starts one.

EXAMPLES:
   pixivauth login
   pixivauth login --headless
   pixivauth login --headless --cookies-from-browser firefox
   pixivauth login --headless --cookies session.json
   pixivauth login --no-browser --cookies session.json   # plain HTTP, no browser
   pixivauth login --headless --username me --password-file ~/.pixiv-password \
       --totp-secret-file ~/.pixiv-totp`,
		Flags:  flags,
		Action: bind(readLogin, p.runLogin),
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
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: optConfigDir,
				Usage: "keep the demo's tokens and session in `DIR` (default: a temporary dir, removed at the end)"}},
			append(pick(timeoutDefault(commonFlags(reportFormats), "60s for the login, 5m with --visible"), optTimeout, optVerbose, optFormat, optJSON),
				&cli.BoolFlag{Name: optVisible, Usage: "show the browser window"},
				browserFlags()[0])...),
		Action: bind(readDemo, p.runDemo),
	}
}

// unquotedProfile explains the arguments of a login whose
// --cookies-from-browser names a profile, where the shell split a profile
// name with spaces ("Profile 1") for want of quotes; "" otherwise.
func unquotedProfile(lo loginOpts) string {
	if len(lo.args) == 0 || !strings.Contains(lo.session.fromBrowser.value, ":") {
		return ""
	}
	whole := lo.session.fromBrowser.value + " " + strings.Join(lo.args, " ")
	return fmt.Sprintf("a browser profile whose name has spaces needs quotes: --%s %q", optCookiesFromBrowser, whole)
}

// runLogin is the login command.
func (p *program) runLogin(ctx context.Context, lo loginOpts) error {
	o, err := p.setup(ctx, lo.commonOpts, tokenFormats)
	if err != nil {
		return err
	}
	if err := noArguments("login", lo.args, unquotedProfile(lo)); err != nil {
		return err
	}
	if err := checkNoBrowser(lo); err != nil {
		return err
	}
	if err := checkWindowOptions(lo); err != nil {
		return err
	}
	if o.profile != nil {
		// A config dir that cannot be used is said before a browser opens
		// and a person logs in there, not after, when the session is lost.
		if err := o.profile.Usable(); err != nil {
			return err
		}
	}
	opts, in, err := o.loginOptions(lo, !lo.headless && !lo.session.noBrowser)
	if err != nil {
		return err
	}
	saveSession := !lo.noSaveSession
	client := o.exchangeClient()
	canFallBack := lo.fallbackWindow && !opts.Visible && hasDisplay()
	if lo.fallbackWindow && !opts.Visible && !canFallBack {
		// Said before the login, not after it failed: the person can stop
		// it now rather than learn at the end why no window opened.
		o.warnf("--fallback-window: there is no display here ($DISPLAY and $WAYLAND_DISPLAY are unset), so if the login needs a person it ends instead of opening a window")
	}
	res, err := o.browserLogin(o.ctx, opts, in, client, saveSession, lo.session.noBrowser)
	if err != nil && canFallBack && (errors.Is(err, capture.ErrNeedsPerson) || errors.Is(err, reason.SessionExpired)) {
		why := string(reason.Of(err))
		if why == "" {
			why = "a person must act"
		}
		fmt.Fprintf(o.stderr, "%s: the headless login stopped (%s): finishing it in a window (--fallback-window)\n", programName, why)
		opts.Visible, opts.LastFailureDir = true, ""
		res, err = o.browserLogin(o.ctx, opts, in, client, saveSession, false)
	}
	if res.Token == nil {
		return err
	}
	return o.deliver(res.Token, false, err)
}

// checkLogin is check --login: a headless login with the stored (or given)
// session, reported like a refresh.
func (p *program) checkLogin(o *options, lo loginOpts) error {
	if len(lo.args) > 0 {
		return usageErrorf("check --login takes no refresh token")
	}
	if err := checkNoBrowser(lo); err != nil {
		return err
	}
	opts, in, err := o.loginOptions(lo, false)
	if err != nil {
		return err
	}
	res, err := o.browserLogin(o.ctx, opts, in, o.exchangeClient(), true, lo.session.noBrowser)
	if res.Token == nil {
		return err
	}
	// Pixiv's latency here is the code exchange: from the code's capture
	// to the tokens' arrival.
	if perr := o.printCheck(res.Token, res.TokensAt.Sub(res.CodeAt)); perr != nil {
		return perr
	}
	return err
}

// loginOptions reads and checks everything a browser login is given, so
// that a mistake ends the run before a browser starts. visible is a window
// for a person; otherwise the login is headless and must have a session or
// credentials to log in with.
func (o *options) loginOptions(lo loginOpts, visible bool) (capture.Options, auth.Input, error) {
	opts, err := o.loginOptionsOf(lo, visible)
	in := auth.Input{Cookies: opts.Cookies, Username: opts.Username, Password: opts.Password, TOTPSecret: opts.TOTPSecret}
	return opts, in, err
}

// isDevToolsAddress reports whether s is an address chromedp can attach
// to: ws(s):// or http(s):// with a host and a port.
func isDevToolsAddress(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" || u.Port() == "" {
		return false
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
		return true
	}
	return false
}

func (o *options) loginOptionsOf(lo loginOpts, visible bool) (capture.Options, error) {
	opts := o.browserOptions()
	opts.Visible = visible
	opts.Browser = lo.browser
	opts.BrowserURL = lo.browserURL
	opts.ProfileDir = lo.browserProfile
	opts.ChooseAccount = lo.chooseAccount
	opts.EmailCode = o.emailCodePrompt()
	if opts.BrowserURL != "" && !isDevToolsAddress(opts.BrowserURL) {
		// Not echoed: a DevTools address can carry a password or token.
		return opts, usageErrorf("--%s is not a DevTools address: give ws://HOST:PORT/devtools/browser/… or http://HOST:PORT (the port of Chrome's --remote-debugging-port)", optBrowserURL)
	}
	if opts.BrowserURL != "" && o.server != "" {
		// Host routing is a flag of a browser pixivauth starts: an attached
		// one would send the login, and a real code, to Pixiv itself.
		return opts, usageErrorf("--%s cannot be used with --%s: the double's host routing reaches only a browser pixivauth starts", optBrowserURL, optPixivServer)
	}
	if opts.ProfileDir != "" {
		if opts.BrowserURL != "" {
			return opts, usageErrorf("--%s and --%s cannot be used together: an attached browser has its own profile", optBrowserProfile, optBrowserURL)
		}
		// A file there would make Chromium fall back to the person's own
		// profile: refuse it before anything starts (issue 9.2).
		if err := capture.CheckProfileDir(opts.ProfileDir); err != nil {
			return opts, usageErrorf("--%s: %v", optBrowserProfile, err)
		}
	}

	var err error
	if lo.username.set {
		if opts.Username, err = checkSecret("--"+optUsername, lo.username.value); err != nil {
			return opts, err
		}
	}
	if opts.Password, err = o.password(lo, opts.Username != ""); err != nil {
		return opts, err
	}
	if opts.Username != "" && opts.Password == "" && !visible {
		return opts, usageErrorf("--username needs a password for a headless login: --%s, $%s or --%s",
			optPasswordStdin, envPassword, optPasswordFile)
	}
	if opts.TOTPSecret, _, err = o.secretFrom(lo.totpSecret, optTOTPSecret, lo.totpSecretFile, optTOTPSecretFile, envTOTPSecret); err != nil {
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
	cookies, from, err := o.sessionCookies(lo.session, opts.Username == "")
	if err != nil {
		return opts, err
	}
	opts.Cookies = cookies
	o.sessionFrom = from
	dead := (&session.Session{Cookies: cookies}).Check(time.Now())
	if !visible && opts.Username == "" && dead != nil {
		if from != "" && errors.Is(dead, session.ErrNoSessionCookie) {
			return opts, usageErrorf("the session from %s %v: export the cookies of www.pixiv.net from a browser that is logged in to Pixiv",
				from, dead)
		}
		if from != "" {
			// The hint is the command's (commandHints): a window, or a
			// password where the command takes one. A file was exported
			// somewhere: a fresh export is the server's way out.
			again := ""
			if strings.HasPrefix(from, "--"+optCookies) {
				again = " (export a fresh one where you log in: `pixivauth session export`)"
			}
			return opts, reason.Mark(fmt.Errorf("the session from %s %w%s", from, dead, again), reason.SessionExpired)
		}
		if lo.session.noBrowser {
			return opts, usageErrorf("a login with --%s needs a session: one stored by an earlier login, --%s FILE, --%s BROWSER or --%s",
				optNoBrowser, optCookies, optCookiesFromBrowser, optPHPSESSID)
		}
		if o.command == "check" { // check has no --username
			return opts, usageErrorf("check --login needs a session: one stored by an earlier `pixivauth login`, --%s FILE, --%s BROWSER or --%s",
				optCookies, optCookiesFromBrowser, optPHPSESSID)
		}
		return opts, usageErrorf("a headless login needs something to log in with: a session stored by an earlier login, --%s FILE, --%s BROWSER, --%s, or --%s with a password",
			optCookies, optCookiesFromBrowser, optPHPSESSID, optUsername)
	}
	if !visible && o.profile != nil {
		opts.LastFailureDir = o.profile.LastFailureDir()
	}
	return opts, nil
}

// password reads the password: --password-stdin, --password-file, or
// $PIXIV_PASSWORD, which means nothing without a username to go with it.
func (o *options) password(lo loginOpts, haveUser bool) (string, error) {
	switch {
	case !haveUser && (lo.passwordStdin || lo.passwordFile.set):
		return "", usageErrorf("a password needs --%s", optUsername)
	case !haveUser:
		return "", nil
	case lo.passwordStdin && lo.passwordFile.set:
		return "", usageErrorf("--%s and --%s both give the password: give one of them", optPasswordStdin, optPasswordFile)
	case lo.passwordStdin:
		if fd, ok := o.terminalIn(); ok {
			return o.promptPassword(fd, lo.username.value)
		}
		return o.readSecretFile("--"+optPasswordStdin, "-")
	case lo.passwordFile.set:
		return o.readSecretFile("--"+optPasswordFile, lo.passwordFile.value)
	}
	if v, ok := o.deps.secretEnv[envPassword]; ok {
		return checkSecret("$"+envPassword, v)
	}
	if fd, ok := o.terminalIn(); ok && lo.headless {
		// No source given, and a person at the terminal: ask.
		return o.promptPassword(fd, lo.username.value)
	}
	return "", nil
}

// sessionCookies are the cookies to start the browser with: those given
// (--cookies or --cookies-from-browser, or else --phpsessid or its file or
// $PIXIV_PHPSESSID), else the profile's stored session if useStored. from
// names where they came from. Two options that give a session are a usage
// error; an option wins over $PIXIV_PHPSESSID.
func (o *options) sessionCookies(so sessionOpts, useStored bool) (cookies []session.Cookie, from string, err error) {
	if so.cookies.set && so.fromBrowser.set {
		return nil, "", usageErrorf("--%s and --%s both give a session: give one", optCookies, optCookiesFromBrowser)
	}
	given, other := optCookiesFromBrowser, optPHPSESSIDFile
	if so.cookies.set {
		given = optCookies
	}
	if so.phpsessid.set {
		other = optPHPSESSID
	}
	if (so.cookies.set || so.fromBrowser.set) && (so.phpsessid.set || so.phpsessidFile.set) {
		return nil, "", usageErrorf("--%s and --%s both give a session: give one", given, other)
	}
	if so.fromBrowser.set {
		if cookies, from, err = o.browserCookies(so.fromBrowser.value); err != nil {
			return nil, "", err
		}
	}
	if so.cookies.set {
		from = "--" + optCookies
		data, err := o.readInput(from, so.cookies.value)
		if err != nil {
			return nil, "", err
		}
		const export = "export the cookies of www.pixiv.net from a browser that is logged in to Pixiv"
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, "", usageErrorf("%s is empty: %s", from, export)
		}
		s, err := session.ParseFile(data)
		if err != nil {
			return nil, "", usageErrorf("%s: %v", from, err)
		}
		if len(s.Cookies) == 0 {
			return nil, "", usageErrorf("%s holds no cookie of %s: %s", from, strings.TrimPrefix(pixiv.CookieDomain, "."), export)
		}
		cookies = s.Cookies
	}
	var sessid, source string
	if from == "" {
		sessid, source, err = o.secretFrom(so.phpsessid, optPHPSESSID, so.phpsessidFile, optPHPSESSIDFile, envPHPSESSID)
		if err != nil {
			return nil, "", err
		}
	} else if _, ok := o.deps.secretEnv[envPHPSESSID]; ok {
		// An option wins over the environment: a variable left over in
		// the shell must not replace the session asked for.
		o.logf("$%s is not used: --%s gives the session", envPHPSESSID, given)
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

// browserCookies reads the Pixiv session of the desktop browser profile
// spec names (BROWSER[:PROFILE]).
func (o *options) browserCookies(spec string) ([]session.Cookie, string, error) {
	s, err := browsercookies.ParseSpec(spec)
	if err != nil {
		return nil, "", err
	}
	p, err := browsercookies.Find(s)
	if err != nil {
		return nil, "", err
	}
	cookies, err := p.Cookies(o.ctx, browsercookies.Options{Logf: o.logf})
	if err != nil {
		return nil, "", err
	}
	return cookies, p.String(), nil
}

// browserLogin runs one login with the browser (or the run's fake, in
// tests) through auth.Login, which exchanges the code the moment it
// arrives and saves the tokens and, if saveSession, the session. A result
// with tokens may come with an error: they could not be saved.
func (o *options) browserLogin(ctx context.Context, opts capture.Options, in auth.Input, client *exchange.Client, saveSession, noBrowser bool) (auth.Result, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = capture.DefaultHeadlessTimeout
		if opts.Visible {
			opts.Timeout = capture.DefaultWindowTimeout
		}
	}
	var coder auth.Coder = auth.Browser{Options: opts}
	if o.deps.coder != nil {
		coder = o.deps.coder
	}
	if opts.Visible {
		coder = windowNotice{Coder: coder, o: o, timeout: opts.Timeout, choose: opts.ChooseAccount}
	}
	// The browser accepts any certificate from here on: said before it
	// connects (an HTTP request says it as it dials), and never on a
	// usage error, which ends the run before this.
	o.warnInsecure()
	res, err := auth.Login(ctx, auth.Config{
		Input:       in,
		Coders:      o.coders(opts, coder, client, noBrowser), // cmd_login_http.go
		Client:      client,
		Profile:     o.profile,
		SaveSession: saveSession,
		Timeout:     opts.Timeout,
		Progress:    opts.Progress,
		Logf:        o.stepLogf(),
	})
	if res.Token == nil {
		if errors.Is(err, reason.SessionExpired) && o.sessionFrom != "" {
			// Which session Pixiv refused: a variable left in the shell
			// can be what ended, not the stored session.
			err = fmt.Errorf("the session from %s: %w", o.sessionFrom, err)
		}
		return res, err
	}
	err = o.saveErr(err)
	if o.profile == nil {
		err = errors.Join(err, o.notSaved("the tokens"))
		if saveSession && len(res.Cookies) > 0 {
			err = errors.Join(err, o.notSaved("the session"))
		}
	}
	return res, err
}

// windowNotice tells the person at the window what to do while the code
// is awaited.
type windowNotice struct {
	auth.Coder
	o       *options
	timeout time.Duration
	// choose: the person picks the account (--choose-account), even
	// with a session.
	choose bool
}

// KeepsOwnTimer: the window's login ends at its timeout by itself
// (auth.OwnTimer), saying that the window timed out.
func (w windowNotice) KeepsOwnTimer() {}

func (w windowNotice) Start(ctx context.Context, loginURL string, in auth.Input) (auth.Attempt, error) {
	a, err := w.Coder.Start(ctx, loginURL, in)
	if err != nil {
		return nil, err
	}
	// With a session the window goes on by itself, unless the person is
	// to choose the account: they need only act if Pixiv asks.
	what := "log in to Pixiv in the browser window"
	if len(session.PixivOnly(in.Cookies)) > 0 && !w.choose {
		what = "the browser window goes on with the stored session; if Pixiv asks for anything, answer it there"
	}
	return &noticeAttempt{Attempt: a, stop: sync.OnceFunc(w.o.waitForPerson(what, w.timeout))}, nil
}

type noticeAttempt struct {
	auth.Attempt
	stop func()
}

func (a *noticeAttempt) Code(ctx context.Context) (string, error) {
	defer a.stop()
	return a.Attempt.Code(ctx)
}

func (a *noticeAttempt) Close() error {
	a.stop()
	return a.Attempt.Close()
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
func (o *options) waitForPerson(what string, timeout time.Duration) (stop func()) {
	if timeout <= 0 {
		timeout = capture.DefaultWindowTimeout
	}
	fmt.Fprintf(o.stderr, "%s: %s; pixivauth takes over the moment you are in (gives up after %s; Ctrl-C to stop)\n",
		programName, what, timeout)
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
