package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
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

	conn        context.Context    // the browser's connection (started: the browser)
	connCancel  context.CancelFunc // attached: the connection to the browser
	dirs        runDirs            // the run's temporary directories, removed on Close
	userDataDir string             // the browser's profile: in dirs, or Options.ProfileDir
	execPath    string
	product     string // the browser's user agent and product, from its first answer
	userAgent   string
	cmdMu       sync.Mutex
	cmd         *exec.Cmd // the browser's process, once chromedp made it
	detached    <-chan struct{}
	driverDone  chan struct{}
	output      *outputFilter
	captureOnce sync.Once
	code        chan captured // receives the one code taken
	failOnce    sync.Once
	fail        chan error // receives the first error that ends the login
	// crashed is canceled, with the crash's error as its cause, when the
	// tab's renderer crashed.
	crashed       context.Context
	crashCancel   context.CancelCauseFunc
	closeOnce     sync.Once
	closeErr      error
	mu            sync.Mutex
	lastURL       string // the main frame's URL, query values removed
	lastProgress  time.Time
	watchedEvents *events
	netError      string // the last document load that failed: net::ERR_…
	netErrorURL   string // and its URL, query values removed
	driving       bool   // drive runs, and closes driverDone when it ends
	caught        bool   // a code was seen
	failed        bool   // failWith has ended the login
	docStatus     int64  // the HTTP status of the main frame's last document
	stopProxy     func() // ends the browser's proxy forwarder (browserProxy), if any
	// evidence is saveFailure's note of what a headless login saved just
	// before its timeout, for the timeout's error.
	evidence string
}

type captured struct {
	code string
	at   time.Time
}

// Start starts the browser (or attaches to one), loads the session cookies,
// and opens the login page. It returns once the page is requested; the code
// arrives through Code. Call Close in every case: it ends the browser and
// removes the temporary profile.
//
// A browser it starts inherits this process's environment, with its own
// HOME, TMPDIR and XDG directories on top: take secrets out of the
// environment first (pixivauth's CLI removes $PIXIV_PASSWORD and the like
// as it starts), or every process of the browser carries them.
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
	l.crashed, l.crashCancel = context.WithCancelCause(context.Background())
	return l
}

func (l *Login) start() error {
	l.watchedEvents = newEvents()
	if l.opts.BrowserURL != "" {
		return l.attach()
	}
	path, err := FindBrowser(l.opts.Browser, l.opts.Visible)
	if err != nil {
		return err
	}
	l.execPath = path
	if dir := l.opts.ProfileDir; dir != "" {
		if err := CheckProfileDir(dir); err != nil {
			return err
		}
		if err := profileInUse(dir); err != nil {
			return err
		}
	}
	// Stale profiles are only tidied: a failure to look is no reason to
	// fail the login.
	RemoveStaleProfiles(l.opts.TempDir)
	if l.dirs, err = newRunDirs(l.opts.TempDir); err != nil {
		return err
	}
	l.userDataDir = l.opts.ProfileDir
	if l.userDataDir == "" {
		l.userDataDir = l.dirs.profile()
	}
	env := l.dirs.env(l.opts.ProfileDir == "")
	if l.opts.ProfileDir == "" {
		if err := l.dirs.writeQuietPreferences(); err != nil {
			return fmt.Errorf("%w: the temporary profile: %w", ErrBrowser, err)
		}
		// The browser's HOME is the run's: give it the certificates the
		// person trusts.
		if realHome, err := os.UserHomeDir(); err == nil {
			if err := l.dirs.shareTrust(realHome); err != nil {
				l.logf("the browser does not get your trusted certificates (%v): it trusts the system's", err)
			}
		}
	}
	browserOpts := l.opts
	if browserOpts.Proxy, err = l.proxyForBrowser(); err != nil {
		return err
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(l.timeoutCtx,
		allocatorOptions(browserOpts, path, l.userDataDir, env, l.sawCmd, l.output)...)
	l.allocCancel = allocCancel
	// The browser first, with no tab attached: its own events say when a
	// tab crashes, even before the tab's Inspector domain is enabled, when
	// the tab itself says nothing and chromedp's attach waits for answers
	// that never come. Then the login opens a tab of its own.
	conn, connCancel := chromedp.NewContext(allocCtx, l.chromedpLogs()...)
	l.conn, l.connCancel = conn, connCancel
	l.logf("starting the browser (%s)", l.browserName())
	startErr := func(err error) error {
		if errors.Is(err, ErrBrowser) {
			return err // the tab crashed as it was attached to
		}
		if l.timeoutCtx.Err() != nil {
			return l.ctxErr(err)
		}
		return browserStartError(err, l.execPath, l.opts.ProfileDir, l.output.Tail())
	}
	v, err := chromedp.CallBrowser(conn, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return startErr(err)
	}
	l.product, l.userAgent = v.Product, v.UserAgent
	if p := chromedp.FromContext(conn).Browser.Process(); p != nil {
		l.dirs.recordGroup(p.Pid)
	}
	initial, err := l.watchCrashes(conn)
	if err != nil {
		return startErr(err)
	}
	// A tab of its own, whose renderer is new: the browser's first tab may
	// already have lost its renderer, and a tab that crashed before its
	// Inspector was enabled answers nothing.
	// Its cancellation only detaches: Close ends the whole browser, and
	// closing the tab first would wait for the browser to unlist it (up to
	// half a second for a tab that has just opened).
	l.tab, l.tabCancel = chromedp.NewContext(conn, chromedp.WithListener(l.listen), chromedp.WithDetachOnCancel())
	if err := l.firstAttach(); err != nil {
		return startErr(err)
	}
	// The browser's first tab (about:blank) is not the login's: close it,
	// so that a window shows the login alone.
	for _, id := range initial {
		ctx, cancel := context.WithTimeout(conn, cdpTimeout)
		_, _ = chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: id})
		cancel()
	}
	return l.open()
}

