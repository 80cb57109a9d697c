package capture

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixiv"
)

// connectProxy is an HTTP CONNECT proxy on loopback that sends Pixiv hosts
// to the double and refuses everything else, recording what it was asked.
type connectProxy struct {
	target string
	mu     sync.Mutex
	hosts  []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	p.mu.Lock()
	p.hosts = append(p.hosts, r.Host)
	p.mu.Unlock()
	if r.Method != http.MethodConnect || err != nil || !pixiv.IsPixivHost(host) {
		http.Error(w, "this proxy only reaches Pixiv's double", http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer upstream.Close()
	w.WriteHeader(http.StatusOK)
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer client.Close()
	go func() {
		io.Copy(upstream, buf)
		upstream.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(client, upstream)
}

func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

// TestLoginThroughProxy: with Options.Proxy the browser reaches Pixiv only
// through the proxy, by host name (no host-resolver rules here).
func TestLoginThroughProxy(t *testing.T) {
	t.Parallel()
	f := newFixture(t).withPassword()
	proxy := &connectProxy{target: f.srv.Addr()}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	f.opts.Proxy = "http://user:secret@" + strings.TrimPrefix(ps.URL, "http://")
	f.opts.Flags = map[string]any{
		"ignore-certificate-errors-spki-list": f.srv.BrowserFlags()["ignore-certificate-errors-spki-list"],
		// Everything goes through the proxy; a direct lookup resolves to
		// nothing, so no test traffic can leave loopback.
		"host-resolver-rules": "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
	}
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
	seen := strings.Join(proxy.seen(), " ")
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
