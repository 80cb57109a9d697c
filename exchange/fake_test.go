package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// pixivCert is pixivtest's certificate for Pixiv's hosts, made once for
// every fake, so that the Client verifies TLS against a loopback server
// exactly as against Pixiv.
var pixivCert = sync.OnceValues(pixivtest.NewCertificate)

// routedClient sends every Pixiv host to addr, a loopback address, and
// refuses to dial anything else (pixivtest.DialPixiv): the production URLs
// stay as they are. dials, if not nil, counts the dials to a Pixiv host.
func routedClient(t testing.TB, addr string, dials *atomic.Int32) *http.Client {
	t.Helper()
	cert, err := pixivCert()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	tr := pixivtest.NewTransport(addr, roots)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, target string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(target); dials != nil && pixiv.IsPixivHost(host) {
			dials.Add(1)
		}
		return dial(ctx, network, target)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// answer is one scripted reply of the fake token endpoint.
type answer struct {
	status      int
	contentType string
	body        string
	header      map[string]string
	hang        bool // never answer: wait for the client to give up
	reset       bool // close the connection without answering
}

// request is what the fake token endpoint received.
type request struct {
	Method, Host, Path string
	Form               url.Values
	Header             http.Header
}

// fakePixiv is a token endpoint that replies from a script, the last reply
// repeating, and records what it receives.
type fakePixiv struct {
	t       *testing.T
	srv     *httptest.Server
	dials   atomic.Int32
	mu      sync.Mutex
	answers []answer
	reqs    []request
	logs    []string
}

func newFakePixiv(t *testing.T, answers ...answer) *fakePixiv {
	t.Helper()
	f := &fakePixiv{t: t, answers: answers}
	cert, err := pixivCert()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, request{r.Method, r.Host, r.URL.Path, r.PostForm, r.Header.Clone()})
		a := f.answers[0]
		if len(f.answers) > 1 {
			f.answers = f.answers[1:]
		}
		f.mu.Unlock()
		switch {
		case a.hang:
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		case a.reset:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.contentType == "" {
			a.contentType = "application/json"
		}
		w.Header().Set("Content-Type", a.contentType)
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes a test fails on purpose
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(done) })
	return f
}

// client returns a Client routed to f, with a fixed clock, waits that are
// recorded instead of slept, and a log kept for inspection.
func (f *fakePixiv) client(waits *[]time.Duration) *Client {
	return &Client{
		HTTPClient: routedClient(f.t, f.srv.Listener.Addr().String(), &f.dials),
		Now:        func() time.Time { return testNow },
		Logf: func(format string, args ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logs = append(f.logs, fmt.Sprintf(format, args...))
		},
		sleep: func(ctx context.Context, d time.Duration) error {
			if waits != nil {
				*waits = append(*waits, d)
			}
			return ctx.Err()
		},
	}
}

func (f *fakePixiv) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// assertNoSecrets fails if the log or text holds any of secrets.
func (f *fakePixiv) assertNoSecrets(text string, secrets ...string) {
	f.t.Helper()
	f.mu.Lock()
	all := append([]string{text}, f.logs...)
	f.mu.Unlock()
	for _, s := range secrets {
		for _, line := range all {
			if strings.Contains(line, s) {
				f.t.Errorf("%q leaks the secret %q", line, s)
			}
		}
	}
}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2021, 2, 13, 8, 0, 0, 0, time.UTC)

// closedAddr is a loopback address that refuses connections.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Bodies of Pixiv's answers, as working clients have recorded them.
const (
	userJSON = `{"profile_image_urls":{"px_16x16":"https://i.pximg.net/a.png","px_50x50":"https://i.pximg.net/b.png","px_170x170":"https://i.pximg.net/c.png"},` +
		`"id":"123456","name":"Ann","account":"user_123456","mail_address":"ann@example.com","is_premium":true,` +
		`"x_restrict":2,"is_mail_authorized":true,"require_policy_agreement":false}`
	tokenFields = `"access_token":"AT-issued","expires_in":3600,"token_type":"bearer","scope":"","refresh_token":"RT-issued","user":` + userJSON

	bodyBoth       = `{` + tokenFields + `,"response":{` + tokenFields + `,"device_token":"DT-issued"}}`
	bodyTopLevel   = `{` + tokenFields + `}`
	bodyWrapped    = `{"response":{` + tokenFields + `,"device_token":"DT-issued"}}`
	bodyBadToken   = `{"has_error":true,"errors":{"system":{"message":"Invalid refresh token","code":1508}},"error":"invalid_grant"}`
	bodyBadLegacy  = `{"has_error":true,"errors":{"system":{"message":"Invalid refresh token","code":1508}}}`
	bodyCodeGone   = `{"has_error":true,"errors":{"system":{"message":"The authorization code has expired","code":1508}},"error":"invalid_grant"}`
	bodyRetired    = `{"has_error":true,"errors":{"system":{"message":"Invalid grant_type parameter or parameter missing","code":1508}},"error":"invalid_request"}`
	bodyCloudflare = `<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>` +
		`<body><div class="cf-error-details"><h1>Sorry, you have been blocked</h1></div></body></html>`
)
