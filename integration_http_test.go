package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// noBrowserPATH is a PATH where no browser (nor anything else) is found,
// with $PIXIVAUTH_BROWSER unset by cleanEnv: a server or CI runner without
// a browser installed.
func noBrowserPATH(t *testing.T) string { return "PATH=" + t.TempDir() }

// sessionEnv gives pixivauth a live session of the fixture's account.
func (f *fixture) sessionEnv() (env []string, value string) {
	c := f.srv.NewSession(f.account.ID)
	return []string{"PIXIV_PHPSESSID=" + c.Value}, c.Value
}

// browserlessRequests are the requests of the login before the token
// endpoint, and whether the callback was among them.
func (f *fixture) noCallback() {
	f.t.Helper()
	for _, r := range f.srv.Requests() {
		if r.Path == pixiv.CallbackPath {
			f.t.Errorf("the callback was requested: a browser (or a client following redirects) ran")
		}
	}
}

// A session login on a machine with no browser: login --headless and
// --no-browser both go over HTTP, print the tokens and save the session.
func TestSessionLoginWithoutABrowser(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"login", "--headless", "--json"},
		{"login", "--no-browser", "--json"},
		{"login", "--headless", "--no-browser", "--json", "-v"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			env, sessid := f.sessionEnv()
			r := f.run(append(env, noBrowserPATH(t)), "", args...)
			expectCode(t, r, 0)
			if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken || got.User.ID != f.account.ID {
				t.Errorf("printed %+v, want the issued token of %s", got, f.account.ID)
			}
			if strings.Contains(r.Stderr, sessid) || strings.Contains(r.Stderr, f.issued().AccessToken) {
				t.Errorf("stderr carries a secret:\n%s", r.Stderr)
			}
			s, err := f.profile().LoadSession()
			if err != nil || !strings.Contains(fmt.Sprint(s.Cookies), pixiv.SessionCookie) {
				t.Errorf("the session was not saved as the profile's: %v %v", s, err)
			}
			f.noCallback()
		})
	}
}

// The stored session (saved by an earlier login) is used without a browser,
// and check --login makes the same choice.
func TestStoredSessionLoginAndCheckWithoutABrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env, _ := f.sessionEnv()
	expectCode(t, f.run(append(env, noBrowserPATH(t)), "", "login", "--no-browser", "--json"), 0)

	r := f.run([]string{noBrowserPATH(t)}, "", "login", "--headless", "--json")
	expectCode(t, r, 0)
	r = f.run([]string{noBrowserPATH(t)}, "", "check", "--login", "--json")
	expectCode(t, r, 0)
	if !strings.Contains(r.Stdout, `"ok": true`) {
		t.Errorf("check --login printed %q", r.Stdout)
	}
	r = f.run([]string{noBrowserPATH(t)}, "", "check", "--login", "--no-browser")
	expectCode(t, r, 0)
	f.noCallback()
}

// What ends a --no-browser login, and how: never by starting a browser.
func TestNoBrowserFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		prepare func(f *fixture)
		code    int
		say     []string
		saved   bool
	}{
		{"dead session", func(f *fixture) { f.srv.ExpireSessions() }, exitPerson,
			[]string{"session has expired", "pixivauth login", "--no-browser needs a live session"}, false},
		{"Cloudflare at account selection", func(f *fixture) {
			f.srv.Inject(pixivtest.EndpointAccountSelected, pixivtest.CloudflareBlock())
		}, exitUnavailable, []string{"Cloudflare", "another network", "last-failure"}, true},
		{"a page it does not know", func(f *fixture) {
			f.srv.Inject(pixivtest.EndpointPostRedirect, pixivtest.Fault{Status: 200, Body: "<html><body>new</body></html>"})
		}, exitUnavailable, []string{"post-redirect", "init-config", "last-failure"}, true},
		{"5xx at authorize", func(f *fixture) {
			f.srv.Inject(pixivtest.EndpointAuthorize, pixivtest.Fault{Status: 502, Body: "bad gateway"})
		}, exitUnavailable, []string{"authorize", "HTTP 502", "try again later"}, true},
		{"connection reset at start", func(f *fixture) {
			f.srv.Inject(pixivtest.EndpointStart, pixivtest.Fault{Reset: true})
		}, exitUnavailable, []string{"cannot reach the start URL", "connection reset", "check the network or proxy, then try again"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			env, sessid := f.sessionEnv()
			c.prepare(f)
			r := f.run(append(env, noBrowserPATH(t)), "", "login", "--no-browser", "--timeout", long)
			expectCode(t, r, c.code)
			for _, s := range c.say {
				if !strings.Contains(r.Stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, sessid) {
				t.Errorf("stderr carries the session cookie")
			}
			dir := f.profile().LastFailureDir()
			_, err := os.Stat(filepath.Join(dir, "response.txt"))
			if (err == nil) != c.saved {
				t.Errorf("last-failure saved: %v, want %v", err == nil, c.saved)
			}
			if c.saved && !strings.Contains(r.Stderr, dir) {
				t.Errorf("stderr does not name %s", dir)
			}
			if r.Took > wellBefore {
				t.Errorf("took %s", r.Took)
			}
			f.noCallback()
		})
	}
}

