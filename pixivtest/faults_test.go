package pixivtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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
