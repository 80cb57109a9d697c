package pixivtest_test

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestProxy: a CONNECT to a Pixiv host reaches the double; any other host,
// and any request that is not a CONNECT, is refused; each is recorded.
func TestProxy(t *testing.T) {
	srv := pixivtest.New()
	defer srv.Close()
	proxy := pixivtest.NewProxy(srv.Addr())
	defer proxy.Close()
	proxyURL, err := url.Parse(proxy.URL())
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()},
	}}
	tests := []struct {
		url    string
		ok     bool
		record string
	}{
		{"https://" + pixiv.AccountsHost + pixiv.AccountsLoginPath, true, "CONNECT " + pixiv.AccountsHost + ":443"},
		{"https://example.com/", false, "CONNECT example.com:443"},
		{"http://" + pixiv.AccountsHost + "/", false, "GET " + pixiv.AccountsHost},
	}
	for _, tt := range tests {
		resp, err := client.Get(tt.url)
		if err == nil {
			resp.Body.Close()
		}
		// The proxy refuses with 403; the double answers its login page.
		if got := err == nil && resp.StatusCode != http.StatusForbidden; got != tt.ok {
			t.Errorf("GET %s through the proxy: err %v, reached the double %v, want %v", tt.url, err, got, tt.ok)
		}
		if seen := proxy.Requests(); len(seen) == 0 || seen[len(seen)-1] != tt.record {
			t.Errorf("after %s the proxy recorded %q, want %q last", tt.url, seen, tt.record)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 1 || !strings.HasSuffix(reqs[0].Path, pixiv.AccountsLoginPath) {
		t.Errorf("the double saw %d requests, want the one tunnelled", len(reqs))
	}
}
