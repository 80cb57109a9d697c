package capture

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/reason"
)

// proxyDialTimeout bounds the forwarder's dial of the real proxy, and each
// side's part in setting a tunnel up.
const proxyDialTimeout = 30 * time.Second

// authForwarder is a proxy on this machine's loopback for a browser whose
// proxy wants a username and password. Chrome takes none on its command
// line (where every local user could read them anyway), and a headless
// Chrome has nobody to answer the proxy's 407. The browser is given the
// forwarder, which passes each CONNECT tunnel on to the real proxy with the
// credentials added; the browser's TLS runs through it end to end, so the
// forwarder sees only host names, never a page. It lives as long as the
// login, and on Linux serves only this user's processes.
type authForwarder struct {
	ln       net.Listener
	upstream *url.URL // the real proxy, without its credentials
	auth     string   // its Proxy-Authorization value

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

// browserProxy returns the proxy to give the browser for proxy: proxy as
// it is when it holds no credentials (stop is then a no-op), else a
// forwarder's address, which stop closes. A SOCKS proxy with credentials is
// an error: Chrome cannot authenticate to one, and the forwarder speaks
// HTTP only.
func browserProxy(proxy string) (addr string, stop func(), err error) {
	u, err := url.Parse(proxy)
	if err != nil || u.User == nil {
		return proxy, func() {}, nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, reason.Mark(fmt.Errorf("%w: the browser cannot use a %s proxy that needs a username and password: give an HTTP proxy", ErrBrowser, u.Scheme), reason.BrowserFailed)
	}
	f, err := startAuthForwarder(u)
	if err != nil {
		return "", nil, reason.Mark(fmt.Errorf("%w: %w", ErrBrowser, err), reason.BrowserFailed)
	}
	return "http://" + f.ln.Addr().String(), f.close, nil
}

func startAuthForwarder(proxy *url.URL) (*authForwarder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("a local proxy for the browser: %w", err)
	}
	password, _ := proxy.User.Password()
	upstream := *proxy
	upstream.User = nil
	f := &authForwarder{
		ln:       ln,
		upstream: &upstream,
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(proxy.User.Username()+":"+password)),
		conns:    map[net.Conn]bool{},
	}
	f.wg.Go(f.serve)
	return f, nil
}

func (f *authForwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.track(c) {
			return
		}
		f.wg.Go(func() {
			defer f.untrack(c)
			f.tunnel(c)
		})
	}
}

// tunnel serves one browser connection: a CONNECT, passed on to the real
// proxy with the credentials, then the bytes both ways. Anything but a
// CONNECT is refused: the login's pages are all HTTPS.
func (f *authForwarder) tunnel(c net.Conn) {
	if otherUsersConn(c) {
		// The forwarder holds the person's proxy credentials: another
		// user of this machine must not borrow them while it runs.
		return
	}
	// Until the tunnel is up, each side has proxyDialTimeout to speak: a
	// client or a proxy that says nothing does not hold the forwarder
	// until the login ends.
	_ = c.SetDeadline(time.Now().Add(proxyDialTimeout))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := f.dial()
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if !f.track(up) {
		return
	}
	defer f.untrack(up)
	out := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: req.Host},
		Host:   req.Host,
		Header: http.Header{"Proxy-Authorization": {f.auth}},
	}
	if ua := req.Header.Get("User-Agent"); ua != "" {
		out.Header.Set("User-Agent", ua)
	}
	_ = up.SetDeadline(time.Now().Add(proxyDialTimeout))
	if err := out.Write(up); err != nil {
		return
	}
	upr := bufio.NewReader(up)
	resp, err := http.ReadResponse(upr, out)
	if err != nil {
		return
	}
	if resp.StatusCode != http.StatusOK {
		// The browser reports the proxy's answer (407: the credentials
		// are wrong) as it would its own.
		resp.Close = true
		_ = resp.Write(c)
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	// The tunnel lasts as long as the browser keeps it.
	_ = c.SetDeadline(time.Time{})
	_ = up.SetDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, br)
		closeWrite(up)
		close(done)
	}()
	_, _ = io.Copy(c, upr)
	closeWrite(c)
	<-done
}

// dial connects to the real proxy: TCP, and TLS for an https:// proxy.
func (f *authForwarder) dial() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), proxyDialTimeout)
	defer cancel()
	host := f.upstream.Host
	if f.upstream.Port() == "" {
		port := "80"
		if f.upstream.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(f.upstream.Hostname(), port)
	}
	if f.upstream.Scheme == "https" {
		d := tls.Dialer{Config: &tls.Config{ServerName: f.upstream.Hostname()}}
		return d.DialContext(ctx, "tcp", host)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", host)
}

// closeWrite says end-of-stream on c, keeping its reading side open.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// track records a connection for close, or closes it if the forwarder is
// closed already.
func (f *authForwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		c.Close()
		return false
	}
	f.conns[c] = true
	return true
}

func (f *authForwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	c.Close()
}

// close stops the forwarder and ends its tunnels, and returns once every
// goroutine of it has.
func (f *authForwarder) close() {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.ln.Close()
	f.wg.Wait()
}
