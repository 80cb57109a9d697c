package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/net/http/httpproxy"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/store"
)

// Names of the options every command takes, anywhere on the command line.
const (
	optConfigDir   = "config-dir"
	optProfile     = "profile"
	optTimeout     = "timeout"
	optVerbose     = "verbose"
	optPixivServer = "pixiv-server"
	optInsecure    = "insecure"
	optProxy       = "proxy"
	optFormat      = "format"
	optJSON        = "json"
)

// envConfigDir sets the config dir when --config-dir does not.
const envConfigDir = "PIXIVAUTH_CONFIG_DIR"

// defaultProfile is the profile used without --profile.
const defaultProfile = "default"

// defaultTimeout bounds a command that talks to Pixiv without a browser
// when --timeout is not given: long enough for the token client's retries.
const defaultTimeout = 2 * time.Minute

// Output formats. Each command accepts some of them; the first it lists is
// its default.
const (
	formatText       = "text"
	formatJSON       = "json"
	formatEnv        = "env"
	formatCookiesTxt = "cookies.txt"
)

var (
	tokenFormats   = []string{formatText, formatJSON, formatEnv}
	reportFormats  = []string{formatText, formatJSON}
	sessionFormats = []string{formatJSON, formatCookiesTxt}
)

// commonFlags returns the options every command takes. formats are the
// output formats of the command, its default first; nil for a command that
// prints no result, which accepts --format and ignores it.
func commonFlags(formats []string) []cli.Flag {
	formatUsage := "print the result as `FORMAT`: " + strings.Join(formats, ", ")
	if formats == nil {
		formatUsage = "accepted for uniformity; this command prints no result"
	}
	return []cli.Flag{
		&cli.StringFlag{Name: optConfigDir, EnvVars: []string{envConfigDir},
			Usage: "keep tokens and sessions in `DIR` (default: the user config dir's pixivauth)"},
		&cli.StringFlag{Name: optProfile, EnvVars: []string{"PIXIVAUTH_PROFILE"}, Value: defaultProfile,
			Usage: "use the profile `NAME`: one Pixiv account's tokens and session"},
		&cli.DurationFlag{Name: optTimeout, DefaultText: "2m",
			Usage: "give up after `DURATION` (0: the default)"},
		&cli.BoolFlag{Name: optVerbose, Aliases: []string{"v"},
			Usage: "log each step on stderr (URLs without query values, statuses, timings; never a secret)"},
		&cli.StringFlag{Name: optPixivServer, EnvVars: []string{"PIXIVAUTH_PIXIV_SERVER"},
			Usage: "send every Pixiv host to `HOST:PORT`, a loopback test double (URLs unchanged)"},
		&cli.BoolFlag{Name: optInsecure, EnvVars: []string{"PIXIVAUTH_INSECURE"},
			Usage: "with --pixiv-server only: accept the double's certificate"},
		&cli.StringFlag{Name: optProxy,
			Usage: "reach Pixiv through the proxy at `URL` (default: $HTTPS_PROXY or $ALL_PROXY, minus $NO_PROXY)"},
		&cli.StringFlag{Name: optFormat, Usage: formatUsage},
		&cli.BoolFlag{Name: optJSON, Usage: "same as --format json"},
	}
}

// oneOf lists words as a person would: "a", "a or b", "a, b or c".
func oneOf(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// timeoutDefault says in flags' --timeout what its default is for the
// command: a login's differs from a refresh's.
func timeoutDefault(flags []cli.Flag, text string) []cli.Flag {
	for _, f := range flags {
		if d, ok := f.(*cli.DurationFlag); ok && d.Name == optTimeout {
			d.DefaultText = text
		}
	}
	return flags
}

// pick returns those of flags named names, in the order of flags: each
// command lists the options it uses, and nothing else (issue 14).
func pick(flags []cli.Flag, names ...string) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		for _, n := range names {
			if f.Names()[0] == n {
				out = append(out, f)
			}
		}
	}
	return out
}

