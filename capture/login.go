package capture

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
)

// Default time limits of a login.
const (
	// DefaultWindowTimeout is how long a window waits for the person.
	DefaultWindowTimeout = 5 * time.Minute
	// DefaultHeadlessTimeout bounds a headless login.
	DefaultHeadlessTimeout = 60 * time.Second
	// DefaultStallTimeout is how long a headless login may stay on a page
	// it has nothing to do on before it gives up.
	DefaultStallTimeout = 15 * time.Second
)

// Login is a browser login under way, from Start to Close. Its methods are
// safe for concurrent use.
type Login struct {
	opts Options

	timeoutCtx    context.Context // bounds the login: Options.Timeout
	timeoutCancel context.CancelFunc
	allocCancel   context.CancelFunc // stops the browser and waits for it
	tab           context.Context    // the login tab
	tabCancel     context.CancelFunc

	tempRoot      string // the run's ProfilePrefix directory, removed on Close
	userDataDir   string // the browser's profile: in tempRoot, or Options.ProfileDir
	execPath      string
	detached      <-chan struct{}
	driverDone    chan struct{}
	output        *outputFilter
	captureOnce   sync.Once
	code          chan captured // receives the one code taken
	failOnce      sync.Once
	fail          chan error // receives the first error that ends the login
	closeOnce     sync.Once
	closeErr      error
	mu            sync.Mutex
	lastURL       string // the main frame's URL, query values removed
	lastProgress  time.Time
	watchedEvents *events
	netError      string // the last document load that failed: net::ERR_…
	netErrorURL   string // and its URL, query values removed
	driving       bool   // drive runs, and closes driverDone when it ends
}

type captured struct {
	code string
	at   time.Time
}

// Start starts the browser (or attaches to one), loads the session cookies,
// and opens the login page. It returns once the page is requested; the code
// arrives through Code. Call Close in every case: it ends the browser and
// removes the temporary profile.
func Start(ctx context.Context, opts Options) (*Login, error) {
	if opts.LoginURL == "" {
		return nil, errors.New("capture: Options.LoginURL is empty")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultHeadlessTimeout
		if opts.Visible {
			opts.Timeout = DefaultWindowTimeout
		}
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = DefaultStallTimeout
	}
	l := newLogin(ctx, opts)
	if err := l.start(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// newLogin is the one constructor of a Login, for Start and Probe: a Login
// made any other way lacks its channels.
func newLogin(ctx context.Context, opts Options) *Login {
	l := &Login{
		opts:       opts,
		code:       make(chan captured, 1),
		fail:       make(chan error, 1),
		driverDone: make(chan struct{}),
		output:     &outputFilter{logf: opts.Logf},
	}
	l.timeoutCtx, l.timeoutCancel = context.WithTimeout(ctx, opts.Timeout)
	return l
}

func (l *Login) start() error {
	var allocCtx context.Context
	if l.opts.BrowserURL != "" {
		allocCtx, l.allocCancel = remote.NewAllocator(l.timeoutCtx, l.opts.BrowserURL)
	} else {
		path, err := FindBrowser(l.opts.Browser, l.opts.Visible)
		if err != nil {
			return err
		}
		l.execPath = path
		// Stale profiles are only tidied: a failure to look is no reason to
		// fail the login.
		RemoveStaleProfiles(l.opts.TempDir)
		if l.tempRoot, err = newTempRoot(l.opts.TempDir); err != nil {
			return err
		}
		l.userDataDir = l.opts.ProfileDir
		if l.userDataDir == "" {
			l.userDataDir = filepath.Join(l.tempRoot, profileName)
		}
		allocCtx, l.allocCancel = chromedp.NewExecAllocator(l.timeoutCtx,
			allocatorOptions(l.opts, path, l.userDataDir, browserTmp(l.tempRoot), l.output)...)
	}
	l.watchedEvents = newEvents()
	l.tab, l.tabCancel = chromedp.NewContext(allocCtx, chromedp.WithListener(l.listen))
	l.logf("starting the browser (%s)", l.browserName())
	if err := chromedp.Do(l.tab); err != nil {
		if l.opts.BrowserURL != "" {
			return reason.Mark(fmt.Errorf("%w: cannot attach to the browser at %s (%s): start it with its DevTools port open (Chrome's --remote-debugging-port), and give that port's address", ErrBrowser, l.opts.BrowserURL, firstLine(err.Error())), reason.BrowserFailed)
		}
		return browserStartError(l.ctxErr(err), l.execPath, l.output.Tail())
	}
	l.progress(StepBrowserStarted, time.Now())
	detached, err := chromedp.Detached(l.tab)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBrowser, err)
	}
	l.detached = detached

	if err := l.prepareTab(); err != nil {
		return l.ctxErr(fmt.Errorf("%w: preparing the login tab: %w", ErrBrowser, err))
	}
	l.setLastURL(l.opts.LoginURL)
	l.logf("opening %s", RedactQuery(l.opts.LoginURL))
	if _, err := chromedp.Call(l.tab, page.Navigate, page.NavigateParams{URL: l.opts.LoginURL}); err != nil {
		return l.ctxErr(fmt.Errorf("%w: cannot open the login page: %w", ErrBrowser, err))
	}
	l.driving = true
	go l.drive()
	return nil
}

