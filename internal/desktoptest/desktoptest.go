//go:build linux

// Package desktoptest runs a person's desktop browser for tests: Debian's
// chromium or firefox-esr, in a profile of the test's own, logged in to a
// Pixiv double (pixivtest) through its login form, and still running when
// the test reads its cookie store. Everything it starts reaches only
// loopback: Chromium resolves Pixiv's hosts to the double and every other
// name to nothing; Firefox goes through a proxy of the test's that leads
// Pixiv's hosts to the double and refuses everything else. Like
// internal/testenv, it is for tests only.
package desktoptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// Browser is a desktop browser running for a test.
type Browser struct {
	// Home is the HOME (and XDG_CONFIG_HOME's parent) the browser ran
	// with: its profiles are where that browser keeps them under it.
	Home string
	// Dir is the profile's directory (Firefox), or the user data
	// directory (Chromium, whose profile is Dir/Default).
	Dir string
	cmd *exec.Cmd
	// flush, for Chromium, asks its flush page to make it commit its
	// cookies now (see startFlusher); nil for Firefox.
	flush chan struct{}
	// stopOnce ends the browser once.
	stopOnce sync.Once
	waitErr  chan error
}

// Stop ends the browser (its whole process group) and waits for it.
func (b *Browser) Stop() {
	b.stopOnce.Do(func() {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-b.waitErr:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
			<-b.waitErr
		}
	})
}

// WaitForSession calls read until it succeeds (the browser's Pixiv session
// has reached its cookie store on disk, read the way the code under test
// reads it), while the browser runs, for up to 90 s. Before each read it
// has Chromium commit its cookies at once, which it otherwise does every
// 30 s. It returns read's last error, after failing the test, if the
// browser exits or time runs out.
func (b *Browser) WaitForSession(tb testing.TB, read func() error) {
	tb.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b.flush != nil {
			select {
			case b.flush <- struct{}{}:
			default:
			}
		}
		err := read()
		if err == nil {
			return
		}
		if !b.Running() || time.Now().After(deadline) {
			tb.Fatalf("the browser's session never reached its store (running: %v): %v", b.Running(), err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// Running reports whether the browser is still running.
func (b *Browser) Running() bool {
	select {
	case err := <-b.waitErr:
		b.waitErr <- err
		return false
	default:
		return true
	}
}

// loginURL is the start of a browser login to the double: the form fills
// itself in (pixivtest.WithAutoLogin), and the session cookie is set.
func loginURL() string {
	return pixiv.LoginURLFor(exchange.Challenge(exchange.NewVerifier()))
}

func start(tb testing.TB, name string, args, env []string, home string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"TMPDIR=" + home,
	}, env...)
	// Its own process group, ended whole by Stop; and killed if the test
	// binary dies before its cleanups run (a timeout, a kill).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &limited{w: &out, n: 8 << 10}
	if os.Getenv("DESKTOPTEST_DEBUG") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	return cmd
}

type limited struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (l *limited) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 {
		k := min(l.n, len(p))
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

func watch(tb testing.TB, cmd *exec.Cmd, home, dir string) *Browser {
	b := &Browser{Home: home, Dir: dir, cmd: cmd, waitErr: make(chan error, 1)}
	go func() { b.waitErr <- cmd.Wait() }()
	tb.Cleanup(b.Stop)
	return b
}

// newHome is a short HOME of the test's own: Chrome's singleton socket
// must fit in a Unix socket address (107 bytes), so under a deep TMPDIR
// (make test runs the suite once under one) it goes in /tmp. It is the
// test's own desktop browser, not pixivauth's: pixivauth's layout is what
// the deep TMPDIR tests.
func newHome(tb testing.TB) string {
	tb.Helper()
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "pa-desk")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// ChromiumPath is Debian's full chromium, or "" if it is not installed.
func ChromiumPath() string {
	p, _ := exec.LookPath("chromium")
	return p
}

// FirefoxPath is firefox-esr (or firefox), or "" if neither is installed.
func FirefoxPath() string {
	for _, n := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// StartChromium runs Debian's chromium headless, in its own user data
// directory where Chromium keeps it under a HOME of the test's
// ($XDG_CONFIG_HOME/chromium), with extra flags (--password-store=basic
// writes v10 values), and opens the double's login, which fills itself in.
// The double needs pixivtest.WithAutoLogin.
func StartChromium(tb testing.TB, srv *pixivtest.Server, flags ...string) *Browser {
	tb.Helper()
	return StartChromiumEnv(tb, srv, nil, flags...)
}

// StartChromiumEnv is StartChromium with extra environment variables,
// such as the DBUS_SESSION_BUS_ADDRESS of [StartSecretService]; with a
// DISPLAY among them, it opens a window there instead of running headless.
func StartChromiumEnv(tb testing.TB, srv *pixivtest.Server, env []string, flags ...string) *Browser {
	tb.Helper()
	path := ChromiumPath()
	testenv.Need(tb, path != "", "chromium is not installed: `make test` installs it (scripts/deps.sh)")
	home := newHome(tb)
	dir := filepath.Join(home, ".config", "chromium")
	args := []string{
		"--user-data-dir=" + dir, "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-domain-reliability", "--no-pings", "--disable-quic", "--disable-gpu",
		"--metrics-recording-only", "--disable-features=Translate,MediaRouter,OptimizationHints",
	}
	args = append(args, testenv.ChromeArgs(srv.BrowserFlags())...)
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses root otherwise
	}
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "DISPLAY=") }) {
		args = append(args, "--headless")
	}
	args = append(args, flags...)
	// Headless Chromium opens one page from its command line: the flush
	// page, which opens the login (popups are allowed).
	flush, flushURL := startFlusher(tb, loginURL())
	args = append(args, "--disable-popup-blocking", flushURL)
	b := watch(tb, start(tb, path, args, env, home), home, dir)
	b.flush = flush
	return b
}