// options is what the common options say for one run of a command, and the
// clients they set up.
type options struct {
	*program
	ctx context.Context

	format   string
	verbose  bool
	timeout  time.Duration // zero when not given
	server   string        // --pixiv-server, "" for Pixiv itself
	insecure bool
	test     testSettings // test settings (testsettings.go), with server only

	// proxy is where requests to Pixiv go, nil for a direct connection.
	// noProxy is $NO_PROXY when the proxy came from the environment.
	proxy   *url.URL
	noProxy string

	// profile is where tokens and the session are kept; nil when nothing
	// is, with storeErr saying why if that is a failure (no config dir
	// could be found) and nil if it is by design (--pixiv-server without
	// --config-dir).
	profile  *store.Profile
	store    *store.Store
	storeErr error

	// sessionFrom names where a login's session came from (an option, a
	// variable, the profile), for its errors; "" for none.
	sessionFrom string

	// githubActions turns on ::add-mask:: for every secret printed.
	githubActions bool

	// envDirIgnored says $PIXIVAUTH_CONFIG_DIR is set but not used,
	// under --pixiv-server without --config-dir.
	envDirIgnored bool

	// insecureWarned makes the --insecure warning appear once, when a
	// connection to the double is first made (not on a usage error, not
	// on a command that reads only the cache).
	insecureWarned sync.Once
}

// warnInsecure warns, once, that --insecure accepts any certificate.
func (o *options) warnInsecure() {
	if o.insecure {
		o.insecureWarned.Do(func() { o.warnf("--insecure: any certificate is accepted from %s", o.server) })
	}
}

// setup checks the common options c of a command that prints the given
// formats (see commonFlags) and sets up what they say: every mistake is a
// usage error, found before anything starts.
func (p *program) setup(ctx context.Context, c commonOpts, formats []string) (*options, error) {
	o := &options{
		program:       p,
		ctx:           ctx,
		verbose:       c.verbose,
		githubActions: os.Getenv("GITHUB_ACTIONS") == "true",
	}
	var err error
	if o.format, err = chooseFormat(c, formats); err != nil {
		return nil, err
	}
	if o.timeout = c.timeout; o.timeout < 0 {
		return nil, usageErrorf("--timeout must not be negative")
	}
	o.program.timeout = o.timeout
	if o.server = c.server; o.server != "" {
		if err := checkLoopback(o.server); err != nil {
			return nil, err
		}
	}
	if o.insecure = c.insecure; o.insecure {
		if o.server == "" {
			return nil, usageErrorf("--insecure ($PIXIVAUTH_INSECURE) is accepted only together with --pixiv-server")
		}
	}
	p.doubleUntrusted = o.server != "" && !o.insecure
	p.command = c.command
	if o.test, err = readTestSettings(o.server); err != nil {
		return nil, err
	}
	if o.test != (testSettings{}) {
		o.logf("test settings: %v", o.test)
	}
	if err := o.setProxy(c.proxy); err != nil {
		return nil, err
	}
	if err := o.setProfile(c); err != nil {
		return nil, err
	}
	return o, nil
}

// chooseFormat reconciles --format and --json for a command that prints
// formats.
func chooseFormat(c commonOpts, formats []string) (string, error) {
	format := c.format
	if c.json {
		if format != "" && format != formatJSON {
			return "", usageErrorf("--json and --format %s disagree: give one of them", format)
		}
		format = formatJSON
	}
	switch {
	case formats == nil && format != "" && !slices.Contains([]string{formatText, formatJSON, formatEnv, formatCookiesTxt}, format):
		return "", usageErrorf("unknown format %q: text, json, env or cookies.txt", format)
	case formats == nil:
		return format, nil
	case format == "":
		return formats[0], nil
	case !slices.Contains(formats, format):
		return "", usageErrorf("%s prints %s, not %q", c.command, oneOf(formats), format)
	}
	return format, nil
}

