package pixivtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// DialPixiv returns a dial function, for an [http.Transport]'s DialContext,
// that connects to addr (a double's loopback address) for every Pixiv host
// (pixiv.net or a name under it) and refuses every other address. The code
// under test keeps Pixiv's production URLs, TLS checks the real host name,
// and nothing can reach past loopback through it. [Server.DialContext] is
// DialPixiv of the double's own address.
func DialPixiv(addr string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			host = address
		}
		if !pixiv.IsPixivHost(host) {
			return nil, fmt.Errorf("pixivtest: refusing to dial %s: only Pixiv hosts lead to the double", address)
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("pixivtest: dialling the double for %s: %w", host, err)
		}
		return conn, nil
	}
}

// NewTransport returns a transport that reaches addr for every Pixiv host
// through [DialPixiv], trusts the certificates in roots (for a certificate
// from [NewCertificate], a pool holding its Leaf), and never uses a proxy
// from the environment. [Server.Client] uses one; a test that serves
// Pixiv's hosts from a server of its own uses it to reach that server as
// the product reaches Pixiv.
func NewTransport(addr string, roots *x509.CertPool) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // never a proxy from the environment
		DialContext:         DialPixiv(addr),
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 8,
	}
}