// flushPage, the test's Chromium's first tab, opens the login in another, and makes
// it commit its cookie store when the test asks. Chromium writes cookies to
// disk every 30 s, or at once when 512 changes are pending
// (kCommitAfterBatchSize in net/extras/sqlite/sqlite_persistent_cookie_store.cc):
// 600 writes of 150 lasting cookies of its own origin are over 1000
// changes, and the commit takes Pixiv's with them. The cookies are
// 127.0.0.1's, which a reader of Pixiv's cookies leaves alone.
const flushPage = `<!doctype html><title>flush</title><script>
window.open(LOGIN);
(async () => {
  for (;;) {
    let r;
    try { r = await fetch("/wait", {cache: "no-store"}); } catch (e) { return; }
    if (r.status !== 200) return;
    await r.text();
    for (let i = 0; i < 600; i++) document.cookie = "flush" + (i % 150) + "=" + i + "; max-age=600; path=/";
  }
})();
</script>`

// startFlusher serves flushPage, opening login, on loopback and returns the channel that
// asks it to write, and its address. Both end with the test.
func startFlusher(tb testing.TB, login string) (chan struct{}, string) {
	ask := make(chan struct{}, 1)
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q, _ := json.Marshal(login)
		io.WriteString(w, strings.Replace(flushPage, "LOGIN", string(q), 1))
	})
	mux.HandleFunc("GET /wait", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ask:
			io.WriteString(w, "go")
		case <-done:
			w.WriteHeader(http.StatusGone)
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		close(done)
		srv.Close()
	})
	return ask, srv.URL + "/"
}

