package capture

import (
	"context"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestLoginThroughProxy: with Options.Proxy the browser reaches Pixiv only
// through the proxy, by host name (no host-resolver rules here).
func TestLoginThroughProxy(t *testing.T) {
	t.Parallel()
	cert, err := pixivtest.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, pixivtest.WithCertificate(cert)).withPassword().inShell(t)
	proxy := pixivtest.NewProxy(f.srv.Addr())
	defer proxy.Close()
	f.opts.Proxy = "http://user:secret@" + strings.TrimPrefix(proxy.URL(), "http://")
	// Everything goes through the proxy; a direct lookup resolves to
	// nothing, so no test traffic can leave loopback.
	f.opts.Flags = pixivtest.ProxyBrowserFlags(cert)
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, err := l.Code(ctx)
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