// A --no-browser login that reaches no Pixiv gets the advice the token
// commands give for the same mistake with --pixiv-server: start the double
// that should listen there, or trust its certificate (--insecure).
func TestNoBrowserNetworkAdvice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env, _ := f.sessionEnv()
	cases := []struct {
		name   string
		server []string
		say    []string
	}{
		{"nothing listens", []string{"--pixiv-server", closedPort(t), "--insecure"},
			[]string{"cannot reach the app login URL", "connection refused", "start the server that should listen at 127.0.0.1:", "(a test double?), then try again"}},
		{"the double's certificate not trusted", []string{"--pixiv-server", f.srv.Addr()},
			[]string{"cannot reach the app login URL", "certificate", "then try again; the --pixiv-server double's certificate is not trusted here: add --insecure"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append(c.server, "--config-dir", t.TempDir(), "login", "--no-browser", "--timeout", long)
			r := runPixivauth(t, append(env, noBrowserPATH(t)), "", args...)
			expectCode(t, r, exitUnavailable)
			for _, s := range c.say {
				if !strings.Contains(r.Stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, r.Stderr)
				}
			}
			if strings.Count(strings.TrimSpace(r.Stderr), "\n") > 1 {
				t.Errorf("want the error on one line (beside --insecure's warning):\n%s", r.Stderr)
			}
		})
	}
}

func TestNoBrowserUsage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, args := range [][]string{
		{"login", "--no-browser"}, // nothing to log in with
		{"login", "--no-browser", "--username", "demo", "--password-stdin"},
		{"login", "--no-browser", "--phpsessid", "1_x", "--browser-url", "ws://127.0.0.1:1/x"},
	} {
		r := f.run([]string{noBrowserPATH(t)}, "pw\n", args...)
		expectCode(t, r, exitUsage)
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("usage errors made %d requests", n)
	}
}

// A session option wins over $PIXIV_PHPSESSID: a variable left over in
// the shell does not replace the session asked for (the login used to fail
// with "the session has expired"). Two options that each give a session
// are a usage error.
func TestSessionOptionWinsOverTheEnvironment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	live := f.srv.NewSession(f.account.ID)
	file := filepath.Join(t.TempDir(), "cookies.txt")
	line := fmt.Sprintf("#HttpOnly_%s\tTRUE\t/\tTRUE\t%d\t%s\t%s\n", pixiv.CookieDomain, live.Expires.Unix(), pixiv.SessionCookie, live.Value)
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := "PIXIV_PHPSESSID=" + f.account.ID + "_longgoneSession"
	r := f.run([]string{stale, noBrowserPATH(t)}, "", "login", "--no-browser", "--json", "-v", "--cookies", file)
	expectCode(t, r, 0)
	if got := decodeToken(t, r); got.User.ID != f.account.ID {
		t.Errorf("logged in as %+v", got.User)
	}
	if !strings.Contains(r.Stderr, "$PIXIV_PHPSESSID is not used: --cookies gives the session") {
		t.Errorf("-v does not say the variable was left aside:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, live.Value) {
		t.Errorf("stderr carries the session:\n%s", r.Stderr)
	}

	sessidFile := filepath.Join(t.TempDir(), "sessid")
	os.WriteFile(sessidFile, []byte(live.Value), 0o600)
	before := len(f.srv.Requests())
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--cookies", file, "--phpsessid-file", sessidFile}, "--cookies and --phpsessid-file both give a session: give one"},
		{[]string{"--cookies-from-browser", "firefox", "--phpsessid", live.Value}, "--cookies-from-browser and --phpsessid both give a session: give one"},
	} {
		r := f.run(nil, "", append([]string{"login", "--no-browser"}, tt.args...)...)
		expectCode(t, r, exitUsage)
		if !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("%v: %s", tt.args, r.Stderr)
		}
	}
	if n := len(f.srv.Requests()); n != before {
		t.Errorf("usage errors made %d requests", n-before)
	}
}

