package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
)

// Exit statuses, as the CLI contract lists them. Scripts and CI pipelines
// branch on these, so they never change meaning.
const (
	exitOK          = 0
	exitFailure     = 1 // anything else, e.g. doctor found a problem, tokens printed but not saved
	exitUsage       = 2 // unknown command or option, a blank token, nothing to log in with
	exitPerson      = 3 // a person must act: log in again, solve a captcha, …
	exitUnavailable = 4 // Pixiv unreachable, blocked or failing, or a headless login stalled
	exitBrowser     = 5 // the browser is missing, failed, crashed or was closed
	exitHangUp      = 129
	exitInterrupt   = 130
	exitTerminated  = 143
)

// exitCodesHelp is the exit status table of the app's --help.
const exitCodesHelp = `EXIT STATUS:
   0    ok
   1    other failure (doctor found a problem; tokens printed but not saved)
   2    usage: unknown command or option, a blank token, nothing to log in with
   3    a person must act: token or code rejected, session expired, wrong
        password, captcha, two-factor code without a TOTP secret, no token
        anywhere, a window login that timed out waiting for the person
   4    Pixiv unreachable, blocked (Cloudflare) or failing; a headless login
        that stopped making progress
   5    browser problem: not found, not a browser, failed to start, crashed,
        window closed, no display for a window (or an attached browser that
        is headless)
   129  hung up (SIGHUP: the terminal was closed)
   130  interrupted (SIGINT)
   143  terminated (SIGTERM)`

// usageError is a mistake on the command line or in the input. It is
// reported as one line and a hint, never with the help text.
type usageError struct {
	msg string
	// command is the command whose --help the hint names; empty for the app.
	command string
}

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError gives an error of this package its exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// needsPersonf is an error for which a person must act (exit 3).
func needsPersonf(format string, args ...any) error {
	return &exitError{code: exitPerson, err: fmt.Errorf(format, args...)}
}

// saveError is a failure to save tokens that Pixiv has already issued. The
// tokens are printed all the same (they cannot be asked for again), and the
// run fails with status 1 so that a script notices the cache is stale.
type saveError struct {
	err error
	// lead replaces "the tokens were printed but could not be saved", for
	// a command that prints no tokens (demo, check).
	lead string
}

func (e *saveError) Error() string {
	lead := e.lead
	if lead == "" {
		lead = "the tokens were printed but could not be saved"
	}
	return lead + ": " + e.err.Error()
}
func (e *saveError) Unwrap() error { return e.err }

// reasons is the one table from why something ended (the reason the
// libraries wrap into their errors) to the exit status the CLI contract
// gives it and the hint, in terms of pixivauth's own commands and options,
// that the report adds after the library's message. An empty hint adds
// nothing: the library's message says what to do. Every reason has an entry
// (TestEveryReasonHasAnExit).
var reasons = map[reason.Reason]struct {
	code int
	hint string
}{
	reason.SessionExpired: {exitPerson, "log in again with a window (`pixivauth login`), or give --username with a password"},
	reason.NoCredentials:  {exitPerson, "give --username with a password, or run `pixivauth login` with a window"},
	reason.NoSession:      {exitPerson, "give --cookies or --phpsessid, or log in once with a window (`pixivauth login`); that session is then reused"},
	reason.WrongPassword:  {exitPerson, "check them, or log in once with a window (`pixivauth login`); that session is then reused headless"},
	reason.AccountLocked:  {exitPerson, "log in once with a window (`pixivauth login`) to see what Pixiv says"},
	reason.Captcha:        {exitPerson, "log in once with a window (`pixivauth login`); that session is then reused headless"},
	reason.OneTimeCode:    {exitPerson, "give --totp-secret, or log in once with a window"},
	reason.WrongCode:      {exitPerson, "check --totp-secret and this machine's clock"},
	reason.EmailCode:      {exitPerson, "run the login at a terminal, which asks for the code Pixiv mailed, or log in once with a window (`pixivauth login`); that session is then reused headless"},
	reason.Rejected:       {exitPerson, "log in again with `pixivauth login`"},
	reason.TimedOut:       {exitPerson, "run it again, or give a longer --timeout"},
	reason.NoToken:        {exitPerson, "log in with `pixivauth login`"},

	reason.NoBrowserProfile:       {exitUsage, ""},
	reason.NoBrowserSession:       {exitPerson, "or log in here with a window (`pixivauth login`)"},
	reason.BrowserStoreUnreadable: {exitPerson, "or export the browser's Pixiv cookies as a cookies.txt and give --cookies FILE"},

	reason.Unreachable: {exitUnavailable, ""},
	reason.Blocked:     {exitUnavailable, ""},
	reason.Failing:     {exitUnavailable, ""},
	reason.Stalled:     {exitUnavailable, ""},

	reason.BrowserMissing:  {exitBrowser, "give --browser the path of Chrome or Chromium"},
	reason.BrowserFailed:   {exitBrowser, ""},
	reason.BrowserCrashed:  {exitBrowser, ""},
	reason.WindowClosed:    {exitBrowser, ""},
	reason.NoDisplay:       {exitBrowser, "use --headless, or run under a desktop session"},
	reason.HeadlessBrowser: {exitBrowser, "start that browser with a window (not headless)"},
	reason.ProfileInUse:    {exitBrowser, "close it, or drop --browser-profile"},

	reason.CacheBusy:     {exitFailure, "another pixivauth held the profile's lock for as long as --timeout allowed"},
	reason.OtherUser:     {exitFailure, "keep it in a profile of its own with --profile NAME"},
	reason.NotADirectory: {exitFailure, "move that file away, or give --config-dir another directory"},
}