// proxyForBrowser is Options.Proxy as the browser is to use it: the proxy
// itself, or for one that wants credentials a forwarder that Close stops
// (browserProxy).
func (l *Login) proxyForBrowser() (string, error) {
	if l.opts.Proxy == "" {
		return "", nil
	}
	addr, stop, err := browserProxy(l.opts.Proxy)
	if err != nil {
		return "", err
	}
	l.stopProxy = stop
	return addr, nil
}

// watchCrashes arranges that the browser's report of a crashed tab
// (Target.targetCrashed) ends the login, for every tab but the browser's
// own first ones, which it returns: the login's tab is opened after this.
// The browser reports a crash that the tab cannot report itself, before its
// Inspector domain is enabled.
func (l *Login) watchCrashes(conn context.Context) ([]target.ID, error) {
	var mu sync.Mutex
	known := map[target.ID]bool{} // the browser's own targets
	pages := map[target.ID]bool{} // pages opened since: the login's tab
	ready := false
	err := chromedp.ListenBrowser(conn, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *target.EventTargetCreated:
			if ready && ev.TargetInfo.Type == "page" && !known[ev.TargetInfo.TargetID] {
				pages[ev.TargetInfo.TargetID] = true
			}
		case *target.EventTargetCrashed:
			if pages[ev.TargetID] {
				go l.crash() // not under mu
			}
		}
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(conn, cdpTimeout)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, target.SetDiscoverTargets, target.SetDiscoverTargetsParams{Discover: true}); err != nil {
		return nil, err
	}
	res, err := chromedp.CallBrowser(ctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		return nil, err
	}
	var initial []target.ID
	mu.Lock()
	for _, t := range res.TargetInfos {
		known[t.TargetID] = true
		if t.Type == "page" {
			initial = append(initial, t.TargetID)
		}
	}
	ready = true
	mu.Unlock()
	return initial, nil
}

// firstAttach attaches to the login's tab (chromedp.Do: it opens the tab,
// and for an attached browser connects first), or ends as soon as the tab
// or the browser reports its crash: a renderer killed while chromedp
// enables the tab's domains leaves them unanswered, and Do would wait out
// the whole timeout.
func (l *Login) firstAttach() error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(l.tab) }()
	select {
	case err := <-done:
		return err
	case <-l.crashed.Done():
		// Close cancels the tab, which ends Do.
		return context.Cause(l.crashed)
	}
}

