//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/session"
	"github.com/pixivauth/pixivauth/store"
)

// Actions the driver takes during a run.
const (
	actNone          = ""
	actSIGINT        = "SIGINT"
	actSIGTERM       = "SIGTERM"
	actKillBrowser   = "kill-browser"          // SIGKILL the browser's main process, mid-login
	actKillAtStart   = "kill-browser-at-start" // SIGKILL it as soon as it appears
	actKillRenderers = "kill-renderers"        // SIGKILL every renderer of the browser
)

// spec is one planned run.
type spec struct {
	Command string        `json:"command"` // refresh, refresh-cached, token, check, login
	Timeout time.Duration `json:"timeout"`
	Action  string        `json:"action,omitempty"`
	// At is when the action comes, after the start (for a kill at start:
	// after the browser appears).
	At time.Duration `json:"at,omitempty"`
}

// step is what a lane does at once: one run, or a burst of runs on its
// profile. Age makes the cached token about to expire first, so that token
// refreshes.
type step struct {
	runs []spec
	age  bool
}

// lane is a double, a config dir and a plan, run one step at a time.
type lane struct {
	name  string
	login bool
	seed  int64
	rate  float64
	steps []step

	bin     string
	dir     string // the lane's work dir: config, home, and each run's TMPDIR
	config  string
	home    string
	srv     *pixivtest.Server
	account pixivtest.Account
	rt      string // the refresh token the double knows for the account
	profile *store.Profile

	mu      sync.Mutex
	results []*result
	stopped bool // the deadline or a signal stopped the lane early
	seq     int
}

