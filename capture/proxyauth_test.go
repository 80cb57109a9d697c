package capture

import (
	"bufio"
	"net"
	"net/http"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestForwarderServesItsUser: the forwarder adds the person's proxy
// credentials to the tunnels it opens, for this user's processes (another
// user's: TestForwarderRefusesOtherUsers, on Linux).
func TestForwarderServesItsUser(t *testing.T) {
	f, proxy, connect := startTestForwarder(t)
	c, err := net.Dial("tcp", f.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(connect)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK || len(proxy.Requests()) != 1 {
		t.Fatalf("this user's CONNECT: %v, %v; the proxy saw %q", resp, err, proxy.Requests())
	}
}

// startTestForwarder starts a forwarder to a double's proxy that wants
// user:secret, and returns it, the proxy and a CONNECT request to send it.
func startTestForwarder(t *testing.T) (*authForwarder, *pixivtest.Proxy, string) {
	t.Helper()
	srv := pixivtest.New()
	t.Cleanup(srv.Close)
	proxy := pixivtest.NewProxy(srv.Addr())
	t.Cleanup(proxy.Close)
	proxy.RequireAuth("user", "secret")
	f, err := startAuthForwarder(proxy.URLWith("user", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	return f, proxy, "CONNECT " + pixiv.OAuthHost + ":443 HTTP/1.1\r\nHost: " + pixiv.OAuthHost + ":443\r\n\r\n"
}