// StartSecretService runs a D-Bus session bus of the test's own and GNOME
// Keyring's Secret Service on it, with a login keyring made and unlocked
// with a password of the test's, and returns the bus's address. Both end
// with the test.
func StartSecretService(tb testing.TB) string {
	tb.Helper()
	_, err1 := exec.LookPath("dbus-daemon")
	_, err2 := exec.LookPath("gnome-keyring-daemon")
	testenv.Need(tb, err1 == nil && err2 == nil, "dbus-daemon or gnome-keyring-daemon is not installed: `make test` installs them (scripts/deps.sh)")
	home := newHome(tb)
	runtime := filepath.Join(home, "run")
	os.MkdirAll(runtime, 0o700)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_RUNTIME_DIR=" + runtime,
		"XDG_DATA_HOME=" + filepath.Join(home, "share"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}

	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+filepath.Join(runtime, "bus"))
	bus.Env = env
	out, err := bus.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		tb.Fatalf("dbus-daemon printed no address: %v", err)
	}
	addr = strings.TrimSpace(addr)

	keyring := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	keyring.Env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	keyring.Stdin = strings.NewReader("pixivtest") // the login keyring's password
	if err := keyring.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { keyring.Process.Kill(); keyring.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		check := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		check.Env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)
		if out, err := check.Output(); err == nil && strings.Contains(string(out), "true") {
			return addr
		}
		if time.Now().After(deadline) {
			tb.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets on the bus")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// StartFirefox makes a Firefox profile with Firefox itself (-CreateProfile,
// which writes profiles.ini under the test's HOME), routes it through a
// proxy to the double and trusts the double's certificate in the profile's
// own certificate database (certutil), then runs firefox headless in it on
// the double's login, which fills itself in. The double needs
// pixivtest.WithAutoLogin.
func StartFirefox(tb testing.TB, srv *pixivtest.Server) *Browser {
	tb.Helper()
	path := FirefoxPath()
	testenv.Need(tb, path != "", "firefox-esr is not installed: `make test` installs it (scripts/deps.sh)")
	certutil, err := exec.LookPath("certutil")
	testenv.Need(tb, err == nil, "certutil is not installed: `make test` installs libnss3-tools (scripts/deps.sh)")
	home := newHome(tb)
	env := []string{"MOZ_HEADLESS=1", "MOZ_CRASHREPORTER_DISABLE=1"}

	// Firefox writes the profile and profiles.ini itself.
	const name = "pixivtest"
	create := exec.Command(path, "-headless", "-CreateProfile", name)
	create.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}, env...)
	if out, err := create.CombinedOutput(); err != nil {
		tb.Fatalf("firefox -CreateProfile: %v: %s", err, out)
	}
	dir := findFirefoxProfile(tb, home, name)

	proxy := startRelay(tb, srv)
	login := loginURL()
	prefs := map[string]any{
		// The login is the home page, opened at start.
		"browser.startup.page": 1, "browser.startup.homepage": login,
		"browser.aboutwelcome.enabled": false, "startup.homepage_welcome_url": "",
		"startup.homepage_welcome_url.additional": "", "browser.startup.firstrunSkipsHomepage": false,
		"trailhead.firstrun.didSeeAboutWelcome": true, "browser.termsofuse.prefMigrationCheck": true,
		"datareporting.policy.dataSubmissionPolicyBypassNotification": true,
		"network.proxy.type": 1, "network.proxy.http": "127.0.0.1", "network.proxy.http_port": proxy.port,
		"network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": proxy.port,
		"network.proxy.share_proxy_settings": true, "network.proxy.no_proxies_on": "",
		"network.proxy.allow_hijacking_localhost": true, "network.dns.disablePrefetch": true,
		"network.dns.disableIPv6": true, "network.trr.mode": 5, "network.prefetch-next": false,
		"network.connectivity-service.enabled": false, "network.captive-portal-service.enabled": false,
		"browser.safebrowsing.malware.enabled": false, "browser.safebrowsing.phishing.enabled": false,
		"browser.safebrowsing.downloads.enabled": false, "browser.safebrowsing.provider.mozilla.updateURL": "",
		"app.update.enabled": false, "app.update.auto": false, "extensions.update.enabled": false,
		"extensions.getAddons.cache.enabled": false, "extensions.blocklist.enabled": false,
		"datareporting.healthreport.uploadEnabled": false, "datareporting.policy.dataSubmissionEnabled": false,
		"toolkit.telemetry.enabled": false, "toolkit.telemetry.unified": false, "toolkit.telemetry.server": "",
		"browser.shell.checkDefaultBrowser": false, "browser.startup.homepage_override.mstone": "ignore",
		"browser.newtabpage.enabled": false, "browser.newtabpage.activity-stream.feeds.topsites": false,
		"browser.newtabpage.activity-stream.feeds.section.topstories": false,
		"browser.region.network.url":                                  "", "browser.region.update.enabled": false,
		"browser.aboutHomeSnippets.updateUrl": "", "browser.ping-centre.telemetry": false,
		"media.gmp-manager.url": "", "media.gmp-gmpopenh264.enabled": false,
		"security.OCSP.enabled": 0, "security.remote_settings.crlite_filters.enabled": false,
		"services.settings.server": "", "network.cookie.cookieBehavior": 0,
		"privacy.trackingprotection.enabled": false, "browser.contentblocking.category": "standard",
		"network.protocol-handler.external.pixiv": false, "network.protocol-handler.expose.pixiv": false,
		"browser.sessionstore.resume_from_crash": false, "signon.rememberSignons": false,
	}
	var userJS strings.Builder
	for k, v := range prefs {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&userJS, "user_pref(%q, %q);\n", k, v)
		default:
			fmt.Fprintf(&userJS, "user_pref(%q, %v);\n", k, v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "user.js"), []byte(userJS.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	// The relay's test CA, trusted in this profile's cert9.db only.
	certFile := filepath.Join(home, "double.pem")
	if err := os.WriteFile(certFile, proxy.caPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "desktoptest CA", "-t", "C,,", "-i", certFile},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil && !strings.Contains(string(out), "already") {
			tb.Fatalf("certutil %v: %v: %s", args, err, out)
		}
	}
	args := []string{"-headless", "-no-remote", "-P", name, "-url", login}
	return watch(tb, start(tb, path, args, env, home), home, dir)
}