// prepareTab makes the tab look like a person's browser, arms the callback
// interception and loads the session cookies, all before the first request.
func (l *Login) prepareTab() error {
	if err := l.armWatch(); err != nil {
		return err
	}
	if !l.opts.Visible {
		v, err := chromedp.CallBrowser(l.tab, browser.GetVersion, cdp.Empty{})
		if err != nil {
			return err
		}
		if ua := strings.Replace(v.UserAgent, "HeadlessChrome", "Chrome", 1); ua != v.UserAgent {
			params := emulation.SetUserAgentOverrideParams{UserAgent: ua, UserAgentMetadata: clientHints(v.Product)}
			if _, err := chromedp.Call(l.tab, emulation.SetUserAgentOverride, params); err != nil {
				return err
			}
		}
	}
	// The callback is answered in the browser with a page of ours: Chrome has
	// no handler for pixiv://, and the person should see a clear result.
	_, err := chromedp.Call(l.tab, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: pixiv.CallbackURL + "*", RequestStage: fetch.RequestStageRequest}},
	})
	if err != nil {
		return err
	}
	if len(l.opts.Cookies) > 0 {
		params := make([]*network.CookieParam, 0, len(l.opts.Cookies))
		for _, c := range session.PixivOnly(l.opts.Cookies) {
			params = append(params, cookieParam(c))
		}
		if _, err := chromedp.Call(l.tab, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
			return fmt.Errorf("loading the session cookies: %w", err)
		}
		l.logf("loaded %d session cookies", len(params))
	}
	return nil
}

// clientHints are the Sec-CH-UA values a person's Chromium sends, for the
// browser whose product is "HeadlessChrome/156.0.8078.79". An override of
// the user agent without them would send no client hints at all, which no
// person's Chrome does.
func clientHints(product string) *emulation.UserAgentMetadata {
	_, full, _ := strings.Cut(product, "/")
	major, _, _ := strings.Cut(full, ".")
	platform := map[string]string{"darwin": "macOS", "windows": "Windows"}[runtime.GOOS]
	if platform == "" {
		platform = "Linux"
	}
	arch := "x86"
	if runtime.GOARCH == "arm64" {
		arch = "arm"
	}
	return &emulation.UserAgentMetadata{
		Brands: []*emulation.UserAgentBrandVersion{
			{Brand: "Chromium", Version: major}, {Brand: "Not_A Brand", Version: "24"},
		},
		FullVersionList: []*emulation.UserAgentBrandVersion{
			{Brand: "Chromium", Version: full}, {Brand: "Not_A Brand", Version: "24.0.0.0"},
		},
		Platform:     platform,
		Architecture: arch,
		Bitness:      "64",
	}
}