// attach connects to the browser at Options.BrowserURL and opens the login
// tab in a browser context of its own: the person's tabs, cookies and
// profile stay as they were, and Close disposes of the context, which
// closes every tab the login opened.
func (l *Login) attach() error {
	allocCtx, allocCancel := remote.NewAllocator(l.timeoutCtx, l.opts.BrowserURL)
	l.allocCancel = allocCancel
	conn, connCancel := chromedp.NewContext(allocCtx, l.chromedpLogs()...)
	l.connCancel = connCancel
	l.logf("attaching to the browser (%s)", l.browserName())
	attachErr := func(err error) error {
		if l.timeoutCtx.Err() != nil {
			return l.ctxErr(err)
		}
		return reason.Mark(fmt.Errorf("%w: cannot attach to the browser at %s (%s): start it with its DevTools port open (Chrome's --remote-debugging-port), and give that port's address", ErrBrowser, redactURL(l.opts.BrowserURL), rootCause(err)), reason.BrowserFailed)
	}
	// The connection lives as long as the context of its first command:
	// conn, bounded by the login's timeout. No tab of the person's is
	// attached to.
	v, err := chromedp.CallBrowser(conn, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return attachErr(err)
	}
	l.product, l.userAgent = v.Product, v.UserAgent
	if l.opts.Visible && strings.Contains(v.UserAgent, headlessUA+"/") {
		// A window login would wait out its timeout for a person who
		// cannot see it.
		return reason.Mark(fmt.Errorf("%w: the browser at %s is headless: it has no window to log in in", ErrBrowser, redactURL(l.opts.BrowserURL)), reason.HeadlessBrowser)
	}
	// The browser's own proxy setting is the person's; Options.Proxy is
	// the login's, and goes with its browser context.
	var ctxOpts []chromedp.CreateBrowserContextOption
	if l.opts.Proxy != "" {
		proxy, err := l.proxyForBrowser()
		if err != nil {
			return err
		}
		ctxOpts = append(ctxOpts, func(p *target.CreateBrowserContextParams) { p.ProxyServer = proxyServer(proxy) })
	}
	l.tab, l.tabCancel = chromedp.NewContext(conn, chromedp.WithNewBrowserContext(ctxOpts...), chromedp.WithListener(l.listen))
	if err := l.firstAttach(); err != nil {
		if errors.Is(err, ErrBrowser) {
			return err
		}
		return attachErr(err)
	}
	return l.open()
}

// sawCmd keeps the browser's command, for Close to end its process group.
func (l *Login) sawCmd(cmd *exec.Cmd) {
	l.cmdMu.Lock()
	l.cmd = cmd
	l.cmdMu.Unlock()
}

// open prepares the started tab and opens the login page in it.
func (l *Login) open() error {
	l.progress(StepBrowserStarted, time.Now())
	detached, err := chromedp.Detached(l.tab)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBrowser, err)
	}
	l.mu.Lock()
	l.detached = detached
	l.mu.Unlock()

	if err := l.prepareTab(); err != nil {
		return l.crashedErr(l.ctxErr(reason.Mark(fmt.Errorf("%w: preparing the login tab: %w", ErrBrowser, err), reason.BrowserFailed)))
	}
	l.setLastURL(l.opts.LoginURL)
	l.logf("opening %s", RedactQuery(l.opts.LoginURL))
	ctx, cancel := l.callCtx()
	defer cancel()
	nav, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: l.opts.LoginURL})
	if err != nil {
		return l.crashedErr(l.ctxErr(reason.Mark(fmt.Errorf("%w: cannot open the login page: %w", ErrBrowser, err), reason.BrowserFailed)))
	}
	if l.opts.probe {
		return l.probed(nav.ErrorText)
	}
	l.driving = true
	go l.drive()
	return nil
}

