package pixivtest

import (
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// dialTimeout bounds the proxy's dial of the double: on loopback it answers
// at once, unless something is wrong.
const dialTimeout = 10 * time.Second

// Proxy is an HTTP proxy on loopback in front of a double: a CONNECT to a
// Pixiv host is tunnelled to the double, anything else is refused with 403,
// and every request is recorded. Give its URL to whatever takes a proxy (a
// client's HTTPS_PROXY, pixivauth's --proxy, a browser's or a browser
// context's proxy server) and that client reaches the double by Pixiv's own
// names, with no host-resolver rules, and nothing past loopback.
type Proxy struct {
	target string
	url    string
	srv    *http.Server

	mu      sync.Mutex
	seen    []string
	tunnels map[net.Conn]bool
	closed  bool
	auth    string // the Proxy-Authorization it wants; "" wants none
}

// NewProxy starts a Proxy on 127.0.0.1 at a free port that tunnels to the
// double at target ([Server.Addr]). It panics if it cannot listen, like
// [New]. Close it when done.
func NewProxy(target string) *Proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("pixivtest: failed to listen on a port: " + err.Error())
	}
	p := &Proxy{target: target, url: "http://" + ln.Addr().String(), tunnels: map[net.Conn]bool{}}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = p.srv.Serve(ln) }()
	return p
}

// URL is the proxy as a proxy setting takes it: "http://127.0.0.1:PORT".
func (p *Proxy) URL() string { return p.url }

// URLWith is URL with credentials in it, as a proxy setting gives a proxy
// that wants them ([Proxy.RequireAuth]): "http://USER:PASSWORD@127.0.0.1:PORT".
func (p *Proxy) URLWith(user, password string) *url.URL {
	u, _ := url.Parse(p.url) // made by NewProxy: always parses
	u.User = url.UserPassword(user, password)
	return u
}

// RequireAuth makes the proxy answer 407 (Proxy-Authenticate: Basic) to a
// request without these credentials, as a corporate proxy does.
func (p *Proxy) RequireAuth(user, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// Requests returns what the proxy was asked, in order: "CONNECT host:port"
// for a tunnel, "GET host" for a plain request (which it refused), whether
// it let them through or not.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// Close stops the proxy and ends the tunnels it holds open (a browser keeps
// its connections alive past a test). It is safe to call more than once.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.tunnels {
		c.Close()
	}
	p.mu.Unlock()
	_ = p.srv.Close()
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Method+" "+r.Host)
	auth := p.auth
	p.mu.Unlock()
	if auth != "" && r.Header.Get("Proxy-Authorization") != auth {
		w.Header().Set("Proxy-Authenticate", `Basic realm="pixivtest"`)
		http.Error(w, "this proxy wants credentials", http.StatusProxyAuthRequired)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || !pixiv.IsPixivHost(host) {
		http.Error(w, "this proxy tunnels Pixiv's hosts only, to the double", http.StatusForbidden)
		return
	}
	upstream, err := net.DialTimeout("tcp", p.target, dialTimeout)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if !p.track(conn, upstream) {
		return
	}
	defer p.untrack(conn, upstream)
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		return
	}
	go func() {
		_, _ = io.Copy(upstream, buf)
		if tcp, ok := upstream.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}()
	_, _ = io.Copy(conn, upstream)
}

// track records a tunnel's two connections for Close, or closes them if
// the proxy is closed already.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		if p.closed {
			c.Close()
			continue
		}
		p.tunnels[c] = true
	}
	return !p.closed
}

func (p *Proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(p.tunnels, c)
	}
}