// listen sees every event of the tab, in order, in the tab's own loop: it
// must return at once and send no command.
func (l *Login) listen(ev any) {
	l.watchEvent(ev)
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		// This event is the earliest sign of the callback: it arrives
		// before the request leaves the browser.
		l.see(ev.Request.URL)
		if ev.Type == network.ResourceTypeDocument && string(ev.FrameID) == l.mainFrame() {
			l.setLastURL(ev.Request.URL)
		}
	case *fetch.EventRequestPaused:
		l.see(ev.Request.URL)
		go l.answerPaused(ev.RequestID, ev.Request.URL)
	case *page.EventFrameRequestedNavigation:
		l.see(ev.URL)
	case *page.EventFrameNavigated:
		if ev.Frame.ParentID == "" {
			l.setLastURL(ev.Frame.URL)
		}
	case *network.EventLoadingFailed:
		if ev.Type == network.ResourceTypeDocument && !ev.Canceled {
			l.mu.Lock()
			l.netError, l.netErrorURL = ev.ErrorText, l.lastURL
			l.mu.Unlock()
		}
	}
}

// see takes the code from the first callback URL, or ends the login when
// the callback carries an error.
func (l *Login) see(rawURL string) {
	code, errCode, ok := ParseCallback(rawURL)
	if !ok {
		return
	}
	if errCode != "" {
		l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv ended the login with error %q", ErrNeedsPerson, errCode), reason.Rejected))
		return
	}
	now := time.Now()
	l.captureOnce.Do(func() { l.code <- captured{code: code, at: now} })
}

// answerPaused answers the callback with the done page, and lets through
// any other request that the interception pattern caught.
func (l *Login) answerPaused(id fetch.RequestID, rawURL string) {
	if _, _, ok := ParseCallback(rawURL); !ok {
		chromedp.Call(l.tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return
	}
	chromedp.Call(l.tab, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID:    id,
		ResponseCode: 200,
		ResponseHeaders: []*fetch.HeaderEntry{
			{Name: "Content-Type", Value: "text/html; charset=utf-8"},
			{Name: "Cache-Control", Value: "no-store"},
		},
		Body: []byte(donePage),
	})
}