// A session Pixiv refuses is named by where it came from: a variable left
// in the shell, not the profile's stored session, may be what ended.
func TestDeadSessionNamesItsSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	stale := "PIXIV_PHPSESSID=" + f.account.ID + "_longgoneSession"
	r := f.run([]string{stale, noBrowserPATH(t)}, "", "login", "--no-browser")
	expectCode(t, r, exitPerson)
	if !strings.Contains(r.Stderr, "the session from $PIXIV_PHPSESSID") {
		t.Errorf("the error does not say which session ended:\n%s", r.Stderr)
	}
}

// The browserless login goes through --proxy like every other request.
func TestNoBrowserThroughProxy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	proxy := pixivtest.NewProxy(f.srv.Addr())
	t.Cleanup(proxy.Close)
	proxyURL := proxy.URL()
	env, _ := f.sessionEnv()
	env = append(env, trustDouble(t, f.srv.Addr()), noBrowserPATH(t))
	r := runPixivauth(t, env, "", "login", "--no-browser", "--json", "--config-dir", f.dir, "--proxy", proxyURL, "--timeout", long)
	expectCode(t, r, 0)
	seen := strings.Join(proxy.Requests(), " ")
	for _, host := range pixiv.Hosts() {
		if !strings.Contains(seen, "CONNECT "+host+":443") {
			t.Errorf("the proxy saw %q, not a tunnel to %s", seen, host)
		}
	}
}

// A headless session login that meets something the HTTP path does not
// expect (here a Cloudflare page at account selection) falls back to the
// browser, which gets past it, and says so at -v.
func TestHeadlessFallsBackToTheBrowser(t *testing.T) {
	t.Parallel()
	_, err := capture.FindBrowser("", false)
	testenv.Need(t, err == nil, fmt.Sprint(err))
	f := newFixture(t)
	env, _ := f.sessionEnv()
	f.srv.Inject(pixivtest.EndpointAccountSelected, func() pixivtest.Fault {
		fault := pixivtest.CloudflareBlock()
		fault.Times = 1
		return fault
	}())
	useHeadlessShell(f.Run)
	r := f.run(env, "", "login", "--headless", "--json", "-v", "--timeout", long)
	expectCode(t, r, 0)
	if !strings.Contains(r.Stderr, "trying the next way to log in") || !strings.Contains(r.Stderr, "Cloudflare") {
		t.Errorf("-v does not say why it fell back to a browser:\n%s", r.Stderr)
	}
	if got := decodeToken(t, r); got.AccessToken != f.issued().AccessToken {
		t.Errorf("printed %q, want the issued token", got.AccessToken)
	}

	// A dead session is not a reason to start a browser: the browser would
	// meet the same login form.
	f.srv.ExpireSessions()
	r = f.run(nil, "", "login", "--headless", "-v", "--timeout", long)
	expectCode(t, r, exitPerson)
	if strings.Contains(r.Stderr, "starting the browser") {
		t.Errorf("a dead session started a browser:\n%s", r.Stderr)
	}
}

// Without a browser installed, what stops the HTTP path is what the run
// reports (exit 4, Cloudflare), not a missing browser (exit 5).
func TestHeadlessWithoutABrowserReportsTheHTTPError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env, _ := f.sessionEnv()
	f.srv.Inject(pixivtest.EndpointAccountSelected, pixivtest.CloudflareBlock())
	r := f.run(append(env, noBrowserPATH(t)), "", "login", "--headless", "-v", "--timeout", long)
	expectCode(t, r, exitUnavailable)
	if !strings.Contains(r.Stderr, "Cloudflare") || !strings.Contains(r.Stderr, "no browser to fall back to") {
		t.Errorf("stderr does not say what stopped the login:\n%s", r.Stderr)
	}
}
