package pixivtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// post sends a refresh to the token endpoint with a fresh client (so no
// connection is reused) and returns the answer, its body read to the end.
func post(s *pixivtest.Server) (*http.Response, string, error) {
	c := s.Client()
	c.Transport = c.Transport.(*http.Transport).Clone()
	resp, err := c.PostForm(pixiv.TokenURL, tokenForm("grant_type", "refresh_token", "refresh_token", "x"))
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func TestFaultAnswers(t *testing.T) {
	tests := []struct {
		name        string
		fault       pixivtest.Fault
		status      int
		contentType string
		header      [2]string
		bodyHas     string
	}{
		{"status with Retry-After", pixivtest.Fault{Status: 503, Body: "busy", Header: http.Header{"Retry-After": {"7"}}},
			503, "application/json", [2]string{"Retry-After", "7"}, "busy"},
		{"status with content type", pixivtest.Fault{Status: 500, Body: "<h1>oops</h1>", ContentType: "text/html"},
			500, "text/html", [2]string{}, "<h1>oops</h1>"},
		{"Cloudflare block", pixivtest.CloudflareBlock(),
			403, "text/html; charset=UTF-8", [2]string{"Server", "cloudflare"}, "<title>Attention Required! | Cloudflare</title>"},
		{"Cloudflare unavailable", pixivtest.CloudflareUnavailable(),
			503, "text/html; charset=UTF-8", [2]string{"Server", "cloudflare"}, "503: Service temporarily unavailable"},
		{"malformed", pixivtest.Fault{Malformed: true},
			200, "application/json", [2]string{}, `{"access_token":"`},
		{"delay, then the normal answer", pixivtest.Fault{Delay: time.Millisecond, Header: http.Header{"X-Extra": {"1"}}},
			400, "application/json", [2]string{"X-Extra", "1"}, "Invalid refresh token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pixivtest.New()
			defer s.Close()
			s.Inject(pixivtest.EndpointToken, tc.fault)
			resp, body, err := post(s)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.contentType || !strings.Contains(body, tc.bodyHas) {
				t.Errorf("%d %q %s; want %d %q with %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.contentType, tc.bodyHas)
			}
			if tc.header[0] != "" && resp.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("header %s = %q, want %q", tc.header[0], resp.Header.Get(tc.header[0]), tc.header[1])
			}
			if tc.fault.Malformed && json.Valid([]byte(body)) {
				t.Errorf("malformed body is valid JSON: %s", body)
			}
			if n := len(s.TokenRequests()); n != 1 {
				t.Errorf("%d token requests recorded, want 1", n)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 502, Times: 2})
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 504, Times: 1})
	s.Inject(pixivtest.EndpointLogin, pixivtest.Fault{Status: 500}) // another endpoint: no effect here
	var got []int
	for range 4 {
		resp, _, err := post(s)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.StatusCode)
	}
	if want := []int{502, 502, 504, 400}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}

	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Status: 429}) // until cleared
	for range 3 {
		if resp, _, _ := post(s); resp.StatusCode != 429 {
			t.Errorf("status %d, want 429 until ClearFaults", resp.StatusCode)
		}
	}
	s.ClearFaults()
	if resp, _, _ := post(s); resp.StatusCode != 400 {
		t.Errorf("after ClearFaults: %d, want the normal 400", resp.StatusCode)
	}
	// The login endpoint's fault was cleared too.
	b := newBrowser(t, s)
	_, challenge := pkce()
	if p := b.get(pixiv.LoginURLFor(challenge)); p.Status != http.StatusFound {
		t.Errorf("login after ClearFaults: %d", p.Status)
	}
}

func TestFaultOnBrowserEndpoints(t *testing.T) {
	s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	s.Inject(pixivtest.EndpointAccountsLogin, pixivtest.CloudflareBlock())
	b := newBrowser(t, s)
	_, challenge := pkce()
	steps := b.follow(pixiv.LoginURLFor(challenge))
	last := steps[len(steps)-1]
	if last.Status != http.StatusForbidden || !strings.Contains(last.Body, "Cloudflare") {
		t.Errorf("accounts login under a block: %d", last.Status)
	}
}

func TestFaultReset(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Reset: true, Times: 1})
	_, _, err := post(s)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("error %v, want a connection reset", err)
	}
	if resp, _, err := post(s); err != nil || resp.StatusCode != 400 {
		t.Errorf("after the reset: %v, %v", resp, err)
	}
}

