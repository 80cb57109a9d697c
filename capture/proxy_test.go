package capture

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/reason"
)

// proxiedFixture is a fixture whose double has a certificate of its own
// (for flags that trust it, or for a test that does not), with a proxy in
// front of it that the test closes; in the full browser, or else the
// headless shell.
func proxiedFixture(t *testing.T, full bool) (*fixture, tls.Certificate, *pixivtest.Proxy) {
	t.Helper()
	cert, err := pixivtest.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, pixivtest.WithCertificate(cert))
	if !full {
		f.inShell(t)
	}
	proxy := pixivtest.NewProxy(f.srv.Addr())
	t.Cleanup(proxy.Close)
	return f, cert, proxy
}

// TestLoginThroughProxy: with Options.Proxy the browser reaches Pixiv only
// through the proxy, by host name (no host-resolver rules here): one that
// wants no credentials, and one that wants a username and password, which
// the browser gets from a forwarder (its command line holds none, and a
// headless browser has nobody to answer the proxy's 407). Wrong
// credentials end the login at once.
func TestLoginThroughProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		require    bool   // the proxy wants user:secret
		give       string // the password of user "user" in Options.Proxy; "" for none
		wantFailed bool
		// full runs the full browser, not the headless shell: the one
		// whose own requests (updates, password leak checks) would go
		// to the person's proxy, and whose late page reports met a
		// login already ended.
		full bool
	}{
		{name: "no credentials wanted"},
		{name: "credentials wanted and given", require: true, give: "secret", full: true},
		{name: "wrong credentials", require: true, give: "wrong", wantFailed: true},
		{name: "credentials wanted, none given", require: true, wantFailed: true, full: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, cert, proxy := proxiedFixture(t, tt.full)
			f.withPassword()
			if tt.require {
				proxy.RequireAuth("user", "secret")
			}
			f.opts.Proxy = proxy.URL()
			if tt.give != "" {
				f.opts.Proxy = proxy.URLWith("user", tt.give).String()
			}
			// Everything goes through the proxy; a direct lookup resolves
			// to nothing, so no test traffic can leave loopback.
			f.opts.Flags = pixivtest.ProxyBrowserFlags(cert)
			f.opts.StallTimeout = time.Minute
			f.opts.LastFailureDir = filepath.Join(t.TempDir(), "last-failure")
			ctx := context.Background()
			start := time.Now()
			l, err := Start(ctx, f.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			code, err := l.Code(ctx)
			if tt.wantFailed {
				if !errors.Is(err, reason.Unreachable) || !strings.Contains(err.Error(), "the proxy wants a username and password (HTTP 407)") || time.Since(start) > 50*time.Second {
					t.Fatalf("login through a proxy that refused the credentials: %v, after %s; want unreachable, at once", err, time.Since(start))
				}
				l.Close()
				// What is saved is named: a failure saved after the
				// login ended would be named nowhere.
				if _, statErr := os.Stat(f.opts.LastFailureDir); statErr == nil && !strings.Contains(err.Error(), f.opts.LastFailureDir) {
					t.Errorf("%s was saved, and the error does not name it: %v", f.opts.LastFailureDir, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("login through the proxy: %v", err)
			}
			if _, err := (&exchange.Client{HTTPClient: f.srv.Client()}).Exchange(ctx, code, f.verifier); err != nil {
				t.Fatal(err)
			}
			seen := strings.Join(proxy.Requests(), " ")
			for _, h := range []string{pixiv.AppAPIHost, pixiv.AccountsHost, pixiv.OAuthHost} {
				if !strings.Contains(seen, h+":443") {
					t.Errorf("the proxy was not asked for %s (it saw %s)", h, seen)
				}
			}
			// The password typed into Pixiv's form stays in the browser:
			// no leak check or autofill upload of it reaches Google
			// (quietPreferences).
			for _, h := range []string{"passwordsleakcheck-pa.googleapis.com", "content-autofill.googleapis.com"} {
				if strings.Contains(seen, h) {
					t.Errorf("the browser sent a request to %s (the proxy saw %s)", h, seen)
				}
			}
		})
	}
}

func TestProxyServerDropsCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://user:secret@127.0.0.1:3128", "http://127.0.0.1:3128"},
		{"http://127.0.0.1:3128", "http://127.0.0.1:3128"},
		{"socks5://u@proxy:1080", "socks5://proxy:1080"},
	}
	for _, tt := range tests {
		if got := proxyServer(tt.in); got != tt.want {
			t.Errorf("proxyServer(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestProbePage: doctor's check that the browser reaches Pixiv the way a
// login would; its failures are the network's, not the browser's.
func TestProbePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(f *fixture, cert tls.Certificate, proxy *pixivtest.Proxy)
		wantErr string // "" for a page that loads
	}{
		{"at the double", func(f *fixture, cert tls.Certificate, proxy *pixivtest.Proxy) {}, ""},
		{"through a proxy", func(f *fixture, cert tls.Certificate, proxy *pixivtest.Proxy) {
			f.opts.Proxy, f.opts.Flags = proxy.URL(), pixivtest.ProxyBrowserFlags(cert)
		}, ""},
		{"through a proxy that wants a password it is not given", func(f *fixture, cert tls.Certificate, proxy *pixivtest.Proxy) {
			proxy.RequireAuth("user", "secret")
			f.opts.Proxy, f.opts.Flags = proxy.URL(), pixivtest.ProxyBrowserFlags(cert)
		}, "the proxy wants a username and password (HTTP 407)"},
		{"through a proxy whose certificate the browser does not trust", func(f *fixture, cert tls.Certificate, proxy *pixivtest.Proxy) {
			f.opts.Proxy, f.opts.Flags = proxy.URL(), map[string]any{"host-resolver-rules": pixivtest.NoLookups}
		}, "ERR_CERT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, cert, proxy := proxiedFixture(t, false)
			tt.setup(f, cert, proxy)
			err := ProbePage(context.Background(), f.opts, pixiv.AccountsOrigin+"/")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if reason.Of(err) != reason.Unreachable || errors.Is(err, ErrBrowser) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want unreachable, saying %q", err, tt.wantErr)
			}
		})
	}
}
