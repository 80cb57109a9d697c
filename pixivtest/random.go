package pixivtest

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// RandomFault names a fault that [WithRandomFaults] gave a request.
type RandomFault string

// The faults of [WithRandomFaults]. Each is made with [Server.Inject]'s
// machinery ([Fault]), except ResetMidAnswer, which [Fault] cannot express.
const (
	// RandomNone is the normal answer.
	RandomNone RandomFault = ""
	// RandomStatus500 is a bare 500: JSON on the token endpoint, an HTML
	// error page elsewhere.
	RandomStatus500 RandomFault = "500"
	// RandomCloudflare503 is Cloudflare's HTML 503 ([CloudflareUnavailable]).
	RandomCloudflare503 RandomFault = "503-cloudflare"
	// RandomRateLimited is a 429 with Retry-After: 1.
	RandomRateLimited RandomFault = "429"
	// RandomReset closes the connection with an RST before any answer.
	RandomReset RandomFault = "reset"
	// RandomResetMidAnswer sends a 200, its headers and half of its body,
	// then closes the connection with an RST.
	RandomResetMidAnswer RandomFault = "reset-mid-answer"
	// RandomStall sends a 200, its headers and half of its body, then
	// nothing more until the client gives up ([Fault.Hang]).
	RandomStall RandomFault = "stall"
	// RandomTruncatedJSON is a 200 whose JSON breaks off ([Fault.Malformed]);
	// only the token endpoint gets it.
	RandomTruncatedJSON RandomFault = "truncated-json"
	// RandomSlow is the normal answer after a delay ([Fault.Delay]) of
	// between a half and five seconds.
	RandomSlow RandomFault = "slow"
)

// tokenFaults and pageFaults are what the token endpoint and every other
// request (the login pages, their scripts and XHRs) can get.
var (
	tokenFaults = []RandomFault{RandomStatus500, RandomCloudflare503, RandomRateLimited, RandomReset,
		RandomResetMidAnswer, RandomStall, RandomTruncatedJSON, RandomSlow}
	pageFaults = []RandomFault{RandomStatus500, RandomCloudflare503, RandomRateLimited, RandomReset,
		RandomResetMidAnswer, RandomStall, RandomSlow}
)

// WithRandomFaults makes the double fail at random, for a soak: each request
// to a Pixiv host (the token endpoint and every page of the login, whatever
// its path) gets, with probability rate, one of the RandomFault values,
// drawn evenly (the token endpoint's list adds truncated JSON). A fault
// queued with [Server.Inject] comes first and takes no draw.
//
// The draws are deterministic for a seed: the n-th request to each
// endpoint (or, off the flow's endpoints, each host and path) gets the same
// fault and the same delay in every server made with that seed. Which
// request is the n-th is up to the clients: requests made in parallel
// arrive in any order. [Server.FaultLog] records what each request got.
func WithRandomFaults(seed int64, rate float64) Option {
	return func(c *config) {
		c.random = &randomFaults{seed: uint64(seed), rate: rate, rates: map[Endpoint]float64{}, streams: map[string]*rand.Rand{}}
	}
}

// WithEndpointFaultRate sets, for requests to e, the chance of a fault
// under [WithRandomFaults], which must come before it (without it, this does
// nothing): e.g. a login soak that faults its pages rarely and its one code
// exchange often.
func WithEndpointFaultRate(e Endpoint, rate float64) Option {
	return func(c *config) {
		if c.random != nil {
			c.random.rates[e] = rate
		}
	}
}

// randomFaults is the state of WithRandomFaults: a random stream per
// endpoint, and the log. Its own mutex, so that nothing else in the server
// needs to know about it.
type randomFaults struct {
	seed    uint64
	rate    float64
	rates   map[Endpoint]float64 // WithEndpointFaultRate
	mu      sync.Mutex
	streams map[string]*rand.Rand
	log     []FaultRecord
}

// FaultRecord is one request as [WithRandomFaults] saw it: what it asked
// for, and the fault it got.
type FaultRecord struct {
	// Seq numbers the records from 0, in the order the draws were made.
	Seq int
	// Time is when the request's draw was made, by real time (not the
	// server's clock), so that a driver can line it up with its own runs.
	Time time.Time
	// Method, Host and Path are the request's; Endpoint is its step of
	// the flow, or "" for any other path.
	Method, Host, Path string
	Endpoint           Endpoint
	// Account is the ID of the account the request is for, when it says:
	// by the PHPSESSID cookie of a page, or by the refresh token or code of
	// a token request. It is "" when the request does not say.
	Account string
	// Fault is what the request got: RandomNone for the normal answer.
	Fault RandomFault
	// Delay is how long a RandomSlow answer waited.
	Delay time.Duration
}

