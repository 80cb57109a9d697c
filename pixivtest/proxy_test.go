package pixivtest_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestProxy: a CONNECT to a Pixiv host is tunnelled to the double, which a
// client then reaches by Pixiv's own name; any other host, and any request
// that is not a CONNECT, gets the proxy's own 403 and no tunnel; each
// request is recorded.
func TestProxy(t *testing.T) {
	srv := pixivtest.New()
	defer srv.Close()
	proxy := pixivtest.NewProxy(srv.Addr())
	defer proxy.Close()
	proxyURL, err := url.Parse(proxy.URL())
	if err != nil {
		t.Fatal(err)
	}

	// The proxy's answer itself, read off the wire: a refused tunnel must
	// be refused by the proxy, not fail later in TLS.
	tests := []struct {
		request string // the request line
		status  int
		record  string
	}{
		{"CONNECT " + pixiv.AccountsHost + ":443", http.StatusOK, "CONNECT " + pixiv.AccountsHost + ":443"},
		{"CONNECT example.com:443", http.StatusForbidden, "CONNECT example.com:443"},
		{"CONNECT 127.0.0.1:443", http.StatusForbidden, "CONNECT 127.0.0.1:443"},
		{"CONNECT pixiv.net.example.com:443", http.StatusForbidden, "CONNECT pixiv.net.example.com:443"},
		{"GET http://" + pixiv.AccountsHost + "/", http.StatusForbidden, "GET " + pixiv.AccountsHost},
	}
	for _, tt := range tests {
		conn, err := net.DialTimeout("tcp", proxyURL.Host, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		method, target, _ := strings.Cut(tt.request, " ")
		host := strings.TrimPrefix(target, "http://")
		host, _, _ = strings.Cut(host, "/")
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n", method, target, host)
		resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
		conn.Close()
		if err != nil {
			t.Errorf("%s: reading the proxy's answer: %v", tt.request, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: the proxy answered %d, want %d", tt.request, resp.StatusCode, tt.status)
		}
		if seen := proxy.Requests(); len(seen) == 0 || seen[len(seen)-1] != tt.record {
			t.Errorf("after %s the proxy recorded %q, want %q last", tt.request, seen, tt.record)
		}
	}

	// Through the tunnel, a client reaches the double by Pixiv's name.
	client := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()},
	}}
	resp, err := client.Get("https://" + pixiv.AccountsHost + pixiv.AccountsLoginPath)
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	resp.Body.Close()
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Host != pixiv.AccountsHost || reqs[0].Path != pixiv.AccountsLoginPath {
		t.Errorf("the double saw %v, want the one request tunnelled", reqs)
	}
}