// findFirefoxProfile is the directory of the profile that -CreateProfile
// made, read from the profiles.ini it wrote.
func findFirefoxProfile(tb testing.TB, home, name string) string {
	tb.Helper()
	for _, root := range []string{filepath.Join(home, ".mozilla", "firefox"), filepath.Join(home, ".config", "mozilla", "firefox")} {
		f, err := os.Open(filepath.Join(root, "profiles.ini"))
		if err != nil {
			continue
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		var path string
		isOurs := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, "["):
				if isOurs && path != "" {
					return filepath.Join(root, path)
				}
				isOurs, path = false, ""
			case line == "Name="+name:
				isOurs = true
			case strings.HasPrefix(line, "Path="):
				path = strings.TrimPrefix(line, "Path=")
			}
		}
		if isOurs && path != "" {
			return filepath.Join(root, path)
		}
	}
	tb.Fatalf("firefox -CreateProfile wrote no profiles.ini under %s", home)
	return ""
}

// relay is an HTTP proxy for Firefox: a CONNECT to a Pixiv host is
// answered with TLS under a certificate of the relay's own test CA (which
// the profile trusts), and its requests are passed to the double unchanged
// (through the double's own client, which dials only the double); every
// other destination is refused, so that nothing leaves loopback. Firefox
// takes no certificate that is its own CA as a server's, as the double's
// is, hence the relay rather than a plain tunnel.
type relay struct {
	port  int
	caPEM []byte
	conns chan net.Conn
	done  chan struct{}
}

func startRelay(tb testing.TB, srv *pixivtest.Server) *relay {
	tb.Helper()
	caPEM, leaf := newCA(tb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &relay{port: ln.Addr().(*net.TCPAddr).Port, caPEM: caPEM, conns: make(chan net.Conn), done: make(chan struct{})}
	transport := srv.Client().Transport
	forward := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "https"
			pr.Out.URL.Host = pr.In.Host
			pr.Out.Host = pr.In.Host
		},
		Transport: transport,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	inner := &http.Server{Handler: forward, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf}, NextProtos: []string{"http/1.1"}}}
	go inner.ServeTLS(r, "", "")
	outer := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		host, _, _ := net.SplitHostPort(req.Host)
		if req.Method != http.MethodConnect || !pixiv.IsPixivHost(host) {
			if os.Getenv("DESKTOPTEST_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, "relay refused", req.Method, req.Host)
			}
			http.Error(w, "only Pixiv hosts, to the double", http.StatusForbidden)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		select {
		case r.conns <- conn:
		case <-r.done:
			conn.Close()
		}
	})}
	go outer.Serve(ln)
	tb.Cleanup(func() {
		outer.Close()
		close(r.done)
		inner.Close()
	})
	return r
}

// Accept, Close and Addr make the relay the listener of its inner server,
// fed with the tunnels that CONNECT opened.
func (r *relay) Accept() (net.Conn, error) {
	select {
	case c := <-r.conns:
		return c, nil
	case <-r.done:
		return nil, net.ErrClosed
	}
}

func (r *relay) Close() error   { return nil }
func (r *relay) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.port} }

// newCA makes a test CA and a server certificate it signs for every Pixiv
// host.
func newCA(tb testing.TB) (caPEM []byte, leaf tls.Certificate) {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "desktoptest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "pixiv.net"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: append([]string{"pixiv.net", "*.pixiv.net"}, pixiv.Hosts()...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
