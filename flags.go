package main

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"
)

// Every command reads its options here, once, into a struct of its own, and
// runs with that struct: below the readers, nothing sees a *cli.Context.
// (args.go, which bends urfave/cli so that options work anywhere, runs
// before any of this.)

// bind is a command's Action: read reads the command's options from the
// command line, then run runs the command with them.
func bind[O any](read func(*cli.Context) O, run func(context.Context, O) error) cli.ActionFunc {
	return func(c *cli.Context) error { return run(c.Context, read(c)) }
}

// opt is a string option's value and whether the command line (or the
// option's environment variable) set it: "--username ”" is set and empty.
type opt struct {
	value string
	set   bool
}

func readOpt(c *cli.Context, name string) opt { return opt{c.String(name), c.IsSet(name)} }

// commonOpts are the options every command takes (see commonFlags), with
// the command's name and arguments.
type commonOpts struct {
	command string // "refresh"; "" for the app itself
	args    []string

	configDir opt // --config-dir, or $PIXIVAUTH_CONFIG_DIR
	profile   string
	timeout   time.Duration
	verbose   bool
	server    string // --pixiv-server
	insecure  bool
	proxy     string
	format    string
	json      bool
}

func readCommon(c *cli.Context) commonOpts {
	o := commonOpts{
		args:      c.Args().Slice(),
		configDir: readOpt(c, optConfigDir),
		profile:   c.String(optProfile),
		timeout:   c.Duration(optTimeout),
		verbose:   c.Bool(optVerbose),
		server:    c.String(optPixivServer),
		insecure:  c.Bool(optInsecure),
		proxy:     c.String(optProxy),
		format:    c.String(optFormat),
		json:      c.Bool(optJSON),
	}
	if c.Command != nil {
		o.command = c.Command.Name
	}
	return o
}

// sessionOpts are the options that give a session to log in with.
type sessionOpts struct {
	cookies       opt // --cookies FILE
	fromBrowser   opt // --cookies-from-browser BROWSER[:PROFILE]
	phpsessid     opt
	phpsessidFile opt
	noBrowser     bool // --no-browser: the browserless login only
}

func readSession(c *cli.Context) sessionOpts {
	return sessionOpts{
		cookies:       readOpt(c, optCookies),
		fromBrowser:   readOpt(c, optCookiesFromBrowser),
		phpsessid:     readOpt(c, optPHPSESSID),
		phpsessidFile: readOpt(c, optPHPSESSIDFile),
		noBrowser:     c.Bool(optNoBrowser),
	}
}

// browserOpts are the options that choose the browser.
type browserOpts struct {
	browser    string
	browserURL string
}

func readBrowser(c *cli.Context) browserOpts {
	return browserOpts{browser: c.String(optBrowser), browserURL: c.String(optBrowserURL)}
}

// loginOpts are login's options.
type loginOpts struct {
	commonOpts
	browserOpts
	session        sessionOpts
	browserProfile string
	headless       bool
	username       opt
	passwordStdin  bool
	passwordFile   opt
	totpSecret     opt
	totpSecretFile opt
	noSaveSession  bool
	fallbackWindow bool
	chooseAccount  bool
}

func readLogin(c *cli.Context) loginOpts {
	return loginOpts{
		commonOpts:     readCommon(c),
		browserOpts:    readBrowser(c),
		session:        readSession(c),
		browserProfile: c.String(optBrowserProfile),
		headless:       c.Bool(optHeadless),
		username:       readOpt(c, optUsername),
		passwordStdin:  c.Bool(optPasswordStdin),
		passwordFile:   readOpt(c, optPasswordFile),
		totpSecret:     readOpt(c, optTOTPSecret),
		totpSecretFile: readOpt(c, optTOTPSecretFile),
		noSaveSession:  c.Bool(optNoSaveSession),
		fallbackWindow: c.Bool(optFallbackWindow),
		chooseAccount:  c.Bool(optChooseAccount),
	}
}

// refreshOpts are refresh's options; token takes only the common ones.
type refreshOpts struct {
	commonOpts
	refreshTokenFile opt
}

func readRefresh(c *cli.Context) refreshOpts {
	return refreshOpts{commonOpts: readCommon(c), refreshTokenFile: readOpt(c, optRefreshTokenFile)}
}

// checkOpts are check's options: refresh's, and those of --login's
// headless login.
type checkOpts struct {
	refreshOpts
	login bool
	// loginOpts holds the browser and session options of check --login.
	loginOpts loginOpts
}

func readCheck(c *cli.Context) checkOpts {
	o := checkOpts{refreshOpts: readRefresh(c), login: c.Bool(optLogin)}
	o.loginOpts = loginOpts{
		commonOpts:  o.commonOpts,
		browserOpts: readBrowser(c),
		session:     readSession(c),
		headless:    true,
	}
	return o
}

// demoOpts are demo's options.
type demoOpts struct {
	commonOpts
	browser string
	visible bool
}

func readDemo(c *cli.Context) demoOpts {
	return demoOpts{commonOpts: readCommon(c), browser: c.String(optBrowser), visible: c.Bool(optVisible)}
}

// doctorOpts are doctor's options.
type doctorOpts struct {
	commonOpts
	browser   string
	noBrowser bool // a server that logs in without a browser: no browser check
}

func readDoctor(c *cli.Context) doctorOpts {
	return doctorOpts{commonOpts: readCommon(c), browser: c.String(optBrowser), noBrowser: c.Bool(optNoBrowser)}
}
