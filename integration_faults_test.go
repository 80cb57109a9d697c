package main

// TestFaultMatrix runs pixivauth against a Pixiv double that fails in every
// way the contract names: in this process (run()) where the case starts no
// browser, with the fake browser (authtest.Coder) where it is about what
// follows the code, and the built binary with a real Chromium where it is
// about the browser, a signal or the environment. It checks each run
// for the same five things: the exit status the contract gives; a message on
// stderr that names the problem and the fix (and an empty stdout when
// nothing was issued); no browser process and no temporary browser profile
// left behind; no token the double issued lost (it is on stdout or in the
// profile's cache); and an end as soon as the failure is recognised, well
// before a long --timeout. Every run is at -v, and no secret the double
// issued or was sent may appear on stderr.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/auth/authtest"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

const (
	// fmLong is the --timeout of every case that is not about the timeout:
	// a failure the tool recognises ends long before it.
	fmLong = "10m"
	// fmWellBefore is "long before fmLong", generous for a slow, shared
	// machine: it proves the run did not wait out its timeout, nothing more.
	fmWellBefore = 90 * time.Second
	// fmHardLimit is when the test gives up on a run and kills it.
	fmHardLimit = 3 * time.Minute
	// fmPassword is the demo account's password, fed on stdin.
	fmPassword = "demo-password"
)

// fmCase is one row of the matrix.
type fmCase struct {
	name string
	// browser: the run starts a real Chromium (needs one installed, and a
	// slot of fmBrowsers).
	browser bool
	// opts configure the double; account changes the demo account before
	// the double starts.
	opts    []pixivtest.Option
	account func(*pixivtest.Account)
	// setup injects faults, seeds the profile, or changes the fixture.
	setup func(t *testing.T, f *fmFixture)
	// args come after the fixture's options (--pixiv-server, --insecure,
	// --config-dir, -v) and before --timeout.
	args func(f *fmFixture) []string
	env  func(f *fmFixture) []string
	// stdin is fed to the run (and is a secret when it is a password).
	stdin string
	// timeout is the --timeout; empty means fmLong.
	timeout string
	// runs is how many runs start at once (default 1).
	runs int
	// during runs while the (single) run is under way: signals, killing the
	// browser. exited closes when the run ends.
	during func(ck *fmCheck, f *fmFixture, p *os.Process, exited <-chan struct{})

	code int
	// say are substrings of stderr: the problem and the fix.
	say []string
	// check makes the case's own assertions.
	check func(ck *fmCheck, f *fmFixture, rs []fmResult)
	// hardLimit is when the test kills a run that has not ended; zero
	// means fmHardLimit.
	hardLimit time.Duration
	// realWaits runs the binary without fmTestSettings: the stall timeout,
	// the backoff and the exchange's deadline a user gets.
	realWaits bool
	// fake: the case is about what follows the code (the exchange, the
	// save), so it runs in this process with the fake browser
	// (authtest.Coder), which is handed a code the double issued.
	fake bool
	// fakeErr makes the fake browser end the login with this error, the
	// one the real driver ends it with for the same page (capture's
	// TestOutcomes and TestPageFaults check that it does, in real
	// Chromium): what the matrix checks here is what the CLI makes of it.
	// It implies fake.
	fakeErr error
	// retries: the run retries its token requests, so it runs the binary,
	// with fmTestSettings' short backoff (a run in this process would wait
	// seconds between tries).
	retries bool
	// shell: the case is about the login's pages, not the browser's
	// processes or profile, so its browser is Chromium's headless shell
	// (testenv.HeadlessShell), well under half the full browser's cost.
	shell bool
}

// fmShared is what several cases use, made once before any of them runs.
type fmShared struct {
	onlySh string // a directory holding only sh: a PATH without a browser
	hello  string // an executable script that prints "hello"
}

// fmFixture is one case's world: the double, and the dirs of the runs
// (testenv.Run: a config dir, a HOME, a TMPDIR where temporary profiles go,
// a PATH).
type fmFixture struct {
	*testenv.Run
	t       *testing.T
	srv     *pixivtest.Server
	account pixivtest.Account
	rt      string // a refresh token the double knows
	addr    string // where --pixiv-server points; the double unless changed
	config  string // --config-dir
	tmp     string // TMPDIR of the run: where temporary profiles go
	shared  *fmShared
	sessid  string // a PHPSESSID the case gives pixivauth
	// secrets are values the test gave that must never reach stderr.
	secrets []string
}

func fmNewFixture(t *testing.T, c fmCase, shared *fmShared) *fmFixture {
	t.Helper()
	account := pixivtest.DemoAccount()
	if c.account != nil {
		c.account(&account)
	}
	srv := pixivtest.New(append([]pixivtest.Option{pixivtest.WithAccount(account)}, c.opts...)...)
	t.Cleanup(srv.Close)
	rt := srv.NewRefreshToken(account.ID)
	for strings.HasPrefix(rt, "-") {
		rt = srv.NewRefreshToken(account.ID)
	}
	// A short TMPDIR of its own (Chrome's singleton socket lives under
	// it, and a socket path has to fit in 107 bytes); a browser that a
	// run the test had to kill left there is killed at the end.
	r := testenv.NewRun(t)
	r.Config = t.TempDir()
	return &fmFixture{Run: r, t: t, srv: srv, account: account, rt: rt, addr: srv.Addr(),
		config: r.Config, tmp: r.Tmp, shared: shared}
}

// profile opens the default profile of the fixture's config dir.
func (f *fmFixture) profile() *store.Profile {
	f.t.Helper()
	p, err := (&store.Store{Dir: f.config}).Profile(defaultProfile)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fmFixture) profileDir() string { return filepath.Join(f.config, defaultProfile) }

