package pixivtest_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

func TestDialContextRefusesOtherHosts(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	tests := []struct {
		addr string
		ok   bool
	}{
		{"app-api.pixiv.net:443", true},
		{"oauth.secure.pixiv.net:443", true},
		{"PIXIV.NET.:443", true},
		{"example.com:443", false},
		{"pixiv.net.example.com:443", false},
		{"notpixiv.net:443", false},
		{"www.google.com:443", false},
		{"127.0.0.1:443", false},
		{"localhost:80", false},
		{s.Addr(), false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			conn, err := s.DialContext(context.Background(), "tcp", tc.addr)
			if conn != nil {
				defer conn.Close()
				if got := conn.RemoteAddr().String(); got != s.Addr() {
					t.Errorf("dialled %s, want the double at %s", got, s.Addr())
				}
			}
			if (err == nil) != tc.ok {
				t.Errorf("DialContext(%s) error %v, want ok=%v", tc.addr, err, tc.ok)
			}
		})
	}
	// The client goes through DialContext and ignores proxy settings.
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	if _, err := s.Client().Get("https://example.com/"); err == nil || !strings.Contains(err.Error(), "refusing to dial example.com:443") {
		t.Errorf("client to example.com: %v, want a refusal", err)
	}
	if resp, err := s.Client().Get(pixiv.TokenURL); err != nil {
		t.Errorf("client to the token endpoint with HTTPS_PROXY set: %v", err)
	} else {
		resp.Body.Close()
	}
}

func TestUnknownHostAndPath(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	tests := []struct {
		url    string
		status int
	}{
		{"https://www.pixiv.net/", http.StatusMisdirectedRequest},
		{"https://pixiv.net/", http.StatusMisdirectedRequest},
		{"https://app-api.pixiv.net/v1/user/detail", http.StatusNotFound},
		{"https://accounts.pixiv.net/nothing", http.StatusNotFound},
		{"https://oauth.secure.pixiv.net/", http.StatusNotFound},
	}
	for _, tc := range tests {
		resp, err := s.Client().Get(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.url, resp.StatusCode, tc.status)
		}
	}
}

// TestCertificate checks that the certificate covers every host the flow
// uses and that BrowserFlags names its public key.
func TestCertificate(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	flags := s.BrowserFlags()
	if flags["host-resolver-rules"] != pixiv.HostResolverRules(s.Addr()) {
		t.Errorf("host-resolver-rules = %v", flags["host-resolver-rules"])
	}
	for _, name := range append(pixiv.Hosts(), "pixiv.net", "www.pixiv.net", "localhost") {
		t.Run(name, func(t *testing.T) {
			raw, err := s.DialContext(context.Background(), "tcp", "app-api.pixiv.net:443")
			if err != nil {
				t.Fatal(err)
			}
			conn := tls.Client(raw, &tls.Config{ServerName: name, RootCAs: s.RootCAs()})
			defer conn.Close()
			if err := conn.Handshake(); err != nil {
				t.Fatalf("TLS handshake as %s: %v", name, err)
			}
			sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
			if got := base64.StdEncoding.EncodeToString(sum[:]); flags["ignore-certificate-errors-spki-list"] != got {
				t.Errorf("ignore-certificate-errors-spki-list = %v, the certificate's is %s", flags["ignore-certificate-errors-spki-list"], got)
			}
		})
	}
	// A client that does not trust the double refuses it.
	raw, err := s.DialContext(context.Background(), "tcp", "app-api.pixiv.net:443")
	if err != nil {
		t.Fatal(err)
	}
	conn := tls.Client(raw, &tls.Config{ServerName: pixiv.AppAPIHost})
	defer conn.Close()
	if err := conn.Handshake(); err == nil {
		t.Error("the system roots trust the double")
	}
}

func TestAccounts(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.Account{Username: "a", Password: "p"}))
	defer s.Close()
	b := s.AddAccount(pixivtest.Account{Username: "b", Password: "p"})
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(b.ID) || b.Account != "user_"+b.ID || b.Name != b.Account {
		t.Errorf("AddAccount filled in %+v", b)
	}
	c := s.AddAccount(pixivtest.Account{ID: "42", Username: "c", Password: "p", Name: "C"})
	if c.ID != "42" || c.Name != "C" {
		t.Errorf("AddAccount changed an ID or name it was given: %+v", c)
	}
	cookie := s.NewSession(b.ID)
	if !strings.HasPrefix(cookie.Value, b.ID+"_") || cookie.Name != pixiv.SessionCookie || cookie.Domain != pixiv.CookieDomain ||
		cookie.Path != "/" || !cookie.Secure || !cookie.HttpOnly {
		t.Errorf("NewSession = %+v", cookie)
	}
	if other := s.NewSession(b.ID); other.Value == cookie.Value {
		t.Error("two sessions share a value")
	}
	defer func() {
		if recover() == nil {
			t.Error("NewSession of an unknown account did not panic")
		}
	}()
	s.NewSession("999")
}

// TestConcurrentLogins runs whole flows side by side (under -race).
func TestConcurrentLogins(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	t.Run("flows", func(t *testing.T) {
		for i := range 8 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				s.SetDecoys(i%2 == 0)
				code, verifier := codeFor(t, s)
				if status, _, body := token(t, s, codeForm(code, verifier)); status != http.StatusOK {
					t.Errorf("exchange: %d %s", status, body)
				}
				_ = s.Requests()
			})
		}
	})
	if n := len(s.Issued()); n != 8 {
		t.Errorf("%d token sets issued, want 8", n)
	}
}

func TestCloseTwiceAndAfter(t *testing.T) {
	s := pixivtest.New()
	s.Close()
	s.Close()
	if _, err := s.Client().Get(pixiv.TokenURL); err == nil {
		t.Error("a closed double still answers")
	}
	conn, err := net.Dial("tcp", s.Addr())
	if err == nil {
		conn.Close()
		t.Error("a closed double still listens")
	}
}