// probed says whether a probe's page loaded: Page.navigate answers with
// the browser's network error, or with none once the page's answer has
// come and its document committed: Pixiv's, or for a proxy that wants a
// password the browser was not given, the proxy's 407 page.
func (l *Login) probed(netErr string) error {
	if l.opts.LoginURL == "about:blank" {
		return nil
	}
	where := RedactQuery(l.opts.LoginURL)
	if netErr != "" {
		return reason.Mark(fmt.Errorf("the browser could not load %s (%s)", where, netErr), reason.Unreachable)
	}
	ctx, cancel := l.callCtx()
	defer cancel()
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return l.crashedErr(l.ctxErr(reason.Mark(fmt.Errorf("%w: %w", ErrBrowser, err), reason.BrowserFailed)))
	}
	if tree.FrameTree == nil || tree.FrameTree.Frame == nil || tree.FrameTree.Frame.URL == "about:blank" {
		return reason.Mark(fmt.Errorf("the browser got no answer for %s", where), reason.Unreachable)
	}
	l.mu.Lock()
	status := l.docStatus
	l.mu.Unlock()
	if status == http.StatusProxyAuthRequired {
		return proxyAuthError(l.opts.LoginURL)
	}
	return nil
}

// proxyAuthError is the end of a login or probe whose page is the proxy's
// 407: the browser holds no password for it (see browserProxy).
func proxyAuthError(pageURL string) error {
	return reason.Mark(fmt.Errorf("the browser could not load %s: the proxy wants a username and password (HTTP 407): give them in its URL (http://USER:PASSWORD@HOST:PORT)", RedactQuery(pageURL)), reason.Unreachable)
}

// cdpTimeout bounds every DevTools command of a login: a renderer that
// died or hangs must not stop the login from noticing.
const cdpTimeout = 10 * time.Second

// callCtx is the tab's context with cdpTimeout, for one DevTools command.
// It ends at once when the tab crashes: a crashed tab answers nothing.
func (l *Login) callCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(l.tab, cdpTimeout)
	stop := context.AfterFunc(l.crashed, cancel)
	return ctx, func() { stop(); cancel() }
}

// crashedErr is the crash's error once the tab has crashed, else err: what
// a DevTools command that the crash cut short reports.
func (l *Login) crashedErr(err error) error {
	if l.crashed.Err() != nil {
		return context.Cause(l.crashed)
	}
	return err
}

// headlessUA is the product name a headless Chrome puts in its user agent
// (a person's says "Chrome"): the tab's user agent drops it, and an attached
// browser that has it cannot show a window.
const headlessUA = "HeadlessChrome"

