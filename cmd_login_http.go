package main

import (
	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/httplogin"
)

// The browserless session login (issue 12): a headless login with a
// session tries plain HTTP first and starts a browser only when that meets
// something it does not expect; --no-browser never starts one.

// optNoBrowser forces the browserless login.
const optNoBrowser = "no-browser"

func noBrowserFlag() cli.Flag {
	return &cli.BoolFlag{Name: optNoBrowser,
		Usage: "log in with the session over plain HTTP only: never start (or look for) a browser"}
}

// checkNoBrowser refuses what --no-browser cannot do, before any request.
func checkNoBrowser(lo loginOpts) error {
	if !lo.session.noBrowser {
		return nil
	}
	for name, set := range map[string]bool{
		optUsername:       lo.username.set,
		optBrowserURL:     lo.browserURL != "",
		optBrowserProfile: lo.browserProfile != "",
		optFallbackWindow: lo.fallbackWindow,
		optChooseAccount:  lo.chooseAccount,
	} {
		if set {
			return usageErrorf("--%s logs in with a session only, without a browser: it cannot be used with --%s", optNoBrowser, name)
		}
	}
	return nil
}

// checkWindowOptions refuses the options that only one kind of login
// takes, given to the other: said, not ignored.
func checkWindowOptions(lo loginOpts) error {
	switch {
	case lo.chooseAccount && lo.headless:
		return usageErrorf("--%s is for a window, where the person picks the account: drop --headless, or --%s", optChooseAccount, optChooseAccount)
	case lo.fallbackWindow && !lo.headless && !lo.session.noBrowser:
		return usageErrorf("--%s is for a headless login, which it reopens in a window when a person is needed: add --headless, or drop --%s", optFallbackWindow, optFallbackWindow)
	}
	return nil
}

// httpFirst reports whether a login with opts tries the browserless path
// first: headless, with a session, and nothing that needs the browser (a
// username to type in, a browser to attach to, a profile of its own).
func httpFirst(opts capture.Options) bool {
	return !opts.Visible && opts.Username == "" && opts.BrowserURL == "" && opts.ProfileDir == "" && len(opts.Cookies) > 0
}

// coders are the ways a login gets its code, in order: for a headless
// login with a session the browserless login, which hands the login on to
// browser only on an answer it does not expect; with noBrowser the
// browserless login alone; else browser. A test's fake browser (deps.coder)
// stays alone.
func (o *options) coders(opts capture.Options, browser auth.Coder, client *exchange.Client, noBrowser bool) []auth.Coder {
	if o.deps.coder != nil || !noBrowser && !httpFirst(opts) {
		return []auth.Coder{browser}
	}
	// The token client's transport: the code exchange then reuses the
	// connection to oauth that authorize opened, a TLS handshake saved.
	hc := client.HTTPClient
	if hc == nil {
		hc = o.httpClient()
	}
	h := auth.HTTPSession{
		Client:   &httplogin.Client{HTTP: hc, Logf: o.stepLogf(), LastFailureDir: opts.LastFailureDir},
		FallBack: !noBrowser,
		Progress: opts.Progress,
	}
	o.logf("logging in with the session over HTTP, without a browser")
	if !noBrowser {
		// Only a browser that is there is worth falling back to: without
		// one, what stopped the HTTP path is the error to report, not the
		// missing browser.
		if _, err := capture.FindBrowser(opts.Browser, false); err != nil {
			o.logf("no browser to fall back to (%v)", err)
			h.FallBack = false
		}
	}
	if !h.FallBack {
		return []auth.Coder{h}
	}
	return []auth.Coder{h, browser}
}
