package pixivtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// NewCertificate makes a self-signed certificate for every name a Pixiv
// double answers to: pixiv.net, *.pixiv.net, the hosts of the flow
// ([pixiv.Hosts]), localhost and 127.0.0.1. It is its own root: a client
// trusts it through a pool holding its Leaf ([NewTransport]), a browser
// through its public key hash. It is what [New] serves; a test that runs
// its own TLS server in Pixiv's place (an httptest.Server with a scripted
// handler, say) serves it too, so that its client checks TLS against the
// real host names exactly as against Pixiv. ECDSA P-256 keeps it fast (an
// RSA key takes far longer to generate).
func NewCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a serial number: %w", err)
	}
	now := time.Now()
	names := append([]string{"pixiv.net", "*.pixiv.net", "localhost"}, pixiv.Hosts()...)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"pixivtest"}, CommonName: "*.pixiv.net"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating a certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parsing the new certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// spkiHash is what Chrome's --ignore-certificate-errors-spki-list takes:
// base64(sha256(SubjectPublicKeyInfo)).
func spkiHash(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