// loginArgs is a headless login with the demo account's credentials.
func (f *fmFixture) loginArgs() []string {
	return []string{"login", "--headless", "--username", f.account.Username, "--password-stdin"}
}

// fmResult is one finished run.
type fmResult = testenv.Result

// fmCheck collects a case's failures, so that a case with a known product
// bug can report them as the bug instead of failing.
type fmCheck struct {
	t        *testing.T
	mu       sync.Mutex
	failures []string
}

func (ck *fmCheck) errorf(format string, args ...any) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.failures = append(ck.failures, fmt.Sprintf(format, args...))
}

// finish reports the failures.
func (ck *fmCheck) finish() {
	ck.t.Helper()
	for _, f := range ck.failures {
		ck.t.Error(f)
	}
}

// fmInProcess reports whether case c runs in this process (runIn): it
// starts no browser (or the fake one), needs no environment of its own
// (run() reads the process's), and is not signalled. The others run the
// built binary.
func fmInProcess(c fmCase, f *fmFixture) bool {
	if c.fake || c.fakeErr != nil {
		return true
	}
	if c.browser || c.retries || c.env != nil || c.during != nil || f.Path != os.Getenv("PATH") {
		return false
	}
	return !slices.Contains(c.args(f), "login")
}

// fmTestSettings are the test settings of the binary's runs: retries wait
// 10 ms at first, and the stall timeout is long, so that a login that
// should succeed is not ended by a slow page on a loaded machine (a 3 s
// stall did end one, at load 30). A case that is about one of those waits
// sets its own in env (fmQuickStall).
var fmTestSettings = []string{envTestStall + "=60s", envTestBackoff + "=10ms"}

// fmQuickStall is the env of a case that expects the stall timeout to end
// its login: 3 s, not the 15 s a user waits.
func fmQuickStall(*fmFixture) []string { return []string{envTestStall + "=3s"} }

// fmNoStall is the env of a case whose login waits on a page for
// something other than the stall timeout (a signal, --timeout): the stall
// must not end it first.
func fmNoStall(*fmFixture) []string { return []string{envTestStall + "=10m"} }

// fmRun runs pixivauth once for case c at fixture f.
func fmRun(ck *fmCheck, c fmCase, f *fmFixture, during func(*fmCheck, *fmFixture, *os.Process, <-chan struct{})) fmResult {
	timeout := c.timeout
	if timeout == "" {
		timeout = fmLong
	}
	args := []string{"--pixiv-server", f.addr, "--insecure", "--config-dir", f.config, "-v"}
	args = append(args, c.args(f)...)
	args = append(args, "--timeout", timeout)
	hardLimit := c.hardLimit
	if hardLimit == 0 {
		hardLimit = fmHardLimit
	}
	if fmInProcess(c, f) {
		ctx, cancel := context.WithTimeout(context.Background(), hardLimit)
		defer cancel()
		var d deps
		var fake *authtest.Coder
		if c.fake || c.fakeErr != nil {
			fake = &authtest.Coder{Server: f.srv, AccountID: f.account.ID, Err: c.fakeErr}
			d.coder = fake
		}
		r := runInWith(ctx, d, c.stdin, args...)
		if ctx.Err() != nil {
			ck.errorf("the run did not end within %s", hardLimit)
		}
		if fake != nil && fake.Open() != 0 {
			ck.errorf("the (fake) browser was not closed: %d attempts open", fake.Open())
		}
		return r
	}

	var env []string
	if !c.realWaits {
		env = append(env, fmTestSettings...)
	}
	if c.env != nil {
		env = append(env, c.env(f)...)
	}
	if c.shell {
		useHeadlessShell(f.Run)
	}
	p := f.Command(binary, env, c.stdin, false, args...)
	start := time.Now()
	p.Start(f.t)
	exited := make(chan struct{})
	var r fmResult
	go func() {
		defer close(exited)
		r = p.Wait(f.t)
	}()
	if during != nil {
		during(ck, f, p.Cmd.Process, exited)
	}
	select {
	case <-exited:
	case <-time.After(hardLimit - time.Since(start)):
		_ = p.Cmd.Process.Kill()
		<-exited
		ck.errorf("the run did not end within %s; killed it", hardLimit)
	}
	return r
}

// fmSecrets is every secret of the case: what the test gave, what the
// double issued and was sent, and what the caches hold (testenv.SecretsOf).
func fmSecrets(f *fmFixture) testenv.Secrets {
	secrets := testenv.SecretsOf(f.srv, f.config)
	secrets.Add("a refresh token the double knows", f.rt)
	secrets.Add("a secret the test gave", f.secrets...)
	return secrets
}

