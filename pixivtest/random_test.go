package pixivtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// randomRefresh sends one refresh with a fresh connection that gives up
// after a second (a stall or a slow answer ends there), and returns what came
// back: the status (0 for none) and the error.
func randomRefresh(s *pixivtest.Server, rt string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c := s.Client()
	c.Transport = c.Transport.(*http.Transport).Clone()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, pixiv.TokenURL,
		strings.NewReader(tokenForm("grant_type", "refresh_token", "refresh_token", rt).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func faultsOf(log []pixivtest.FaultRecord) []pixivtest.RandomFault {
	var out []pixivtest.RandomFault
	for _, r := range log {
		out = append(out, r.Fault)
	}
	return out
}

// The same seed draws the same faults, request for request; another seed
// draws others. Each path has a stream of its own, so requests to distinct
// paths can go in parallel and still draw the same.
func TestRandomFaultsDeterministic(t *testing.T) {
	draw := func(seed int64) []pixivtest.RandomFault {
		s := pixivtest.New(pixivtest.WithRandomFaults(seed, 0.5))
		defer s.Close()
		var wg sync.WaitGroup
		for i := range 24 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				c := s.Client()
				c.Transport = c.Transport.(*http.Transport).Clone()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("https://%s/soak/%d", pixiv.AccountsHost, i), nil)
				if resp, err := c.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		log := s.FaultLog()
		slices.SortFunc(log, func(a, b pixivtest.FaultRecord) int { return strings.Compare(a.Path, b.Path) })
		return faultsOf(log)
	}
	a, b, c := draw(7), draw(7), draw(8)
	if len(a) != 24 {
		t.Fatalf("the log holds %d records for 24 requests", len(a))
	}
	if !slices.Equal(a, b) {
		t.Errorf("seed 7 drew\n%q\nthen\n%q", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 drew the same faults: %q", a)
	}
	if !slices.Contains(a, pixivtest.RandomNone) || !slices.ContainsFunc(a, func(f pixivtest.RandomFault) bool { return f != pixivtest.RandomNone }) {
		t.Errorf("rate 0.5 faulted every request or none: %q", a)
	}
}

// With rate 1 every request is faulted, and each fault answers as its name
// says; with rate 0 none is.
func TestRandomFaultAnswers(t *testing.T) {
	s := pixivtest.New(pixivtest.WithRandomFaults(1, 1), pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	rt := s.NewRefreshToken(pixivtest.DemoAccount().ID)
	seen := map[pixivtest.RandomFault]bool{}
	for i := 0; i < 200 && len(seen) < 8; i++ {
		status, body, err := randomRefresh(s, rt)
		log := s.FaultLog()
		rec := log[len(log)-1]
		seen[rec.Fault] = true
		if rec.Account != pixivtest.DemoAccount().ID {
			t.Errorf("request %d: account %q, want the refresh token's %q", i, rec.Account, pixivtest.DemoAccount().ID)
		}
		var ok bool
		switch rec.Fault {
		case pixivtest.RandomStatus500:
			ok = status == 500 && strings.Contains(body, "has_error")
		case pixivtest.RandomCloudflare503:
			ok = status == 503 && strings.Contains(body, "Cloudflare")
		case pixivtest.RandomRateLimited:
			ok = status == 429
		case pixivtest.RandomReset:
			ok = errors.Is(err, syscall.ECONNRESET) || err != nil && strings.Contains(err.Error(), "EOF")
		case pixivtest.RandomResetMidAnswer:
			ok = status == 200 && err != nil && !errors.Is(err, context.DeadlineExceeded)
		case pixivtest.RandomStall:
			ok = status == 200 && errors.Is(err, context.DeadlineExceeded)
		case pixivtest.RandomTruncatedJSON:
			ok = status == 200 && err == nil && !strings.HasSuffix(body, "}")
		case pixivtest.RandomSlow:
			// Delays run from 0.5 s to 5 s: the client's second ends some.
			ok = status == 0 && errors.Is(err, context.DeadlineExceeded) && rec.Delay > 800*time.Millisecond ||
				status == 200 && err == nil && rec.Delay >= 500*time.Millisecond && rec.Delay < time.Second
		default:
			t.Fatalf("request %d got no fault at rate 1", i)
		}
		if !ok {
			t.Errorf("request %d, fault %q: status %d, body %.60q, error %v", i, rec.Fault, status, body, err)
		}
	}
	if len(seen) < 8 {
		t.Errorf("200 token requests at rate 1 met only %d kinds of fault: %v", len(seen), seen)
	}

	// Rate 0, and rate 1 everywhere but the token endpoint.
	calm := pixivtest.New(pixivtest.WithRandomFaults(1, 1), pixivtest.WithEndpointFaultRate(pixivtest.EndpointToken, 0),
		pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer calm.Close()
	rt = calm.NewRefreshToken(pixivtest.DemoAccount().ID)
	for range 10 {
		if status, _, err := randomRefresh(calm, rt); status != 200 || err != nil {
			t.Errorf("rate 0: status %d, error %v", status, err)
		}
	}
	if got := faultsOf(calm.FaultLog()); len(got) != 10 || slices.ContainsFunc(got, func(f pixivtest.RandomFault) bool { return f != pixivtest.RandomNone }) {
		t.Errorf("rate 0 for the token endpoint logged %q", got)
	}
}

// The login pages are faulted too (never with truncated JSON), a page's
// account is read from its session cookie, and a fault queued with Inject
// comes first.
func TestRandomFaultsOnPages(t *testing.T) {
	s := pixivtest.New(pixivtest.WithRandomFaults(3, 1), pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer s.Close()
	sess := s.NewSession(pixivtest.DemoAccount().ID)
	s.Inject(pixivtest.EndpointLogin, pixivtest.Fault{Status: 418, Times: 1})
	get := func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		c := s.Client()
		c.Transport = c.Transport.(*http.Transport).Clone()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+pixiv.AccountsHost+pixiv.AccountsLoginPath, nil)
		req.AddCookie(sess)
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return resp.StatusCode, err
	}
	c := s.Client()
	resp, err := c.Get(pixiv.LoginURLFor("x"))
	if err != nil || resp.StatusCode != 418 {
		t.Fatalf("the injected fault did not come first: %v %v", resp, err)
	}
	resp.Body.Close()
	if n := len(s.FaultLog()); n != 0 {
		t.Errorf("a request that met an injected fault was drawn for: %d records", n)
	}
	for range 40 {
		get()
	}
	for _, rec := range s.FaultLog() {
		if rec.Fault == pixivtest.RandomNone || rec.Fault == pixivtest.RandomTruncatedJSON {
			t.Errorf("a page got %q", rec.Fault)
		}
		if rec.Endpoint != pixivtest.EndpointAccountsLogin || rec.Account != pixivtest.DemoAccount().ID {
			t.Errorf("record %+v: want endpoint %q, account %q", rec, pixivtest.EndpointAccountsLogin, pixivtest.DemoAccount().ID)
		}
	}
}