// exitCode maps an error to the exit status the CLI contract gives it.
func exitCode(err error) int {
	var (
		usage *usageError
		coded *exitError
		save  *saveError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &save):
		return exitFailure
	case errors.As(err, &coded):
		return coded.code
	}
	if e, ok := reasons[reason.Of(err)]; ok {
		return e.code
	}
	// Errors without a reason: the libraries' coarse sentinels.
	switch {
	case errors.Is(err, capture.ErrBrowser):
		return exitBrowser
	case errors.Is(err, exchange.ErrRejected), errors.Is(err, capture.ErrNeedsPerson):
		return exitPerson
	case errors.Is(err, exchange.ErrUnavailable), errors.Is(err, capture.ErrStalled),
		errors.Is(err, context.DeadlineExceeded):
		return exitUnavailable
	}
	return exitFailure
}

// hint is what the report adds to err's message: its reason's hint, unless
// the CLI wrote the message itself (a usage error, or one that chose its
// exit status).
func hint(err error) string {
	var (
		usage *usageError
		coded *exitError
	)
	if errors.As(err, &usage) || errors.As(err, &coded) {
		return ""
	}
	return reasons[reason.Of(err)].hint
}

// isCertificateError reports whether err is a refused certificate: Go's
// own, or the browser's (net::ERR_CERT_…).
func isCertificateError(err error) bool {
	var (
		unknown   x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verifyErr) || strings.Contains(err.Error(), "ERR_CERT_")
}

// report prints err, if any, on stderr and returns the run's exit status.
// A usage error gets a hint where to read more; nothing else is printed on
// stdout.
func (p *program) report(err error) int {
	if err == nil {
		return exitOK
	}
	// Library errors name their package ("store: …"), as Go's do; a
	// person reading pixivauth's message has no use for that.
	msg := err.Error()
	for _, pkg := range []string{"store: ", "httplogin: ", "browsercookies: "} {
		msg = strings.ReplaceAll(msg, pkg, "")
	}
	command := p.command
	switch {
	case command == "login" && p.given[optNoBrowser]:
		command = "login --no-browser"
	case (command == "login" || command == "check") && p.given[optCookiesFromBrowser]:
		command += " --cookies-from-browser"
	}
	if h := commandHint(command, err); h != "" {
		if strings.HasPrefix(h, "or ") {
			// A hint that is another way out continues the sentence.
			msg += ", " + h
		} else {
			msg += ": " + h
		}
	}
	code := exitCode(err)
	if p.timeout > 0 && time.Since(p.started) >= p.timeout && code == exitUnavailable && !strings.Contains(msg, "--timeout") {
		// "Pixiv did not answer in time" after all of a short --timeout
		// may be the timeout's fault, not the network's.
		msg += fmt.Sprintf("; the run used all of its --timeout %s: if Pixiv is only slow, give a longer one", p.timeout)
	}
	if p.doubleUntrusted && isCertificateError(err) {
		// The generic advice is about corporate proxies; a double's
		// certificate is the one --insecure is for.
		msg += "; the --pixiv-server double's certificate is not trusted here: add --insecure"
	}
	fmt.Fprintf(p.stderr, "%s: %s\n", programName, msg)
	if code == exitUsage {
		// Every usage error, the CLI's own or one a library found in
		// what it was given (--cookies-from-browser's browser), ends
		// with where to read more.
		help := programName + " --help"
		var usage *usageError
		if errors.As(err, &usage) {
			command = usage.command
		}
		if command != "" {
			help = programName + " " + strings.TrimSuffix(command, " --no-browser") + " --help"
		}
		fmt.Fprintf(p.stderr, "Run '%s' for usage.\n", help)
	}
	return code
}