// logPackageLine is a line as the log package writes it by default.
var logPackageLine = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d .*$`)

// fmAssert makes the checks every case shares.
func fmAssert(ck *fmCheck, c fmCase, f *fmFixture, rs []fmResult) {
	var stdouts strings.Builder
	for i, r := range rs {
		which := ""
		if len(rs) > 1 {
			which = fmt.Sprintf("run %d: ", i+1)
		}
		// (1) the exit status.
		if r.Code != c.code {
			ck.errorf("%swant exit %d, got %v", which, c.code, r)
			continue
		}
		// (2) a message that names the problem and the fix; nothing on
		// stdout unless tokens were issued.
		for _, s := range c.say {
			if !strings.Contains(r.Stderr, s) {
				ck.errorf("%sstderr does not say %q:\n%v", which, s, r)
			}
		}
		if c.code != exitOK && c.code != exitFailure && r.Stdout != "" {
			ck.errorf("%sa failed run printed on stdout:\n%v", which, r)
		}
		// (5) the end as soon as recognised.
		if r.Took > fmWellBefore {
			ck.errorf("%sthe run took %s: want well under %s", which, r.Took.Round(time.Second), fmWellBefore)
		}
		// No secret on stderr, at -v.
		if found := fmSecrets(f).In(r.Stderr); len(found) > 0 {
			ck.errorf("%sstderr holds %s:\n%v", which, strings.Join(found, ", "), r)
		}
		// Nothing writes to stderr through the log package (chromedp
		// does by default): only pixivauth's own lines reach a person.
		if line := logPackageLine.FindString(r.Stderr); line != "" {
			ck.errorf("%sstderr has a line of the log package's: %q\n%v", which, line, r)
		}
		stdouts.WriteString(r.Stdout)
	}

	// (3) no browser left, no temporary profile, none of Chromium's files.
	if left := testenv.Leftovers(f.tmp, capture.ProfilePrefix); len(left) > 0 {
		gone := ""
		if len(testenv.Processes(f.tmp+"/")) > 0 {
			time.Sleep(3 * time.Second)
			if len(testenv.Processes(f.tmp+"/")) == 0 {
				gone = " (the processes were gone 3 s later)"
			}
		}
		ck.errorf("the run left behind in its TMPDIR%s:\n%s", gone, strings.Join(left, "\n"))
	}

	// (4) no issued token lost.
	cache, _ := os.ReadFile(filepath.Join(f.profileDir(), "token.json"))
	for _, is := range f.srv.Issued() {
		if !strings.Contains(stdouts.String(), is.AccessToken) && !bytes.Contains(cache, []byte(is.AccessToken)) {
			ck.errorf("an access token the double issued (%s grant) is neither printed nor in token.json: lost", is.Grant)
		}
	}

	if c.check != nil {
		c.check(ck, f, rs)
	}
}

// fmTokenRequests checks how many token requests the double saw.
func fmTokenRequests(want int) func(*fmCheck, *fmFixture, []fmResult) {
	return func(ck *fmCheck, f *fmFixture, _ []fmResult) {
		if got := len(f.srv.TokenRequests()); got != want {
			ck.errorf("the double saw %d token requests, want %d", got, want)
		}
	}
}

// fmNoRequests checks the double saw nothing at all.
func fmNoRequests(ck *fmCheck, f *fmFixture, _ []fmResult) {
	if got := len(f.srv.Requests()); got != 0 {
		ck.errorf("the double saw %d requests, want none", got)
	}
}

// fmPrintsIssued checks that the (JSON) output of every run carries the
// last access token the double issued.
func fmPrintsIssued(ck *fmCheck, f *fmFixture, rs []fmResult) {
	issued := f.srv.Issued()
	if len(issued) == 0 {
		ck.errorf("the double issued no token")
		return
	}
	want := issued[len(issued)-1].AccessToken
	for _, r := range rs {
		var p printedToken
		if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
			ck.errorf("stdout is not the token JSON: %v\n%v", err, r)
			continue
		}
		if p.AccessToken != want {
			ck.errorf("printed access token %.6s…, want the issued %.6s…", p.AccessToken, want)
		}
	}
}

func fmAll(checks ...func(*fmCheck, *fmFixture, []fmResult)) func(*fmCheck, *fmFixture, []fmResult) {
	return func(ck *fmCheck, f *fmFixture, rs []fmResult) {
		for _, c := range checks {
			c(ck, f, rs)
		}
	}
}

// fmAwaitPostRedirect waits until the browser has asked for the
// post-redirect page (under SetNoRedirect, where the login then waits),
// and reports whether it did before the run ended.
func fmAwaitPostRedirect(ck *fmCheck, f *fmFixture, exited <-chan struct{}) bool {
	deadline := time.After(fmWellBefore)
	for {
		for _, r := range f.srv.Requests() {
			if r.Host == pixiv.AccountsHost && r.Path == pixiv.PostRedirectPath {
				return true
			}
		}
		select {
		case <-exited:
			ck.errorf("the run ended before the browser reached %s", pixiv.PostRedirectPath)
			return false
		case <-deadline:
			ck.errorf("the browser never reached %s", pixiv.PostRedirectPath)
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// fmSignalAtPostRedirect sends sig to pixivauth once its login waits on
// the page that never redirects.
func fmSignalAtPostRedirect(sig syscall.Signal) func(*fmCheck, *fmFixture, *os.Process, <-chan struct{}) {
	return func(ck *fmCheck, f *fmFixture, p *os.Process, exited <-chan struct{}) {
		if !fmAwaitPostRedirect(ck, f, exited) {
			return
		}
		if len(testenv.Processes("--user-data-dir="+f.tmp+"/")) == 0 {
			ck.errorf("no browser runs with a profile in the run's TMPDIR while the login waits")
		}
		if err := p.Signal(sig); err != nil {
			ck.errorf("signalling pixivauth: %v", err)
		}
	}
}

// fmKillBrowser kills (SIGKILL) every process of the run's browser once
// its login waits on the page that never redirects.
func fmKillBrowser(ck *fmCheck, f *fmFixture, _ *os.Process, exited <-chan struct{}) {
	if !fmAwaitPostRedirect(ck, f, exited) {
		return
	}
	procs := testenv.Processes("--user-data-dir=" + f.tmp + "/")
	if len(procs) == 0 {
		ck.errorf("no browser runs with a profile in the run's TMPDIR while the login waits")
		return
	}
	for pid := range procs {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// fmSeedToken caches a token for the demo account that expires in ttl.
func fmSeedToken(f *fmFixture, access string, ttl time.Duration) {
	f.t.Helper()
	err := f.profile().SaveToken(context.Background(), &exchange.Token{AccessToken: access, RefreshToken: f.rt, TokenType: "bearer",
		Expiry: time.Now().Add(ttl), User: exchange.User{ID: f.account.ID, Name: f.account.Name, Account: f.account.Account}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// fmWriteCache writes raw bytes as the profile's token.json.
func fmWriteCache(f *fmFixture, data string, perm os.FileMode) {
	f.t.Helper()
	if err := os.MkdirAll(f.profileDir(), 0o700); err != nil {
		f.t.Fatal(err)
	}
	file := filepath.Join(f.profileDir(), "token.json")
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chmod(file, perm); err != nil {
		f.t.Fatal(err)
	}
}

// fmSeedSession stores a session cookie in the profile.
func fmSeedSession(f *fmFixture, c *http.Cookie) {
	f.t.Helper()
	f.secrets = append(f.secrets, c.Value)
	err := f.profile().SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{{Name: c.Name, Value: c.Value,
		Domain: c.Domain, Path: c.Path, Expires: c.Expires, Secure: true, HTTPOnly: true}}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// fmPixivInvalidCode is Pixiv's 400 for a code it does not know.
const fmPixivInvalidCode = `{"has_error":true,"errors":{"system":{"message":"Invalid authorization code","code":1508}},"error":"invalid_grant"}`

func fmCases() []fmCase {
	refresh := func(f *fmFixture) []string { return []string{"refresh", f.rt, "--json"} }
	login := func(f *fmFixture) []string { return f.loginArgs() }
	inject := func(e pixivtest.Endpoint, fault pixivtest.Fault) func(*testing.T, *fmFixture) {
		return func(_ *testing.T, f *fmFixture) { f.srv.Inject(e, fault) }
	}
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	browserFlag := func(path func(*fmFixture) string) func(*fmFixture) []string {
		return func(f *fmFixture) []string { return append(f.loginArgs(), "--browser", path(f)) }
	}

	return []fmCase{
		// The token endpoint failing a refresh.
		{name: "refresh: token endpoint 500", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 500, Body: `{"has_error":true}`}),
			code:  exitUnavailable, say: []string{"Pixiv is failing", "HTTP 500", "after 4 tries", "try again later"},
			check: fmTokenRequests(4)},
		{name: "refresh: token endpoint 503", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 503, Body: `{"has_error":true}`}),
			code:  exitUnavailable, say: []string{"Pixiv is failing", "HTTP 503", "try again later"},
			check: fmTokenRequests(4)},
		{name: "refresh: 503 once, then Pixiv answers", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 503, Times: 1}),
			code:  exitOK, check: fmAll(fmTokenRequests(2), fmPrintsIssued)},
		{name: "refresh: 429 with Retry-After, every time", args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 429, Body: `{"has_error":true}`, Header: retryAfter("1")}),
			code:  exitUnavailable, say: []string{"Pixiv is limiting requests", "HTTP 429", "retry after 1s", "wait, then try again"},
			check: func(ck *fmCheck, f *fmFixture, rs []fmResult) {
				reqs := f.srv.TokenRequests()
				if len(reqs) != 4 {
					ck.errorf("the double saw %d token requests, want 4", len(reqs))
				}
				for i := 1; i < len(reqs); i++ {
					if gap := reqs[i].Time.Sub(reqs[i-1].Time); gap < time.Second {
						ck.errorf("try %d came %s after the last, before the Retry-After of 1 s", i+1, gap)
					}
				}
			}},
		{name: "refresh: 429 with a Retry-After of an hour is not waited out", args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 429, Body: `{"has_error":true}`, Header: retryAfter("3600")}),
			code:  exitUnavailable, say: []string{"Pixiv is limiting requests", "retry after 1h0m0s", "wait, then try again"},
			check: fmTokenRequests(1)},
		{name: "refresh: Cloudflare's HTML 403", args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.CloudflareBlock()),
			code:  exitUnavailable, say: []string{"blocked", "HTTP 403", "Cloudflare", "from another network"},
			check: fmTokenRequests(1)},
		{name: "refresh: Cloudflare's HTML 503", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.CloudflareUnavailable()),
			code:  exitUnavailable, say: []string{"HTTP 503", "Cloudflare", "try again later"},
			check: fmTokenRequests(4)},
		{name: "refresh: malformed JSON", args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Malformed: true}),
			code:  exitUnavailable, say: []string{"malformed answer", "try again later"}},
		{name: "refresh: a body that never ends, --timeout 5s", args: refresh, timeout: "5s",
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true}),
			code:  exitUnavailable, say: []string{pixiv.OAuthHost, "did not answer in time", "try again", "the run used all of its --timeout 5s"}},
		{name: "refresh: an answer slower than --timeout 3s", args: refresh, timeout: "3s",
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Delay: 5 * time.Minute}),
			code:  exitUnavailable, say: []string{pixiv.OAuthHost, "did not answer in time", "try again", "the run used all of its --timeout 3s"}},
		{name: "refresh: connection reset every time", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true}),
			code:  exitUnavailable, say: []string{pixiv.OAuthHost, "closed the connection", "check the network"},
			check: fmTokenRequests(4)},
		{name: "refresh: connection reset once, then Pixiv answers", retries: true, args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true, Times: 1}),
			code:  exitOK, check: fmAll(fmTokenRequests(2), fmPrintsIssued)},
		{name: "refresh: Pixiv unreachable (closed port)", retries: true, args: refresh,
			setup: func(t *testing.T, f *fmFixture) { f.addr = closedPort(t) },
			code:  exitUnavailable, say: []string{"cannot reach " + pixiv.OAuthHost, "connection refused", "nothing listens at", "start the server"}},
		{name: "refresh: invalid refresh token",
			args: func(f *fmFixture) []string { return []string{"refresh", "fm-unknown-refresh-token"} },
			setup: func(_ *testing.T, f *fmFixture) {
				f.secrets = append(f.secrets, "fm-unknown-refresh-token")
			},
			code: exitPerson, say: []string{"rejected the refresh token", "Invalid refresh token", "pixivauth login"},
			check: fmTokenRequests(1)},
		{name: "check: Cloudflare's HTML 403",
			args:  func(f *fmFixture) []string { return []string{"check", f.rt} },
			setup: inject(pixivtest.EndpointToken, pixivtest.CloudflareBlock()),
			code:  exitUnavailable, say: []string{"Cloudflare", "from another network"}},

		// The cache.
		{name: "refresh: unwritable config dir prints the tokens", args: refresh,
			setup: func(t *testing.T, f *fmFixture) {
				f.config = filepath.Join(t.TempDir(), "config")
				if err := os.WriteFile(f.config, []byte("a file where the config dir should be"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			code: exitFailure, say: []string{"printed but could not be saved", "config"},
			check: fmPrintsIssued},
		{name: "token: corrupt token.json, nothing else",
			args:  func(*fmFixture) []string { return []string{"token"} },
			setup: func(_ *testing.T, f *fmFixture) { fmWriteCache(f, `{"access_token": "trunc`, 0o600) },
			code:  exitPerson, say: []string{"corrupt", "token.json.corrupt-", "treated it as absent", "pixivauth login"},
			check: fmAll(fmNoRequests, fmMovedAside)},
		{name: "token: corrupt token.json with $PIXIV_REFRESH_TOKEN",
			args:  func(*fmFixture) []string { return []string{"token", "--json"} },
			env:   func(f *fmFixture) []string { return []string{"PIXIV_REFRESH_TOKEN=" + f.rt} },
			setup: func(_ *testing.T, f *fmFixture) { fmWriteCache(f, "\x00\x01 not json", 0o600) },
			code:  exitOK, say: []string{"corrupt", "token.json.corrupt-"},
			check: fmAll(fmTokenRequests(1), fmPrintsIssued, fmMovedAside)},
		{name: "token: token.json 0644 is repaired",
			args: func(*fmFixture) []string { return []string{"token"} },
			setup: func(_ *testing.T, f *fmFixture) {
				fmSeedToken(f, "fm-cached-access-token", time.Hour)
				fmChmodCache(f, 0o644)
			},
			code: exitOK, say: []string{"warning", "repaired permissions", "token.json"},
			check: func(ck *fmCheck, f *fmFixture, rs []fmResult) {
				if rs[0].Stdout != "fm-cached-access-token\n" {
					ck.errorf("token printed %q, want the cached token", rs[0].Stdout)
				}
				fi, err := os.Stat(filepath.Join(f.profileDir(), "token.json"))
				if err != nil || fi.Mode().Perm() != 0o600 {
					ck.errorf("token.json is %v (%v), want 0600", fi.Mode().Perm(), err)
				}
				fmNoRequests(ck, f, rs)
			}},
		{name: "token: 10 parallel runs, expiring cache, one refresh", runs: 10,
			args:  func(*fmFixture) []string { return []string{"token"} },
			setup: func(_ *testing.T, f *fmFixture) { fmSeedToken(f, "fm-expiring-access-token", 30*time.Second) },
			code:  exitOK,
			check: func(ck *fmCheck, f *fmFixture, rs []fmResult) {
				fmTokenRequests(1)(ck, f, rs)
				issued := f.srv.Issued()
				if len(issued) != 1 {
					return
				}
				for i, r := range rs {
					if r.Stdout != issued[0].AccessToken+"\n" {
						ck.errorf("run %d printed %q, want the one refreshed token", i+1, r.Stdout)
					}
				}
			}},

		// Usage.
		{name: "unknown option",
			args: func(*fmFixture) []string { return []string{"refresh", "--bogus", "TOKEN"} },
			code: exitUsage, say: []string{"bogus", "pixivauth refresh --help"}, check: fmNoRequests},
		{name: "unknown command",
			args: func(*fmFixture) []string { return []string{"refrsh", "TOKEN"} },
			code: exitUsage, say: []string{`unknown command "refrsh"`, `Did you mean "refresh"?`, "--help"}, check: fmNoRequests},

		// The browser missing, or not a browser.
		{name: "no browser on PATH", args: login, stdin: fmPassword,
			setup: func(t *testing.T, f *fmFixture) {
				// FindBrowser also tries absolute paths, which no PATH
				// hides: the case needs a machine with no browser there
				// (Debian's CI has none), and under CI=true it must run.
				for _, p := range capture.BrowserLocations(false) {
					if filepath.IsAbs(p) {
						_, err := os.Stat(p)
						testenv.Need(t, err != nil, p+" exists, and an empty PATH cannot hide it")
					}
				}
				f.Path = f.shared.onlySh
			},
			code: exitBrowser, say: []string{"no Chrome or Chromium found", "apt-get install chromium", "--browser"},
			check: fmNoRequests},
		{name: "--browser /nonexistent/chrome", stdin: fmPassword,
			args: browserFlag(func(*fmFixture) string { return "/nonexistent/chrome" }),
			code: exitBrowser, say: []string{"/nonexistent/chrome", "not found", "Chrome or Chromium"},
			check: fmNoRequests},
		{name: "--browser /bin/true", stdin: fmPassword,
			args: browserFlag(func(*fmFixture) string { return "/bin/true" }),
			code: exitBrowser, say: []string{"/bin/true", "not a browser", "Chrome or Chromium"},
			check: fmNoRequests},
		{name: "--browser a script that prints hello", stdin: fmPassword,
			args: browserFlag(func(f *fmFixture) string { return f.shared.hello }),
			code: exitBrowser, say: []string{"not a browser", `"hello"`, "Chrome or Chromium"},
			check: fmNoRequests},
		{name: "login --headless: stored session cookie already expired",
			args: func(*fmFixture) []string { return []string{"login", "--headless"} },
			setup: func(_ *testing.T, f *fmFixture) {
				fmSeedSession(f, &http.Cookie{Name: pixiv.SessionCookie, Value: f.account.ID + "_fmexpiredsessionvalue0000",
					Domain: pixiv.CookieDomain, Path: "/", Expires: time.Now().Add(-time.Hour)})
			},
			code: exitPerson, say: []string{"expired", "pixivauth login", "--username"}, check: fmNoRequests},

		// A real headless browser.
		// A 5xx leaves the code valid: the exchange is retried while it
		// can be (issue 9.7), and succeeds when the 5xx passes.
		{name: "login: token endpoint 503 at the exchange", fake: true, args: login, stdin: fmPassword,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 503, Body: `{"has_error":true}`}),
			code:  exitUnavailable, say: []string{"code exchange", "Pixiv is failing", "HTTP 503", "after 4 tries", "run the login again later"},
			check: fmTokenRequests(4)},
		{name: "login: one 503 at the exchange is retried", fake: true, stdin: fmPassword,
			args:  func(f *fmFixture) []string { return append(f.loginArgs(), "--json") },
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 503, Body: `{"has_error":true}`, Times: 1}),
			code:  exitOK,
			check: fmAll(fmTokenRequests(2), fmPrintsIssued)},
		{name: "login: Cloudflare's 403 at the exchange", fake: true, args: login, stdin: fmPassword,
			setup: inject(pixivtest.EndpointToken, pixivtest.CloudflareBlock()),
			code:  exitUnavailable, say: []string{"code exchange", "Cloudflare", "run the login again later"},
			check: fmTokenRequests(1)},
		{name: "login: the code has expired", fake: true, args: login, stdin: fmPassword,
			opts: []pixivtest.Option{pixivtest.WithCodeTTL(time.Nanosecond)},
			code: exitPerson, say: []string{"code exchange", "rejected the code", "expired", "log in again with `pixivauth login`"},
			check: fmTokenRequests(1)},
		{name: "login: Pixiv does not know the code", fake: true, args: login, stdin: fmPassword,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 400, Body: fmPixivInvalidCode}),
			code:  exitPerson, say: []string{"code exchange", "rejected the code", "Invalid authorization code", "log in again with `pixivauth login`"},
			check: fmTokenRequests(1)},
		// The exchange gets what is left of --timeout, and at least
		// auth.ExchangeFloor (5 s): the fake's code arrives at once.
		{name: "login: an answer that never ends at the exchange, --timeout 3s", fake: true, args: login, stdin: fmPassword,
			timeout: "3s",
			setup:   inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true}),
			code:    exitUnavailable, say: []string{"code exchange", pixiv.OAuthHost, "did not answer in time"},
			check:     fmTokenRequests(1),
			hardLimit: 75 * time.Second},
		{name: "login: the callback carries error=access_denied", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.Rejected),
			code:    exitPerson, say: []string{"access_denied", "log in again"},
			check: fmTokenRequests(0)},
		{name: "login: a page that never redirects", browser: true, shell: true, args: login, stdin: fmPassword,
			env:   fmQuickStall,
			setup: func(_ *testing.T, f *fmFixture) { f.srv.SetNoRedirect(true) },
			code:  exitUnavailable,
			say:   []string{"no progress", pixiv.AccountsHost + pixiv.PostRedirectPath, "last-failure"},
			check: func(ck *fmCheck, f *fmFixture, rs []fmResult) {
				dir := filepath.Join(f.profileDir(), "last-failure")
				if !strings.Contains(rs[0].Stderr, dir) {
					ck.errorf("stderr does not name the last-failure dir %s", dir)
				}
				if fi, err := os.Stat(filepath.Join(dir, "screenshot.png")); err != nil || fi.Size() == 0 {
					ck.errorf("no screenshot saved in %s: %v", dir, err)
				}
				fmTokenRequests(0)(ck, f, rs)
			}},
		{name: "login: Cloudflare's 403 on the login page", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.Blocked),
			code:    exitUnavailable,
			say:     []string{"Cloudflare", "blocked", "another network"},
			check:   fmTokenRequests(0)},
		// 20 s: on a busy machine the browser can take more than 10 s to
		// start, and a timeout during the start is a browser problem.
		{name: "login: headless login slower than --timeout 20s", browser: true, shell: true, args: login, stdin: fmPassword,
			timeout: "20s", env: fmNoStall,
			setup: func(_ *testing.T, f *fmFixture) { f.srv.SetNoRedirect(true) },
			code:  exitUnavailable, say: []string{"did not finish within 20s", "last page"},
			check: fmTokenRequests(0)},
		{name: "login: the browser is killed mid-login", browser: true, args: login, stdin: fmPassword,
			setup:  func(_ *testing.T, f *fmFixture) { f.srv.SetNoRedirect(true) },
			during: fmKillBrowser, env: fmNoStall,
			code: exitBrowser, say: []string{"browser", "exited during the login", "killed"},
			check: fmTokenRequests(0)},
		// SIGTERM, what systemd and CI send to stop a job. SIGINT ends the
		// login through the same cancellation; TestSignals proves that it
		// is handled (exit 130) without a browser.
		{name: "login: SIGTERM while the login waits", browser: true, args: login, stdin: fmPassword,
			setup:  func(_ *testing.T, f *fmFixture) { f.srv.SetNoRedirect(true) },
			during: fmSignalAtPostRedirect(syscall.SIGTERM), env: fmNoStall,
			code: exitTerminated, say: []string{"interrupted", "terminated"}},
		{name: "login --headless: stored session expired at Pixiv", browser: true,
			args: func(*fmFixture) []string { return []string{"login", "--headless"} },
			setup: func(_ *testing.T, f *fmFixture) {
				fmSeedSession(f, f.srv.NewSession(f.account.ID))
				f.srv.ExpireSessions()
			},
			code: exitPerson, say: []string{"session has expired", "pixivauth login", "--username"},
			check: fmTokenRequests(0)},
		{name: "login: wrong password", args: login, stdin: "fm-wrong-password",
			fakeErr: driverErr(reason.WrongPassword),
			code:    exitPerson, say: []string{"refused the username or password", "check them"},
			check: fmTokenRequests(0)},
		{name: "login: captcha", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.Captcha),
			code:    exitPerson, say: []string{"captcha", "log in once with a window"},
			check: fmTokenRequests(0)},
		{name: "login: two-factor account without --totp-secret", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.OneTimeCode),
			code:    exitPerson, say: []string{"one-time code", "--totp-secret"},
			check: fmTokenRequests(0)},
		{name: "login: a window with no display", browser: true,
			args: func(*fmFixture) []string { return []string{"login"} },
			env:  func(*fmFixture) []string { return []string{"DISPLAY=", "WAYLAND_DISPLAY="} },
			code: exitBrowser, say: []string{"no display", "--headless"},
			check: fmNoRequests},
		{name: "refresh: an empty answer", args: refresh,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 200, Body: ""}),
			code:  exitUnavailable, say: []string{"empty answer", "try again later"}},
		{name: "login --headless: corrupt session.json, nothing else",
			args: func(*fmFixture) []string { return []string{"login", "--headless"} },
			setup: func(t *testing.T, f *fmFixture) {
				if err := os.MkdirAll(f.profileDir(), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(f.profileDir(), "session.json"), []byte(`{"version":1,"cookies":[{"na`), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			code: exitUsage, say: []string{"corrupt", "session.json.corrupt-", "--cookies", "--username"},
			check: func(ck *fmCheck, f *fmFixture, rs []fmResult) {
				aside, _ := filepath.Glob(filepath.Join(f.profileDir(), "session.json.corrupt-*"))
				if len(aside) != 1 {
					ck.errorf("want the corrupt session.json moved aside, found %q", aside)
				}
				fmNoRequests(ck, f, rs)
			}},
		// Host routing cannot reach an attached browser (issue 9.4).
		{name: "--browser-url with --pixiv-server is refused", stdin: fmPassword,
			args: func(f *fmFixture) []string {
				return append(f.loginArgs(), "--browser-url", "ws://"+closedPort(f.t)+"/devtools/browser/fm")
			},
			code: exitUsage, say: []string{"--browser-url cannot be used with --pixiv-server"}, check: fmNoRequests},
		// A file as the profile would send Chromium to ~/.config/chromium (issue 9.2).
		{name: "--browser-profile that is a file", stdin: fmPassword,
			args: func(f *fmFixture) []string {
				file := filepath.Join(f.t.TempDir(), "profile")
				os.WriteFile(file, []byte("a file"), 0o600)
				return append(f.loginArgs(), "--browser-profile", file)
			},
			code: exitUsage, say: []string{"--browser-profile", "not a directory"}, check: fmNoRequests},
		// Another browser on the profile: exit 5 at once, and it still runs (issue 9.1).
		{name: "login: --browser-profile in use by another browser", browser: true, stdin: fmPassword,
			args: func(f *fmFixture) []string {
				profile := f.t.TempDir()
				pid := startOwnBrowser(f.t, profile)
				f.t.Cleanup(func() {
					if !running(pid) {
						f.t.Error("the other browser on the profile was killed")
					}
				})
				return append(f.loginArgs(), "--browser-profile", profile)
			},
			code: exitBrowser, say: []string{"is in use by another browser: close it, or drop --browser-profile"}, check: fmTokenRequests(0)},
		{name: "login: connection reset at the exchange", fake: true, args: login, stdin: fmPassword,
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true}),
			code:  exitUnavailable, say: []string{"code exchange", "closed the connection", "after 4 tries", "run the login again"},
			check: fmTokenRequests(4)},
		{name: "login: one reset at the exchange is retried", fake: true, stdin: fmPassword,
			args:  func(f *fmFixture) []string { return append(f.loginArgs(), "--json") },
			setup: inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true, Times: 1}),
			code:  exitOK,
			check: fmAll(fmTokenRequests(2), fmPrintsIssued)},
		{name: "login: a TOTP secret that is not base32", args: login, stdin: fmPassword,
			account: func(a *pixivtest.Account) { a.TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DP" },
			env:     func(*fmFixture) []string { return []string{"PIXIV_TOTP_SECRET=fm-not-base32-!!"} },
			setup: func(_ *testing.T, f *fmFixture) {
				f.secrets = append(f.secrets, f.account.TOTPSecret, "fm-not-base32-!!")
			},
			// A mistake in the input, found before a browser starts.
			code: exitUsage, say: []string{"TOTP secret", "base32"},
			check: fmNoRequests},
		{name: "login --headless: a --phpsessid that Pixiv has ended", browser: true,
			args: func(*fmFixture) []string { return []string{"login", "--headless"} },
			env: func(f *fmFixture) []string {
				return []string{"PIXIV_PHPSESSID=" + f.sessid}
			},
			setup: func(_ *testing.T, f *fmFixture) {
				f.sessid = f.srv.NewSession(f.account.ID).Value
				f.secrets = append(f.secrets, f.sessid)
				f.srv.ExpireSessions()
			},
			code: exitPerson, say: []string{"expired", "pixivauth login", "--username"},
			check: fmTokenRequests(0)},
		{name: "login: the login page never finishes loading", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.Stalled),
			code:    exitUnavailable, say: []string{"no progress"},
			check: fmTokenRequests(0)},
		{name: "login: connection reset on the login page", args: login, stdin: fmPassword,
			fakeErr: driverErr(reason.Unreachable),
			code:    exitUnavailable, say: []string{"could not load", "check the network"},
			check: fmTokenRequests(0)},
		{name: "login: a stale profile of a killed run is removed", browser: true, stdin: fmPassword,
			args: func(f *fmFixture) []string { return append(f.loginArgs(), "--json") },
			setup: func(t *testing.T, f *fmFixture) {
				// The owner's pid is past any pid_max: that process is gone.
				stale := filepath.Join(f.tmp, capture.ProfilePrefix+"2147483646-fmstale", "profile")
				if err := os.MkdirAll(stale, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(stale, "Local State"), []byte("{}"), 0o600); err != nil {
					t.Fatal(err)
				}
				// A browser helper that outlived the killed run, still
				// using the profile: in the process group the run recorded,
				// with the run's marker (only such a group is signalled).
				root := filepath.Dir(stale)
				helper := exec.Command("sh", "-c", "while :; do sleep 1; done", "--user-data-dir="+stale)
				helper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				helper.Env = append(os.Environ(), "PIXIVAUTH_BROWSER_RUN="+root)
				if err := helper.Start(); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, "browser.pgid"), []byte(strconv.Itoa(helper.Process.Pid)), 0o600); err != nil {
					t.Fatal(err)
				}
				go func() { _ = helper.Wait() }()
				t.Cleanup(func() { _ = helper.Process.Kill() })
			},
			code:  exitOK,
			check: fmAll(fmTokenRequests(1), fmPrintsIssued)},
		// 20 s: on a busy machine, a window's browser can take more than
		// 8 s to start, and a timeout during the start is reported as a
		// browser problem.
		{name: "login: a window that waits past --timeout 20s", browser: true,
			args:    func(*fmFixture) []string { return []string{"login"} },
			env:     func(f *fmFixture) []string { return []string{"DISPLAY=" + f.Display} },
			timeout: "20s",
			setup:   func(t *testing.T, f *fmFixture) { f.Display = testenv.StartXvfb(t) },
			code:    exitPerson, say: []string{"timed out after 20s", "window", "--timeout"},
			check: fmTokenRequests(0)},
		// A config dir that is a file is refused before the login
		// (TestConfigDirIsAFile); one where the token cannot be written
		// is found only at the save, after Pixiv issued the tokens.
		{name: "login: unwritable token file prints the tokens", fake: true, stdin: fmPassword,
			args: func(f *fmFixture) []string { return append(f.loginArgs(), "--json") },
			setup: func(t *testing.T, f *fmFixture) {
				if err := os.MkdirAll(filepath.Join(f.config, "default", "token.json", "in-the-way"), 0o700); err != nil {
					t.Fatal(err)
				}
			},
			code: exitFailure, say: []string{"could not be saved"},
			check: fmAll(fmTokenRequests(1), fmPrintsIssued)},
	}
}