func TestFaultHang(t *testing.T) {
	tests := []struct {
		name string
		end  func(cancel context.CancelFunc, s *pixivtest.Server)
	}{
		{"until the client gives up", func(cancel context.CancelFunc, _ *pixivtest.Server) { cancel() }},
		{"until the server closes", func(_ context.CancelFunc, s *pixivtest.Server) { s.Close() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pixivtest.New()
			defer s.Close()
			const body = `{"access_token":"abcdefgh"}`
			s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Hang: true, Status: 200, Body: body})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, pixiv.TokenURL, strings.NewReader(tokenForm().Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatalf("headers should arrive: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
				t.Errorf("status %d, length %d", resp.StatusCode, resp.ContentLength)
			}
			// Part of the body arrives…
			half := make([]byte, len(body)/2)
			if _, err := io.ReadFull(resp.Body, half); err != nil || string(half) != body[:len(body)/2] {
				t.Fatalf("first half %q, %v", half, err)
			}
			// …the rest never does.
			tc.end(cancel, s)
			if rest, err := io.ReadAll(resp.Body); err == nil {
				t.Errorf("the hanging body finished: %q", rest)
			}
		})
	}
}

func TestFaultDelayGivesUp(t *testing.T) {
	s := pixivtest.New()
	defer s.Close()
	s.Inject(pixivtest.EndpointToken, pixivtest.Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, pixiv.TokenURL, strings.NewReader(""))
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(s.TokenRequests()) == 0 { // wait until the request is in the handler
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	// Close does not wait out the hour: the handler gave up with the client.
	s.Close()
}

// TestFaultOnEveryHop answers each hop of the session login (and the
// login XHR) with a Cloudflare page, a 5xx, a reset and a slow answer.
func TestFaultOnEveryHop(t *testing.T) {
	hops := []pixivtest.Endpoint{
		pixivtest.EndpointLogin, pixivtest.EndpointAccountsLogin, pixivtest.EndpointAccountSelected,
		pixivtest.EndpointPostRedirect, pixivtest.EndpointStart, pixivtest.EndpointAuthorize, pixivtest.EndpointAjaxLogin,
	}
	faults := map[string]pixivtest.Fault{
		"cloudflare": pixivtest.CloudflareBlock(),
		"503":        pixivtest.CloudflareUnavailable(),
		"500":        {Status: http.StatusInternalServerError, Body: "oops"},
		"reset":      {Reset: true},
		"slow":       {Delay: 300 * time.Millisecond},
	}
	for _, hop := range hops {
		for name, f := range faults {
			t.Run(string(hop)+"/"+name, func(t *testing.T) {
				s := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
				defer s.Close()
				b := newBrowser(t, s)
				if hop != pixivtest.EndpointAjaxLogin {
					withSession(t, s, b, "11111111")
				}
				f.Times = 1
				if f.Reset {
					// Go retries an idempotent request once on a reused
					// connection that fails: reset that too.
					f.Times = 2
				}
				s.Inject(hop, f)
				_, challenge := pkce()
				began := time.Now()
				status, err := walkTo(b, hop, challenge)
				switch name {
				case "reset":
					if err == nil {
						t.Errorf("%s under a reset: %d, want a connection error", hop, status)
					}
				case "slow":
					if err != nil || status >= 400 || time.Since(began) < 300*time.Millisecond {
						t.Errorf("%s slow: %d %v after %s, want the normal answer after 300ms", hop, status, err, time.Since(began))
					}
				default:
					if err != nil || status != f.Status {
						t.Errorf("%s under %s: %d %v, want %d", hop, name, status, err, f.Status)
					}
				}
			})
		}
	}
}

// walkTo goes the session login's way up to hop and returns hop's status.
func walkTo(b *browser, hop pixivtest.Endpoint, challenge string) (int, error) {
	do := func(method, u string, form url.Values) (page, error) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", pixiv.AccountsOrigin)
		}
		resp, err := b.c.Do(req)
		if err != nil {
			return page{}, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		return page{URL: u, Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(raw)}, err
	}
	p, err := do(http.MethodGet, pixiv.LoginURLFor(challenge), nil)
	if hop == pixivtest.EndpointLogin || err != nil {
		return p.Status, err
	}
	p, err = do(http.MethodGet, p.Location, nil)
	if hop == pixivtest.EndpointAccountsLogin || err != nil {
		return p.Status, err
	}
	c := configOf(b.t, p.Body).PixivAccount
	if hop == pixivtest.EndpointAjaxLogin {
		p, err = do(http.MethodPost, pixiv.AccountsOrigin+pixiv.AjaxLoginPath, url.Values{"login_id": {"demo"}, "password": {"demo-password"}, "return_to": {c.ReturnTo}, "tt": {c.TT}})
		return p.Status, err
	}
	p, err = do(http.MethodPost, pixiv.AccountsOrigin+pixiv.AccountSelectedPath, url.Values{"return_to": {c.Continue}, "tt": {c.TT}})
	if hop == pixivtest.EndpointAccountSelected || err != nil {
		return p.Status, err
	}
	p, err = do(http.MethodGet, p.Location, nil)
	if hop == pixivtest.EndpointPostRedirect || err != nil {
		return p.Status, err
	}
	p, err = do(http.MethodPost, configOf(b.t, p.Body).PixivAccount.ReturnTo+"&via=login", url.Values{})
	if hop == pixivtest.EndpointStart || err != nil {
		return p.Status, err
	}
	p, err = do(http.MethodGet, p.Location, nil)
	return p.Status, err
}
