package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
)

// doctorTimeout bounds each of doctor's checks that waits on something.
const doctorTimeout = 30 * time.Second

func doctorCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check the browser, the way to Pixiv and the config dir; say how to fix what fails",
		Description: `Checks the browser pixivauth would use (and its version), that it starts
headless here, that each Pixiv host resolves and answers TLS (through the
proxy, or the --pixiv-server double), and the config dir's permissions. Each
line is ok or FAILED with the fix. Exits 0 only when every check passes.

With --no-browser (a server that logs in with a session only, as
login --no-browser does) the browser is not looked for.

EXAMPLES:
   pixivauth doctor
   pixivauth doctor --browser /usr/bin/chromium --json
   pixivauth doctor --no-browser`,
		Flags: append(pick(commonFlags(reportFormats), optConfigDir, optTimeout, optVerbose, optPixivServer, optInsecure, optProxy, optFormat, optJSON),
			browserFlags()[0], &cli.BoolFlag{Name: optNoBrowser, Usage: "check no browser: for a server that logs in with --no-browser"}),
		Action: bind(readDoctor, p.runDoctor),
	}
}

// doctorCheck is one line of doctor's report.
type doctorCheck struct {
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

func passed(check, detail string) doctorCheck {
	return doctorCheck{Check: check, OK: true, Detail: detail}
}

func failed(check, detail, fix string) doctorCheck {
	return doctorCheck{Check: check, Detail: detail, Fix: fix}
}

// doctor is the doctor command.
func (p *program) runDoctor(ctx context.Context, do doctorOpts) error {
	o, err := p.setup(ctx, do.commonOpts, reportFormats)
	if err != nil {
		return err
	}
	if err := noArguments("doctor", do.args, ""); err != nil {
		return err
	}
	var checks []doctorCheck
	if do.noBrowser {
		if o.given[optBrowser] {
			return usageErrorf("--%s checks no browser: it cannot be used with --%s", optNoBrowser, optBrowser)
		}
	} else {
		checks = o.checkBrowser(do.browser)
	}
	client := o.httpClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, host := range pixiv.Hosts() {
		checks = append(checks, o.checkHost(client, host))
	}
	checks = append(checks, o.checkConfigDir())

	var b bytes.Buffer
	bad := 0
	for _, ch := range checks {
		if !ch.OK {
			bad++
		}
	}
	if o.format == formatJSON {
		writeJSON(&b, checks)
	} else {
		for _, ch := range checks {
			status := "ok    "
			if !ch.OK {
				status = "FAILED"
			}
			fmt.Fprintf(&b, "%s  %s: %s\n", status, ch.Check, ch.Detail)
			if ch.Fix != "" {
				fmt.Fprintf(&b, "        fix: %s\n", ch.Fix)
			}
		}
	}
	if err := o.printResult(b.Bytes()); err != nil {
		return err
	}
	if bad > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("doctor: %d of %d checks failed", bad, len(checks))}
	}
	return nil
}