// laneRand is the random stream of a lane: from the seed and its name only,
// so that a lane run alone (-lane) makes the same choices.
func laneRand(seed int64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// planLanes splits the runs and logins over the lanes and plans each.
func planLanes(c config) []*lane {
	var lanes []*lane
	for i := range c.tokenLanes {
		share := c.runs / c.tokenLanes
		if i < c.runs%c.tokenLanes {
			share++
		}
		if share == 0 {
			continue
		}
		l := &lane{name: "token" + strconv.Itoa(i+1), seed: c.seed, rate: c.rate}
		l.steps = planTokens(laneRand(c.seed, l.name), share)
		lanes = append(lanes, l)
	}
	for i := range c.loginLanes {
		share := c.logins / c.loginLanes
		if i < c.logins%c.loginLanes {
			share++
		}
		if share == 0 {
			continue
		}
		l := &lane{name: "login" + strconv.Itoa(i+1), login: true, seed: c.seed, rate: c.loginRate}
		l.steps = planLogins(laneRand(c.seed, l.name), share)
		lanes = append(lanes, l)
	}
	return lanes
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// planTokens plans n token runs: one at a time, or (one step in four, if
// there is room) ten at once on the profile, all after the cache is aged.
func planTokens(r *rand.Rand, n int) []step {
	var steps []step
	for n > 0 {
		if n >= 10 && r.IntN(4) == 0 {
			st := step{age: true}
			for range 10 {
				st.runs = append(st.runs, tokenSpec(r, true))
			}
			steps = append(steps, st)
			n -= 10
			continue
		}
		steps = append(steps, step{runs: []spec{tokenSpec(r, false)}, age: r.IntN(2) == 0})
		n--
	}
	return steps
}

func tokenSpec(r *rand.Rand, burst bool) spec {
	s := spec{Timeout: time.Duration(pick(r, 2, 3, 5, 8)) * time.Second}
	if burst {
		s.Command = pick(r, "token", "token", "token", "token", "token", "token", "refresh", "refresh", "check", "check")
		s.Timeout = time.Duration(pick(r, 2, 3, 5, 10)) * time.Second
	} else {
		s.Command = pick(r, "refresh", "refresh", "refresh-cached", "token", "token", "token", "check", "check")
	}
	switch x := r.IntN(100); {
	case x < 10:
		s.Action = actSIGINT
	case x < 16:
		s.Action = actSIGTERM
	}
	// Drawn whether used or not, so that one choice never shifts the next.
	// Most runs take under a second.
	at := time.Duration(r.Int64N(int64(800 * time.Millisecond)))
	if s.Action != actNone {
		s.At = 20*time.Millisecond + at
	}
	return s
}

// planLogins plans n headless session logins, a third of them with a
// signal or a kill.
func planLogins(r *rand.Rand, n int) []step {
	var steps []step
	for range n {
		// Half log in with the stored session (which pixivauth tries
		// over plain HTTP first, starting a browser only when Pixiv's
		// answer surprises it), half with the username and password,
		// which always drive the browser.
		s := spec{Command: pick(r, "login", "login-password"), Timeout: time.Duration(pick(r, 12, 20, 30)) * time.Second}
		x := r.IntN(100)
		at := time.Duration(r.Int64N(int64(4 * time.Second)))
		early := time.Duration(r.Int64N(int64(250 * time.Millisecond)))
		switch {
		case x < 10:
			s.Action, s.At = actSIGINT, 300*time.Millisecond+at
		case x < 15:
			s.Action, s.At = actSIGTERM, 300*time.Millisecond+at
		case x < 30:
			s.Action, s.At = actKillBrowser, 300*time.Millisecond+at
		case x < 40:
			s.Action, s.At = actKillAtStart, early
		case x < 60:
			s.Action, s.At = actKillRenderers, 300*time.Millisecond+at
		}
		steps = append(steps, step{runs: []spec{s}})
	}
	return steps
}

// open starts the lane's double and seeds its profile: a cached token and,
// for a login lane, a stored session.
func (l *lane) open(work string, c config) error {
	l.bin = c.bin
	l.dir = filepath.Join(work, l.name)
	l.config = filepath.Join(l.dir, "config")
	l.home = filepath.Join(l.dir, "home")
	if err := os.MkdirAll(l.home, 0o700); err != nil {
		return err
	}
	// Each lane draws its faults from a seed of its own.
	h := fnv.New64a()
	h.Write([]byte(l.name))
	l.account = pixivtest.DemoAccount()
	opts := []pixivtest.Option{pixivtest.WithAccount(l.account), pixivtest.WithRandomFaults(l.seed^int64(h.Sum64()>>1), l.rate)}
	if l.login {
		opts = append(opts, pixivtest.WithEndpointFaultRate(pixivtest.EndpointToken, c.exchRate))
	} else {
		// Tokens that token keeps for 2 s only (it refreshes below 60 s
		// of life): the runs of a burst queue for the lock to refresh,
		// and find the token fresh only when the one before them just
		// got it.
		opts = append(opts, pixivtest.WithAccessTokenTTL(62*time.Second))
	}
	l.srv = pixivtest.New(opts...)
	l.rt = l.srv.NewRefreshToken(l.account.ID)
	p, err := (&store.Store{Dir: l.config}).Profile("default")
	if err != nil {
		return err
	}
	l.profile = p
	if err := p.SaveToken(context.Background(), &exchange.Token{AccessToken: "soak-seeded-access-token", RefreshToken: l.rt, TokenType: "bearer",
		Expiry: time.Now().Add(time.Hour), User: exchange.User{ID: l.account.ID, Name: l.account.Name, Account: l.account.Account}}); err != nil {
		return err
	}
	if l.login {
		c := l.srv.NewSession(l.account.ID)
		if err := p.SaveSession(context.Background(), &session.Session{Cookies: []session.Cookie{{Name: c.Name, Value: c.Value,
			Domain: c.Domain, Path: c.Path, Expires: c.Expires, Secure: true, HTTPOnly: true}}}); err != nil {
			return err
		}
	}
	return nil
}

func (l *lane) close() {
	if l.srv != nil {
		l.srv.Close()
	}
}

// run runs the lane's steps, judging each, until the plan is done, ctx is
// canceled or the deadline has passed.
func (l *lane) run(ctx context.Context, deadline time.Time, report func(*result)) {
	for i, st := range l.steps {
		if ctx.Err() != nil || time.Now().After(deadline) {
			l.mu.Lock()
			l.stopped = true
			l.mu.Unlock()
			return
		}
		if st.age {
			l.ageCache()
		}
		issuedBefore := len(l.srv.Issued())
		rs := make([]*result, len(st.runs))
		var wg sync.WaitGroup
		for j, sp := range st.runs {
			l.mu.Lock()
			l.seq++
			seq := l.seq
			l.mu.Unlock()
			wg.Go(func() { rs[j] = l.runOne(i+1, seq, sp, len(st.runs) > 1) })
		}
		wg.Wait()
		l.judgeStep(rs, issuedBefore)
		l.mu.Lock()
		l.results = append(l.results, rs...)
		l.mu.Unlock()
		for _, r := range rs {
			report(r)
		}
	}
}

// ageCache makes the cached access token expire in 30 s, less than the 60 s
// that token keeps, so that the next token refreshes.
func (l *lane) ageCache() {
	t, err := l.profile.LoadToken()
	if err != nil {
		return // judged after the step: the cache must always be valid
	}
	t.Expiry = time.Now().Add(30 * time.Second)
	_ = l.profile.SaveToken(context.Background(), t)
}

// args is the command line of a run.
func (l *lane) args(sp spec) []string {
	a := []string{"--pixiv-server", l.srv.Addr(), "--insecure", "--config-dir", l.config, "-v", "--timeout", sp.Timeout.String()}
	switch sp.Command {
	case "refresh":
		a = append(a, "refresh", "--json", "--", l.rt)
	case "refresh-cached":
		a = append(a, "refresh", "--json")
	case "token":
		a = append(a, "token", "--json")
	case "check":
		a = append(a, "check", "--json")
	case "login":
		a = append(a, "login", "--headless", "--json")
	case "login-password":
		a = append(a, "login", "--headless", "--json", "--username", l.account.Username)
	}
	return a
}

// hardLimit is when the driver gives up on a run and kills it: long after
// any promise has been broken.
const hardLimit = 60 * time.Second

// runOne runs pixivauth once, takes the planned action, and judges what
// can be judged of the run alone.
func (l *lane) runOne(stepNo, seq int, sp spec, burst bool) *result {
	r := &result{Lane: l.name, Step: stepNo, Run: seq, Spec: sp, Burst: burst}
	// A short TMPDIR of its own: pixivauth puts the browser's TMPDIR
	// inside its temporary profile there only when Chrome's singleton
	// socket path still fits in 107 bytes.
	tmp, err := os.MkdirTemp("", "sk")
	if err != nil {
		r.violate("driver", "cannot make the run's TMPDIR: %v", err)
		return r
	}
	defer os.RemoveAll(tmp)
	r.tmp = tmp
	cmd := exec.Command(l.bin, l.args(sp)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + l.home,
		"XDG_CONFIG_HOME=" + filepath.Join(l.home, ".config"), "TMPDIR=" + tmp}
	if sp.Command == "login-password" {
		cmd.Env = append(cmd.Env, "PIXIV_PASSWORD="+l.account.Password)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r.start = time.Now()
	if err := cmd.Start(); err != nil {
		r.violate("driver", "cannot start pixivauth: %v", err)
		return r
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); r.end = time.Now(); close(exited) }()

	actionDone := make(chan struct{})
	go func() {
		defer close(actionDone)
		l.act(r, cmd.Process.Pid, tmp, exited)
	}()
	select {
	case <-exited:
	case <-time.After(hardLimit):
		_ = cmd.Process.Kill()
		<-exited
		r.violate("hard-limit", "the run had not ended after %s; the driver killed it", hardLimit)
	}
	<-actionDone
	r.Took = r.end.Sub(r.start)
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	var ee *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &ee):
		r.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.Code, r.DiedOf = -1, ws.Signal().String()
		}
	default:
		r.violate("driver", "waiting for pixivauth: %v", waitErr)
	}
	r.Faults = l.faultsBetween(r.start, r.end)
	r.leftovers()
	return r
}