// FaultLog returns what [WithRandomFaults] gave each request so far, in
// order; it is empty without random faults, and it leaves out requests that
// met a fault queued with [Server.Inject].
func (s *Server) FaultLog() []FaultRecord {
	rf := s.cfg.random
	if rf == nil {
		return nil
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return append([]FaultRecord(nil), rf.log...)
}

// randomFault draws the fault of r under WithRandomFaults, records it and
// answers with it. It reports whether the normal answer should follow: with
// no random faults, no fault drawn, or a fault that only delays.
func (s *Server) randomFault(w http.ResponseWriter, r *http.Request, host string, e Endpoint) (next bool) {
	rf := s.cfg.random
	if rf == nil || !pixiv.IsPixivHost(host) {
		return true
	}
	account := s.accountOf(r, e)
	key := string(e)
	if e == "" {
		key = host + r.URL.Path
	}
	rf.mu.Lock()
	rng := rf.streams[key]
	if rng == nil {
		h := fnv.New64a()
		_, _ = h.Write([]byte(key))
		rng = rand.New(rand.NewPCG(rf.seed, h.Sum64()))
		rf.streams[key] = rng
	}
	// Every request takes the same number of draws, so that one request's
	// fault never shifts the next one's.
	rate, ok := rf.rates[e]
	if !ok {
		rate = rf.rate
	}
	hit, pick, delay := rng.Float64() < rate, rng.IntN(1<<30), 500*time.Millisecond+time.Duration(rng.Int64N(int64(4500*time.Millisecond)))
	kinds := pageFaults
	if e == EndpointToken {
		kinds = tokenFaults
	}
	rec := FaultRecord{Seq: len(rf.log), Time: time.Now(), Method: r.Method, Host: host, Path: r.URL.Path,
		Endpoint: e, Account: account}
	if hit {
		rec.Fault = kinds[pick%len(kinds)]
		if rec.Fault == RandomSlow {
			rec.Delay = delay.Round(time.Millisecond)
		}
	}
	rf.log = append(rf.log, rec)
	rf.mu.Unlock()

	if rec.Fault == RandomNone {
		return true
	}
	if rec.Fault == RandomResetMidAnswer {
		s.resetMidAnswer(w, r, e)
		return false
	}
	return s.applyFault(w, r, e, randomFaultOf(rec, e))
}

// randomFaultOf is the Fault that makes rec's fault (all but
// RandomResetMidAnswer).
func randomFaultOf(rec FaultRecord, e Endpoint) *Fault {
	var f Fault
	switch rec.Fault {
	case RandomStatus500:
		f = Fault{Status: http.StatusInternalServerError, Body: "<!doctype html><title>500 Internal Server Error</title><h1>500 Internal Server Error</h1>"}
		if e == EndpointToken {
			f.Body = `{"has_error":true,"errors":{"system":{"message":"Internal Server Error"}}}`
		}
	case RandomCloudflare503:
		f = CloudflareUnavailable()
	case RandomRateLimited:
		f = Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}},
			Body: "<!doctype html><title>429 Too Many Requests</title><h1>Too Many Requests</h1>"}
		if e == EndpointToken {
			f.Body = `{"has_error":true,"errors":{"system":{"message":"Rate Limit"}}}`
		}
	case RandomReset:
		f = Fault{Reset: true}
	case RandomStall:
		f = Fault{Hang: true}
		if e != EndpointToken {
			f.Body = partialPage
		}
	case RandomTruncatedJSON:
		f = Fault{Malformed: true}
	case RandomSlow:
		f = Fault{Delay: rec.Delay}
	}
	return &f
}

// partialPage is what a stalled or cut page sends half of: the start of a
// Pixiv page, whose end (and the script that would move on) never comes.
var partialPage = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pixiv</title></head>\n<body><div id=\"root\"><p>Loading…</p>" +
	strings.Repeat("<div class=\"placeholder\"></div>\n", 64) + "</div></body></html>\n"

// resetMidAnswer sends a 200 with the headers and half of a body (a token
// answer on the token endpoint, a page elsewhere), waits a moment so that
// the client has read it, then closes the connection with an RST.
func (s *Server) resetMidAnswer(w http.ResponseWriter, r *http.Request, e Endpoint) {
	body, contentType := partialPage, "text/html; charset=utf-8"
	if e == EndpointToken {
		body = `{"access_token":"` + randomToken() + `","expires_in":3600,"token_type":"bearer","scope":"","refresh_token":"` + randomToken() + `"}`
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body[:len(body)/2]))
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if !s.wait(r.Context(), 100*time.Millisecond) {
		return
	}
	reset(w)
}

// accountOf is the account r is for, when it says: the user ID that starts
// Pixiv's PHPSESSID ("<user id>_<random>"), or, on the token endpoint, the
// account of the refresh token or code it sends.
func (s *Server) accountOf(r *http.Request, e Endpoint) string {
	if e == EndpointToken {
		s.mu.Lock()
		defer s.mu.Unlock()
		if id, ok := s.refresh[r.PostForm.Get("refresh_token")]; ok {
			return id
		}
		if g, ok := s.codes[r.PostForm.Get("code")]; ok {
			return g.accountID
		}
		return ""
	}
	if c, err := r.Cookie(pixiv.SessionCookie); err == nil {
		if id, _, ok := strings.Cut(c.Value, "_"); ok {
			return id
		}
	}
	return ""
}