// donePage replaces the callback in the browser: what the person sees once
// the code is taken, instead of Chrome's "no handler" error.
const donePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pixivauth: logged in</title>
<style>body{font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em;text-align:center;color:#222}</style></head>
<body><h1>Logged in</h1><p>pixivauth has the login. You can close this window.</p></body></html>`

// Code waits for the callback and returns its code. It returns as soon as
// the browser asks for the callback URL, or with an error as soon as the
// login cannot finish: the browser crashed or was closed, the page needs a
// person (headless), or the time ran out.
func (l *Login) Code(ctx context.Context) (string, error) {
	select {
	case c := <-l.code:
		l.progress(StepCodeCaptured, c.at)
		l.logf("code captured")
		return c.code, nil
	default:
	}
	select {
	case c := <-l.code:
		l.progress(StepCodeCaptured, c.at)
		l.logf("code captured")
		return c.code, nil
	case err := <-l.fail:
		return "", err
	case <-l.detached:
		return "", l.browserGone()
	case <-l.tab.Done():
		return "", l.browserGone()
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// browserGone explains why the tab ended without a code.
func (l *Login) browserGone() error {
	// A code or an error may have come in with the end of the tab.
	select {
	case c := <-l.code:
		l.code <- c
		return nil
	case err := <-l.fail:
		return err
	default:
	}
	if err := l.timeoutCtx.Err(); err != nil {
		return l.ctxErr(err)
	}
	if l.opts.Visible {
		return reason.Mark(fmt.Errorf("%w: the browser window was closed before the login finished", ErrBrowser), reason.WindowClosed)
	}
	return reason.Mark(fmt.Errorf("%w: the browser exited during the login (crashed or was killed; last page %s)", ErrBrowser, l.LastURL()), reason.BrowserCrashed)
}

// ctxErr turns the end of the login's context into the error to report:
// the caller's own cancellation as it is, the timeout as what it means.
func (l *Login) ctxErr(err error) error {
	if l.timeoutCtx.Err() == nil {
		return err
	}
	if cause := context.Cause(l.timeoutCtx); !errors.Is(cause, context.DeadlineExceeded) {
		return cause // canceled by the caller: Ctrl-C, or its own deadline
	}
	if l.opts.Visible {
		return reason.Mark(fmt.Errorf("%w: timed out after %s waiting for the login in the window", ErrNeedsPerson, l.opts.Timeout), reason.TimedOut)
	}
	return reason.Mark(fmt.Errorf("%w: the headless login did not finish within %s (last page %s)", ErrStalled, l.opts.Timeout, l.LastURL()), reason.Stalled)
}

// Cookies returns the browser's Pixiv cookies, for saving as a session.
// It gives up when ctx is done, or when the login's tab ends.
func (l *Login) Cookies(ctx context.Context) ([]session.Cookie, error) {
	urls := make([]string, 0, len(pixiv.Hosts()))
	for _, h := range pixiv.Hosts() {
		urls = append(urls, "https://"+h+"/")
	}
	// A command runs in the tab's context: a child of it that ctx also
	// ends bounds the call by both.
	tab, cancel := context.WithCancelCause(l.tab)
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	defer stop()
	res, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the session cookies: %w", ErrBrowser, err)
	}
	var out []session.Cookie
	for _, c := range res.Cookies {
		out = append(out, storeCookie(c))
	}
	return session.PixivOnly(out), nil
}

// LastURL is the last page the login tab showed, with query values removed.
func (l *Login) LastURL() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastURL
}

func (l *Login) setLastURL(u string) {
	if strings.HasPrefix(u, "pixiv:") || strings.HasPrefix(u, "chrome-error:") || u == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	red := RedactQuery(u)
	if red != l.lastURL {
		l.lastURL = red
		l.lastProgress = time.Now()
	}
}

// Close ends the browser (or, attached, closes the login tab) and removes
// the temporary profile. It is safe to call more than once.
func (l *Login) Close() error {
	l.closeOnce.Do(func() {
		if l.tabCancel != nil {
			l.tabCancel()
		}
		if l.allocCancel != nil {
			l.allocCancel() // waits for the browser to exit
		}
		l.timeoutCancel()
		if l.driving {
			<-l.driverDone
		}
		if l.tempRoot != "" {
			if err := removeTempRoot(l.tempRoot, l.userDataDir); err != nil {
				l.closeErr = fmt.Errorf("removing the temporary browser profile: %w", err)
			}
		}
	})
	return l.closeErr
}

func (l *Login) failWith(err error) {
	l.failOnce.Do(func() { l.fail <- err })
}

func (l *Login) progress(name StepName, at time.Time) {
	if l.opts.Progress != nil {
		l.opts.Progress(Step{Name: name, Time: at})
	}
}

func (l *Login) logf(format string, args ...any) {
	if l.opts.Logf != nil {
		l.opts.Logf(format, args...)
	}
}

func (l *Login) browserName() string {
	if l.opts.BrowserURL != "" {
		return "attached at " + l.opts.BrowserURL
	}
	mode := "headless"
	if l.opts.Visible {
		mode = "window"
	}
	return l.execPath + ", " + mode
}

// Probe starts the browser as opts says, opens a blank page and closes it:
// the check that `pixivauth doctor` makes.
func Probe(ctx context.Context, opts Options) error {
	opts.LoginURL = "about:blank"
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	opts.probe = true
	l := newLogin(ctx, opts)
	err := l.start()
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return err
}