// faultsBetween is what the double's log holds for requests drawn between
// from and to: the requests of the lane's runs under way then.
func (l *lane) faultsBetween(from, to time.Time) []pixivtest.FaultRecord {
	var out []pixivtest.FaultRecord
	for _, rec := range l.srv.FaultLog() {
		if !rec.Time.Before(from) && !rec.Time.After(to) {
			out = append(out, rec)
		}
	}
	return out
}

// act takes the run's planned action at its time, if the run is still
// under way: a signal to pixivauth, or a SIGKILL to its browser or
// renderers (its descendants, checked by their TMPDIR).
func (l *lane) act(r *result, pid int, tmp string, exited <-chan struct{}) {
	sp := r.Spec
	if sp.Action == actNone {
		return
	}
	wait := func(d time.Duration) bool {
		select {
		case <-exited:
			return false
		case <-time.After(d):
			return true
		}
	}
	note := func(format string, args ...any) {
		r.ActionAt = time.Since(r.start)
		r.ActionNote = fmt.Sprintf(format, args...)
	}
	switch sp.Action {
	case actSIGINT, actSIGTERM:
		if !wait(sp.At) {
			r.ActionNote = "not sent: the run had ended"
			return
		}
		sig := syscall.SIGINT
		if sp.Action == actSIGTERM {
			sig = syscall.SIGTERM
		}
		if err := syscall.Kill(pid, sig); err != nil {
			r.ActionNote = "not sent: " + err.Error()
			return
		}
		r.Acted = true
		note("sent %s", sig)
	case actKillAtStart:
		// Poll for the browser, then kill it within sp.At of its start.
		for {
			if b := browserOf(pid, tmp); b != 0 {
				if !wait(sp.At) {
					r.ActionNote = "not done: the run had ended"
					return
				}
				if syscall.Kill(b, syscall.SIGKILL) == nil {
					r.Acted = true
					note("SIGKILLed the browser (pid %d) %s after it appeared", b, sp.At.Round(time.Millisecond))
				}
				return
			}
			if !wait(2 * time.Millisecond) {
				r.ActionNote = "not done: no browser appeared before the run ended"
				return
			}
		}
	case actKillBrowser, actKillRenderers:
		// At sp.At, or as soon after as the browser (with a renderer)
		// is there: a slow machine starts it late.
		if !wait(sp.At) {
			r.ActionNote = "not done: the run had ended"
			return
		}
		var pids []int
		for {
			if b := browserOf(pid, tmp); b != 0 {
				pids = []int{b}
				if sp.Action == actKillRenderers {
					pids = renderersOf(pid, tmp)
				}
			}
			if len(pids) > 0 {
				break
			}
			if !wait(10 * time.Millisecond) {
				r.ActionNote = "not done: the run ended before its browser had a renderer"
				return
			}
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		r.Acted = true
		if sp.Action == actKillBrowser {
			note("SIGKILLed the browser (pid %d)", pids[0])
			return
		}
		note("SIGKILLed %d renderers %v", len(pids), pids)
	}
}

// isLogin reports whether a command is one of the logins.
func isLogin(command string) bool { return command == "login" || command == "login-password" }