// prepareTab makes the tab look like a person's browser, arms the callback
// interception and the watch script, and loads the session cookies, all
// before the first request. The commands do not depend on each other: they
// are sent at once, and the tab is ready when the last is answered.
func (l *Login) prepareTab() error {
	ctx, cancel := l.callCtx()
	defer cancel()
	steps := []func() error{
		func() error { return l.armWatch(ctx) },
		// The callback is answered in the browser with a page of ours:
		// Chrome has no handler for pixiv://, and the person should see a
		// clear result.
		func() error {
			_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
				Patterns: []*fetch.RequestPattern{
					{URLPattern: pixiv.CallbackURL + "*", RequestStage: fetch.RequestStageRequest},
					{URLPattern: DoneURL, RequestStage: fetch.RequestStageRequest},
				},
			})
			return err
		},
	}
	if ua := strings.Replace(l.userAgent, headlessUA, "Chrome", 1); !l.opts.Visible && ua != l.userAgent {
		steps = append(steps, func() error {
			params := emulation.SetUserAgentOverrideParams{UserAgent: ua, UserAgentMetadata: clientHints(l.product)}
			_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, params)
			return err
		})
	}
	var loaded int
	if len(l.opts.Cookies) > 0 {
		params := make([]*network.CookieParam, 0, len(l.opts.Cookies))
		for _, c := range session.Unexpired(session.PixivOnly(l.opts.Cookies), time.Now()) {
			params = append(params, cookieParam(c))
		}
		loaded = len(params)
		steps = append(steps, func() error {
			if _, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
				return fmt.Errorf("loading the session cookies: %w", err)
			}
			return nil
		})
	}
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { errs[i] = step() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if loaded > 0 {
		l.logf("loaded %d session cookies", loaded)
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
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && string(ev.FrameID) == l.mainFrame() && ev.Response != nil {
			l.mu.Lock()
			l.docStatus = ev.Response.Status
			l.mu.Unlock()
			if ev.Response.Status == http.StatusProxyAuthRequired && !l.opts.probe && !l.opts.Visible {
				// The proxy's own page, which a headless browser, with
				// nobody to ask for the password, shows: no Pixiv page will
				// follow. (A window asks its person.)
				l.failWith(proxyAuthError(ev.Response.URL))
			}
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
	case *inspector.EventTargetCrashed:
		l.crash()
	}
}

// crash ends the login: the tab's renderer crashed (or was killed). The
// tab says so (Inspector.targetCrashed), and so does the browser
// (Target.targetCrashed); the first of the two counts.
func (l *Login) crash() {
	err := reason.Mark(fmt.Errorf("%w: the page crashed (its renderer was killed or ran out of memory; %s)", ErrBrowser, l.where()), reason.BrowserCrashed)
	l.crashCancel(err) // the first cause stays
	l.failWith(err)
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
	l.mu.Lock()
	l.caught = true
	l.mu.Unlock()
	l.captureOnce.Do(func() { l.code <- captured{code: code, at: now} })
}

// answerPaused answers the callback with a redirect to DoneURL (so that
// the code does not stay in the address bar), DoneURL with the done page,
// and lets through any other request that the interception patterns caught.
func (l *Login) answerPaused(id fetch.RequestID, rawURL string) {
	ctx, cancel := l.callCtx()
	defer cancel()
	headers := []*fetch.HeaderEntry{{Name: "Cache-Control", Value: "no-store"}}
	switch _, _, isCallback := ParseCallback(rawURL); {
	case rawURL == DoneURL:
		chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID:       id,
			ResponseCode:    200,
			ResponseHeaders: append(headers, &fetch.HeaderEntry{Name: "Content-Type", Value: "text/html; charset=utf-8"}),
			Body:            []byte(donePage),
		})
	case isCallback:
		chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID:       id,
			ResponseCode:    303,
			ResponseHeaders: append(headers, &fetch.HeaderEntry{Name: "Location", Value: DoneURL}),
		})
	default:
		chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
	}
}

// DoneURL is where the browser goes once the code is taken: the callback is
// answered with a redirect to it, and it with the done page, in the browser
// (the .invalid name never resolves, and no request for it leaves the
// browser). The address bar then shows no code.
const DoneURL = "https://pixivauth.invalid/done"

