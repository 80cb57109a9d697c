package pixivtest_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// A server of the test's own, serving NewCertificate, is reached through
// NewTransport at Pixiv's production URLs, with TLS checked against the
// real host names; other hosts are never dialled.
func TestNewTransportReachesAServerOfYourOwn(t *testing.T) {
	cert, err := pixivtest.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Host, r.URL.Path)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()

	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	tr := pixivtest.NewTransport(srv.Listener.Addr().String(), roots)
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for _, host := range pixiv.Hosts() {
		resp, err := c.Get("https://" + host + "/x")
		if err != nil {
			t.Fatalf("GET https://%s/x: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != host+" /x" {
			t.Errorf("https://%s/x answered %q", host, body)
		}
	}
	if _, err := c.Get("https://example.com/"); err == nil || !strings.Contains(err.Error(), "refusing to dial example.com:443") {
		t.Errorf("GET https://example.com/: %v, want a refusal", err)
	}

	// Without the pool, the certificate is not trusted: TLS is checked.
	plain := &http.Client{Transport: pixivtest.NewTransport(srv.Listener.Addr().String(), x509.NewCertPool())}
	if _, err := plain.Get("https://" + pixiv.OAuthHost + "/"); err == nil {
		t.Error("a pool without the certificate trusted it")
	}
}