// checkBrowser finds the browser, asks its version, and starts it
// headless with the options a login would use.
func (o *options) checkBrowser(path string) []doctorCheck {
	const fix = "install Chrome or Chromium, or give --browser PATH ($PIXIVAUTH_BROWSER)"
	found, err := capture.FindBrowser(path, false)
	if err != nil {
		return []doctorCheck{
			failed("browser", err.Error(), fix),
			failed("headless start", "not tried: no browser", fix),
			failed("browser reaches Pixiv", "not tried: no browser", fix),
		}
	}
	ctx, cancel := context.WithTimeout(o.ctx, doctorTimeout)
	defer cancel()
	version, err := capture.BrowserVersion(ctx, found)
	if err != nil {
		return []doctorCheck{
			failed("browser", fmt.Sprintf("%s does not run as a browser: %v", found, err),
				"give --browser the path of Chrome or Chromium"),
			failed("headless start", "not tried: the browser does not run", fix),
			failed("browser reaches Pixiv", "not tried: the browser does not run", fix),
		}
	}
	checks := []doctorCheck{passed("browser", fmt.Sprintf("%s (%s)", found, version))}

	opts := o.browserOptions()
	opts.Browser = found
	if opts.Timeout == 0 {
		opts.Timeout = doctorTimeout
	}
	// One browser for both checks: it starts, then opens a page of
	// Pixiv's the way a login would reach it.
	start := time.Now()
	var started time.Duration
	opts.Progress = func(s capture.Step) {
		if s.Name == capture.StepBrowserStarted {
			started = s.Time.Sub(start)
		}
	}
	page := pixiv.AccountsOrigin + "/"
	err = capture.ProbePage(ctx, opts, page)
	took := time.Since(start)
	if err != nil && (errors.Is(err, capture.ErrBrowser) || reason.Of(err) != reason.Unreachable) {
		return append(checks, failed("headless start", err.Error(),
			"run `pixivauth doctor -v` to see the browser's output"),
			failed("browser reaches Pixiv", "not tried: the browser did not start", fix))
	}
	checks = append(checks, passed("headless start", fmt.Sprintf("started in %d ms", started.Milliseconds())))
	var proxy *url.URL
	if opts.Proxy != "" {
		proxy = o.proxy
	}
	via := o.way(proxy)
	if err != nil {
		fix := "check the network or a firewall (the checks of Pixiv's hosts below say more)"
		if opts.Proxy != "" {
			fix = "a proxy that wants a password takes it in its URL (http://USER:PASSWORD@HOST:PORT); one that intercepts TLS needs its CA trusted by the browser as by your Chrome (on Linux in ~/.pki/nssdb: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n proxy -i CA.pem)"
		}
		return append(checks, failed("browser reaches Pixiv", fmt.Sprintf("%s, %s", err, via), fix))
	}
	return append(checks, passed("browser reaches Pixiv", fmt.Sprintf("%s answered the browser %s, %d ms after its start", pixiv.AccountsHost, via, (took-started).Milliseconds())))
}

// way says how a request reaches Pixiv, for doctor's lines: at the double,
// through proxy (nil: none), or directly.
func (o *options) way(proxy *url.URL) string {
	switch {
	case o.server != "":
		return "at the double " + o.server
	case proxy != nil:
		return "through the proxy " + proxy.Redacted()
	}
	return "directly"
}

// checkHost checks that host resolves and answers TLS the way pixivauth
// would reach it: directly, through the proxy, or at the double.
func (o *options) checkHost(client *http.Client, host string) doctorCheck {
	ctx, cancel := context.WithTimeout(o.ctx, doctorTimeout)
	defer cancel()
	u := &url.URL{Scheme: "https", Host: host, Path: "/"}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return failed(host, err.Error(), "")
	}
	proxy, _ := o.proxyFor(req)
	via := o.way(proxy)
	if o.server == "" && proxy == nil {
		if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
			return failed(host, "does not resolve: "+err.Error(),
				"check the network and DNS; behind a proxy, give --proxy or $HTTPS_PROXY")
		}
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return failed(host, fmt.Sprintf("no TLS answer %s: %v", via, err), exchange.NetworkTodo(err, "run doctor again"))
	}
	resp.Body.Close()
	return passed(host, fmt.Sprintf("answers TLS %s (HTTP %d in %d ms)", via, resp.StatusCode, time.Since(start).Milliseconds()))
}

// checkConfigDir checks that the config dir is a writable directory; a
// missing one is created at the first save, and one that others can read
// is made private then.
func (o *options) checkConfigDir() doctorCheck {
	const check = "config dir"
	if o.store == nil {
		if o.storeErr != nil {
			return failed(check, o.storeErr.Error(), "give --config-dir DIR or set $PIXIVAUTH_CONFIG_DIR")
		}
		return passed(check, "not used: with --pixiv-server, nothing is saved without --config-dir")
	}
	dir := o.store.Dir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return passed(check, dir+" does not exist yet; the first login creates it (0700)")
	case err != nil:
		return failed(check, err.Error(), "fix the path, or choose another with --config-dir")
	case !fi.IsDir():
		return failed(check, dir+" is not a directory", "move it away, or choose another dir with --config-dir")
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return failed(check, dir+" is not writable: "+err.Error(), "fix its owner and permissions, or choose another with --config-dir")
	}
	f.Close()
	os.Remove(f.Name())
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		// The store tightens it at its next write, with a warning, if it
		// is pixivauth's alone (store.Profile's repair).
		return passed(check, fmt.Sprintf("%s is writable; others can read it (%04o): a save makes it 0700 if it holds nothing but pixivauth's profiles, and their files are 0600 either way", dir, perm))
	}
	return passed(check, dir+" is writable and private")
}