// donePage is what the person sees once the code is taken: "finishing…"
// until Finish tells it how the code exchange ended.
const donePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pixivauth: finishing…</title>
<style>body{font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em;text-align:center;color:#222}.failed h1{color:#b00020}</style></head>
<body><h1 id="state">Finishing…</h1><p id="detail">pixivauth has the login and is getting the tokens. Please wait.</p>
<script>window.pixivauthFinish=(title,detail,ok)=>{document.title="pixivauth: "+title;document.getElementById("state").textContent=title;document.getElementById("detail").textContent=detail;if(!ok)document.body.className="failed";return true};</script>
</body></html>`

// FinishHold is how long Finish keeps the result up in a window, for the
// person to read it before Close shuts the window.
const FinishHold = 1500 * time.Millisecond

// finishWait bounds how long Finish waits for the done page to be there.
const finishWait = 2 * time.Second

// Finish tells the person how the login ended, once the caller has traded
// the code for tokens: err is the exchange's error, nil for success. The
// done page says "finishing…" until Finish is called; then it shows
// "Logged in", or the failure in plain words, and with a window Finish
// waits FinishHold (or until ctx ends) so that it can be read. Call it
// after Code and before Close. It returns at once without a tab, and never
// fails: the tokens matter, not the page.
func (l *Login) Finish(ctx context.Context, err error) {
	if l.tab == nil || l.tab.Err() != nil {
		return
	}
	title, detail := "Logged in", "pixivauth has the tokens. You can close this window."
	if err != nil {
		title, detail = "Login failed", "pixivauth could not get the tokens: "+err.Error()
	}
	args, _ := json.Marshal([]any{title, detail, err == nil})
	// The code is taken when the browser asks for the callback, and the
	// exchange can be over before the browser has loaded the done page it
	// is sent on to: until the page is there to tell (its function
	// defined), it is asked again, for up to finishWait.
	deadline := time.Now().Add(finishWait)
	for {
		cctx, cancel := context.WithDeadline(l.tab, deadline)
		shown, evalErr := chromedp.Run(cctx, chromedp.Evaluate[bool]("window.pixivauthFinish ? window.pixivauthFinish(..."+string(args)+") : false"))
		cancel()
		if evalErr == nil && shown {
			break
		}
		if time.Now().After(deadline) || l.tab.Err() != nil {
			return
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return
		case <-l.tab.Done():
			return
		}
	}
	if !l.opts.Visible {
		return
	}
	hold := time.NewTimer(FinishHold)
	defer hold.Stop()
	select {
	case <-hold.C:
	case <-ctx.Done():
	case <-l.tab.Done():
	}
}

// Code waits for the callback and returns its code. It returns as soon as
// the browser asks for the callback URL, or with an error as soon as the
// login cannot finish: the browser crashed or was closed, the page needs a
// person (headless), or the time ran out. It never returns an empty code
// without an error.
func (l *Login) Code(ctx context.Context) (string, error) {
	if c, ok := l.takeCode(); ok {
		return c, nil
	}
	select {
	case c := <-l.code:
		return l.took(c), nil
	case err := <-l.fail:
		return "", err
	case <-l.detached:
	case <-l.tab.Done():
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	// The tab ended. A code or an error may have come in with its end, and
	// the code wins: it is what the caller waits for.
	if c, ok := l.takeCode(); ok {
		return c, nil
	}
	select {
	case err := <-l.fail:
		return "", err
	default:
	}
	return "", l.browserGone()
}

// takeCode takes the code if one came in.
func (l *Login) takeCode() (string, bool) {
	select {
	case c := <-l.code:
		return l.took(c), true
	default:
		return "", false
	}
}

func (l *Login) took(c captured) string {
	l.progress(StepCodeCaptured, c.at)
	l.logf("code captured")
	return c.code
}

// browserGone explains why the tab ended without a code. The browser says
// when a target goes away (a closed window or tab); a browser that was
// killed or crashed says nothing, its connection just ends.
func (l *Login) browserGone() error {
	if err := l.timeoutCtx.Err(); err != nil {
		return l.ctxErr(err)
	}
	closed := false
	select {
	case <-l.detached:
		closed = true
	default:
	}
	switch {
	case closed && l.opts.Visible:
		return reason.Mark(fmt.Errorf("%w: the browser window was closed before the login finished", ErrBrowser), reason.WindowClosed)
	case closed:
		return reason.Mark(fmt.Errorf("%w: the login tab was closed before the login finished (%s)", ErrBrowser, l.where()), reason.BrowserCrashed)
	}
	return reason.Mark(fmt.Errorf("%w: the browser exited during the login (crashed or was killed; %s)", ErrBrowser, l.where()), reason.BrowserCrashed)
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
	if l.opts.probe {
		return reason.Mark(fmt.Errorf("%w: the browser did not start and open a page within %s (%s)", ErrBrowser, l.opts.Timeout, l.where()), reason.BrowserFailed)
	}
	if l.opts.Visible {
		return reason.Mark(fmt.Errorf("%w: timed out after %s waiting for the login in the window", ErrNeedsPerson, l.opts.Timeout), reason.TimedOut)
	}
	l.mu.Lock()
	saved := l.evidence
	l.mu.Unlock()
	return reason.Mark(fmt.Errorf("%w: the headless login did not finish within %s (%s)%s", ErrStalled, l.opts.Timeout, l.where(), saved), reason.Stalled)
}

// where says where the login was, for an error: "last page URL", or that no
// page had opened yet.
func (l *Login) where() string {
	if u := l.LastURL(); u != "" {
		return "last page " + u
	}
	return "before the login page opened"
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

// Close ends the browser and its process group (or, attached, closes the
// browser context of the login and every tab in it) and removes the
// temporary directories. It is safe to call more than once.
func (l *Login) Close() error {
	l.closeOnce.Do(func() {
		if l.tabCancel != nil {
			l.tabCancel()
		}
		l.closePersistentProfile()
		if l.connCancel != nil {
			l.connCancel()
		}
		if l.allocCancel != nil {
			l.allocCancel() // waits for the browser to exit
		}
		l.timeoutCancel()
		if l.driving {
			<-l.driverDone
		}
		// The browser's helpers can outlive it: end its process group,
		// which pixivauth made for it and nothing else is in.
		l.cmdMu.Lock()
		if l.cmd != nil && l.cmd.Process != nil {
			killGroup(l.cmd.Process.Pid)
			// and the helpers that left the group, known by the run's marker.
			if l.dirs.root != "" {
				killMarked(runEnv + "=" + l.dirs.root)
			}
		}
		l.cmdMu.Unlock()
		if l.stopProxy != nil {
			l.stopProxy()
		}
		if err := l.dirs.remove(); err != nil {
			l.closeErr = fmt.Errorf("removing the temporary browser profile: %w", err)
		}
	})
	return l.closeErr
}

// profileCloseTimeout bounds the wait for a browser on a persistent
// profile to shut down by itself.
const profileCloseTimeout = 10 * time.Second

// closePersistentProfile shuts a browser that pixivauth started on
// Options.ProfileDir down the way a person's closing it does, and waits
// for it to exit (at most profileCloseTimeout): Chromium writes its cookie
// store every 30 seconds and at exit, and the kill that ends a browser on
// a temporary profile would lose the session the login left in the
// persistent one. A browser whose login timed out is already gone.
func (l *Login) closePersistentProfile() {
	if l.opts.ProfileDir == "" || l.opts.BrowserURL != "" || l.conn == nil || l.conn.Err() != nil {
		return
	}
	c := chromedp.FromContext(l.conn)
	if c == nil || c.Browser == nil {
		return // it never started
	}
	select {
	case <-c.Browser.LostConnection:
		return // it crashed, or was killed: there is nobody to ask
	default:
	}
	ctx, cancel := context.WithTimeout(l.conn, profileCloseTimeout)
	defer cancel()
	if err := chromedp.Cancel(ctx); err != nil {
		l.logf("the browser did not shut down by itself (%v): the profile may lack the last seconds of its cookies", rootCause(err))
	}
}

func (l *Login) failWith(err error) {
	l.failOnce.Do(func() {
		l.mu.Lock()
		l.failed = true
		l.mu.Unlock()
		l.fail <- err
	})
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

// chromedpLogs keeps chromedp's own log lines off the process's stderr,
// where it prints them by default (the log package): a person sees only
// pixivauth's messages, and some of chromedp's hold what the browser sent
// (page data, cookies), which no log may show. At -v the login notes that
// chromedp reported an error, with its wording but none of its values.
func (l *Login) chromedpLogs() []chromedp.ContextOption {
	return []chromedp.ContextOption{
		chromedp.WithLogf(func(string, ...any) {}),
		chromedp.WithErrorf(func(format string, _ ...any) {
			l.logf("chromedp reported an error (%q, its values withheld)", format)
		}),
	}
}

func (l *Login) browserName() string {
	if l.opts.BrowserURL != "" {
		return "attached at " + redactURL(l.opts.BrowserURL)
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
	return probe(ctx, opts, "about:blank")
}

// ProbePage is [Probe] with a page to open instead of a blank one, the way
// a login reaches Pixiv (directly, through Options.Proxy, or at a double
// by Options.Flags). It ends once the browser has the page's answer,
// whatever its HTTP status. When the browser gets none (a proxy that
// refuses it, a certificate it does not trust) the error wraps
// [reason.Unreachable], not [ErrBrowser], and names the browser's network
// error.
func ProbePage(ctx context.Context, opts Options, pageURL string) error {
	return probe(ctx, opts, pageURL)
}

func probe(ctx context.Context, opts Options, pageURL string) error {
	opts.LoginURL = pageURL
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