// checkLoopback accepts a --pixiv-server address: the option exists for
// test doubles, so that nothing aimed at one can be pointed at another host.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 1 || n > 65535 {
		return usageErrorf("--pixiv-server takes HOST:PORT, such as 127.0.0.1:8443, not %q", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageErrorf("--pixiv-server accepts a loopback address only (127.0.0.1, [::1] or localhost): it is for test doubles")
	}
	return nil
}

// setProxy chooses the proxy: --proxy, else $HTTPS_PROXY, else $ALL_PROXY
// (either in lower case too), which $NO_PROXY can exclude Pixiv from. A
// double given with --pixiv-server is always reached directly, and so is
// Pixiv with --proxy "" given on the command line, as with curl.
func (o *options) setProxy(flag string) error {
	if flag != "" && o.server != "" {
		return usageErrorf("--pixiv-server and --proxy cannot be used together")
	}
	raw, what := flag, "--proxy"
	if o.given[optProxy] && flag == "" {
		o.logf("--proxy \"\": no proxy, whatever the environment says")
		return nil
	}
	if raw == "" && o.server == "" {
		for _, name := range proxyEnvVars {
			v := os.Getenv(name)
			if v == "" {
				v = o.deps.secretEnv[name] // one with a password (takeSecretEnv)
			}
			if v != "" {
				raw, what = v, "$"+name
				break
			}
		}
		o.noProxy = firstEnv("NO_PROXY", "no_proxy")
	}
	if raw == "" {
		return nil
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // as curl and Go read a bare host:port
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return usageErrorf("%s is not a proxy URL (http://HOST:PORT)", what)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return usageErrorf("%s: unsupported proxy scheme %q (use http, https or socks5)", what, u.Scheme)
	}
	o.proxy = u
	return nil
}

func firstEnv(names ...string) string {
	for _, name := range names {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ""
}

// proxyFor is the HTTP transport's Proxy function.
func (o *options) proxyFor(req *http.Request) (*url.URL, error) {
	if o.proxy == nil || noProxyMatches(o.noProxy, req.URL.Host) {
		return nil, nil
	}
	return o.proxy, nil
}

// noProxyMatches reports whether $NO_PROXY (list) excludes host (with an
// optional port; https's 443 when none), as golang.org/x/net/http/httpproxy
// reads it, like Go's own ProxyFromEnvironment: "*", the host itself, or a
// domain it is under ("pixiv.net" and ".pixiv.net" both match
// "app-api.pixiv.net"); an entry with a port matches that port only.
func noProxyMatches(list, host string) bool {
	if list == "" {
		return false
	}
	cfg := httpproxy.Config{HTTPSProxy: "http://proxy.invalid", NoProxy: list}
	u, err := cfg.ProxyFunc()(&url.URL{Scheme: "https", Host: host})
	return err == nil && u == nil
}

// profileName is the profile a run uses: --profile, else the default. An
// empty $PIXIVAUTH_PROFILE is as good as unset, but an empty --profile
// typed on the command line is a mistake (an unset shell variable, say),
// not a wish for the default.
func profileName(p *program, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if p.given[optProfile] {
		return "", usageErrorf("--profile is empty: give a profile name, or leave the option out for %q", defaultProfile)
	}
	return defaultProfile, nil
}

// setProfile finds the profile. A run with --pixiv-server and no
// --config-dir on its command line keeps no profile ($PIXIVAUTH_CONFIG_DIR,
// likely set for real use, does not count): a test double's tokens never
// land in a real profile, and a real refresh token is never sent to a
// double.
func (o *options) setProfile(c commonOpts) error {
	name, err := profileName(o.program, c.profile)
	if err != nil {
		return err
	}
	// The CLI contract's isolation rule: under --pixiv-server a profile
	// is read and saved only in a --config-dir given on the command line.
	// $PIXIVAUTH_CONFIG_DIR, likely set for real use, does not count (a
	// double's tokens never land in a real profile, and a real refresh
	// token is never sent to a double); the run says so where it matters.
	if o.server != "" && !o.given[optConfigDir] {
		o.envDirIgnored = os.Getenv(envConfigDir) != ""
		return nil
	}
	dir, err := configDir(c.configDir.value)
	if err != nil {
		o.storeErr = err
		return nil
	}
	o.store = &store.Store{Dir: dir, Warnf: o.warnf}
	if o.profile, err = o.store.Profile(name); err != nil {
		from := "--" + optProfile
		if !o.given[optProfile] {
			from = "$PIXIVAUTH_PROFILE" // urfave/cli filled the option from it
		}
		return usageErrorf("%s: %v", from, err)
	}
	return nil
}

// configDir is the config dir: --config-dir (flag, which urfave/cli has
// already filled from $PIXIVAUTH_CONFIG_DIR when the option is not given),
// else the store's default.
func configDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	dir, err := store.DefaultDir()
	if err != nil {
		return "", fmt.Errorf("%w: give --%s or $%s", err, optConfigDir, envConfigDir)
	}
	return dir, nil
}