// fmMovedAside checks that a corrupt token.json was moved aside.
func fmMovedAside(ck *fmCheck, f *fmFixture, _ []fmResult) {
	aside, _ := filepath.Glob(filepath.Join(f.profileDir(), "token.json.corrupt-*"))
	if len(aside) != 1 {
		ck.errorf("want the corrupt token.json moved aside as token.json.corrupt-*, found %q", aside)
	}
}

func fmChmodCache(f *fmFixture, perm os.FileMode) {
	f.t.Helper()
	if err := os.Chmod(filepath.Join(f.profileDir(), "token.json"), perm); err != nil {
		f.t.Fatal(err)
	}
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	_, browserErr := capture.FindBrowser("", false)

	shared := &fmShared{onlySh: t.TempDir()}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sh, filepath.Join(shared.onlySh, "sh")); err != nil {
		t.Fatal(err)
	}
	// Written before any case starts a process, so that no child can hold
	// it open for writing when it is run (ETXTBSY).
	shared.hello = filepath.Join(t.TempDir(), "hello")
	if err := os.WriteFile(shared.hello, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	cases := fmCases()
	if len(cases) < 28 {
		t.Fatalf("the matrix has %d cases, want at least 28", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.browser {
				testenv.Need(t, browserErr == nil, fmt.Sprint(browserErr))
			}
			f := fmNewFixture(t, c, shared)
			if c.stdin != "" {
				f.secrets = append(f.secrets, strings.TrimSpace(c.stdin))
			}
			if c.setup != nil {
				c.setup(t, f)
			}
			if c.browser {
				holdBrowserSlot(t)
			}
			ck := &fmCheck{t: t}
			runs := max(c.runs, 1)
			results := make([]fmResult, runs)
			if runs == 1 {
				results[0] = fmRun(ck, c, f, c.during)
			} else {
				var wg sync.WaitGroup
				for i := range runs {
					wg.Go(func() { results[i] = fmRun(ck, c, f, nil) })
				}
				wg.Wait()
			}
			for i, r := range results {
				t.Logf("run %d: %v", i+1, r)
			}
			fmAssert(ck, c, f, results)
			ck.finish()
		})
	}
}