// withTimeout bounds a command that talks to Pixiv without a browser.
func (o *options) withTimeout() (context.Context, context.CancelFunc) {
	d := o.timeout
	if d == 0 {
		d = defaultTimeout
	}
	return context.WithTimeout(o.ctx, d)
}

// httpClient reaches Pixiv: through the proxy, or with --pixiv-server by
// dialling the double for every Pixiv host. URLs never change, so TLS still
// checks the real host name; only --insecure makes it accept any
// certificate, and only from the double.
func (o *options) httpClient() *http.Client {
	tr := exchange.NewTransport()
	tr.Proxy = o.proxyFor
	if o.server != "" {
		dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
		server := o.server
		tr.Proxy = nil
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || !pixiv.IsPixivHost(host) {
				return nil, fmt.Errorf("--pixiv-server: refusing to dial %s, which is not a Pixiv host", addr)
			}
			o.warnInsecure()
			return dialer.DialContext(ctx, network, server)
		}
		if o.insecure {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
	}
	return &http.Client{Transport: tr}
}

// exchangeClient is the token client of this run.
func (o *options) exchangeClient() *exchange.Client {
	return &exchange.Client{HTTPClient: o.httpClient(), Logf: o.stepLogf(), Backoff: o.test.backoff}
}

// browserOptions are the capture options that the common options decide:
// where Pixiv is, the proxy, the timeout and logging.
func (o *options) browserOptions() capture.Options {
	opts := capture.Options{Timeout: o.timeout, Logf: o.stepLogf(), StallTimeout: o.test.stall}
	if o.server != "" {
		opts.Flags = map[string]any{"host-resolver-rules": pixiv.HostResolverRules(o.server)}
		if o.insecure {
			// Warned of when the login starts (browserLogin), after
			// every check of the command line.
			opts.Flags["ignore-certificate-errors"] = true
		}
	}
	if o.proxy != nil && !noProxyMatches(o.noProxy, pixiv.AccountsHost) {
		opts.Proxy = o.proxy.String()
	} else {
		// pixivauth goes to Pixiv (or the double) directly: so does its
		// browser, which would otherwise take a proxy from the
		// environment or the desktop's settings, and send a double's
		// traffic to the real Pixiv through it.
		if opts.Flags == nil {
			opts.Flags = map[string]any{}
		}
		opts.Flags["no-proxy-server"] = true
	}
	return opts
}

// logf logs a step at -v.
func (o *options) logf(format string, args ...any) {
	if o.verbose {
		fmt.Fprintf(o.stderr, programName+": "+format+"\n", args...)
	}
}

// stepLogf is logf for the packages that log steps, nil unless -v.
func (o *options) stepLogf() func(string, ...any) {
	if o.verbose {
		return o.logf
	}
	return nil
}

// warnf reports something that went wrong but did not stop the command.
func (o *options) warnf(format string, args ...any) {
	fmt.Fprintf(o.stderr, programName+": warning: "+format+"\n", args...)
}

// lockedWriter serialises writes: the browser and token clients log from
// their own goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
