//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pixivauth/pixivauth/pixivtest"
)

// result is one run, judged.
type result struct {
	Lane  string `json:"lane"`
	Step  int    `json:"step"`
	Run   int    `json:"run"`
	Spec  spec   `json:"spec"`
	Burst bool   `json:"burst,omitempty"`

	Code   int           `json:"code"`
	DiedOf string        `json:"died_of,omitempty"`
	Took   time.Duration `json:"took"`
	Stdout string        `json:"-"`
	Stderr string        `json:"stderr,omitempty"` // only when a promise was broken

	// Acted says the planned action was taken, ActionAt when (after the
	// start), ActionNote what it did or why it was not taken.
	Acted      bool          `json:"acted,omitempty"`
	ActionAt   time.Duration `json:"action_at,omitempty"`
	ActionNote string        `json:"action_note,omitempty"`

	// Faults are the double's records of the requests made during the run
	// (of the whole burst's lane, for a burst).
	Faults []pixivtest.FaultRecord `json:"-"`
	// FaultKinds is what Faults held, for the log.
	FaultKinds []string `json:"faults,omitempty"`
	// Transient is how many of the run's processes were still alive when
	// it ended but gone 2 s later.
	Transient int `json:"transient_leftovers,omitempty"`
	// Excused are tokens issued but not received, in flight when the run
	// was stopped by a signal or its deadline.
	Excused int `json:"excused_in_flight,omitempty"`
	// Early says the run died of the signal it was sent, before it had
	// set up its handler.
	Early bool `json:"died_of_early_signal,omitempty"`

	Violations []violation `json:"violations,omitempty"`

	start, end time.Time
	tmp        string
}

// violation is a broken promise.
type violation struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (r *result) violate(kind, format string, args ...any) {
	r.Violations = append(r.Violations, violation{kind, fmt.Sprintf(format, args...)})
}

// line is the run in one line, with its violations after it.
func (r *result) line() string {
	how := fmt.Sprintf("exit %d", r.Code)
	if r.DiedOf != "" {
		how = "died of " + r.DiedOf
	}
	act := ""
	if r.Spec.Action != "" {
		act = fmt.Sprintf(" [%s: %s]", r.Spec.Action, r.ActionNote)
	}
	s := fmt.Sprintf("%s step %d run %d: %s --timeout %s: %s after %s; faults %v%s",
		r.Lane, r.Step, r.Run, r.Spec.Command, r.Spec.Timeout, how, r.Took.Round(time.Millisecond), r.faultSummary(), act)
	for _, v := range r.Violations {
		s += "\n    VIOLATION " + v.Kind + ": " + v.Detail
	}
	if len(r.Violations) > 0 {
		s += "\n    stderr: " + strings.ReplaceAll(strings.TrimSpace(lastLines(r.Stderr, 6)), "\n", "\n            ")
	}
	return s
}

// faultSummary lists the faults the run's requests met, with their times.
func (r *result) faultSummary() []string {
	var out []string
	for _, f := range r.Faults {
		if f.Fault != pixivtest.RandomNone {
			out = append(out, fmt.Sprintf("%s@%s+%s", f.Fault, where(f), f.Time.Sub(r.start).Round(10*time.Millisecond)))
		}
	}
	return out
}

func where(f pixivtest.FaultRecord) string {
	if f.Endpoint != "" {
		return string(f.Endpoint)
	}
	return f.Host + f.Path
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func writeJSONLine(w io.Writer, r *result) {
	c := *r
	c.FaultKinds = r.faultSummary()
	if len(r.Violations) == 0 {
		c.Stderr = "" // only a broken promise needs it
	}
	b, _ := json.Marshal(&c)
	w.Write(append(b, '\n'))
}

// leftovers checks that the run left nothing: no process with its TMPDIR
// (2 s after the end, to let a dying browser go), nothing in its TMPDIR.
// What is left is killed, so that the next runs start clean.
func (r *result) leftovers() {
	if r.tmp == "" {
		return
	}
	if left := leftOver(r.tmp); len(left) > 0 {
		time.Sleep(2 * time.Second)
		still := leftOver(r.tmp)
		if len(still) == 0 {
			r.Transient = len(left)
		} else {
			var lines []string
			for _, p := range still {
				lines = append(lines, fmt.Sprintf("%d %.120s", p.pid, p.cmdline))
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
			r.violate("leftover-process", "%d processes of the run still alive 2 s after it ended: %s", len(still), strings.Join(lines, "; "))
		}
	}
	entries, _ := os.ReadDir(r.tmp)
	if len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		r.violate("leftover-tmp", "left in its TMPDIR: %s", strings.Join(names, ", "))
	}
}

// Codes of the CLI contract.
var documented = []int{0, 1, 2, 3, 4, 5, 130, 143}

// documents are the endpoints a browser navigates to: a reset there fails
// the page.
var documents = []pixivtest.Endpoint{pixivtest.EndpointLogin, pixivtest.EndpointAccountsLogin,
	pixivtest.EndpointAccountSelected, pixivtest.EndpointPostRedirect, pixivtest.EndpointStart, pixivtest.EndpointAuthorize}

// faulted reports whether the record explains a failure: any fault but a
// slow answer that left most of the timeout.
func faulted(f pixivtest.FaultRecord, timeout time.Duration) bool {
	switch f.Fault {
	case pixivtest.RandomNone:
		return false
	case pixivtest.RandomSlow:
		return f.Delay >= timeout/2
	}
	return true
}

// terminal reports whether the fault ends a headless login at once (as
// opposed to a stall, which the stall check ends, or a slow answer).
func terminal(f pixivtest.FaultRecord) bool {
	switch f.Fault {
	case pixivtest.RandomNone, pixivtest.RandomSlow, pixivtest.RandomStall:
		return false
	}
	return true
}

// judgeRun judges a run by itself and what the double saw meanwhile
// (stepFaults: during the whole step, which matters for a burst).
func (l *lane) judgeRun(r *result, stepFaults []pixivtest.FaultRecord) {
	sp := r.Spec
	if r.DiedOf != "" {
		// A signal that comes before pixivauth has set up its handler
		// (in the first moments of the process) kills it, as it would
		// any program: a shell shows 128+n all the same.
		sent := map[string]string{actSIGINT: syscall.SIGINT.String(), actSIGTERM: syscall.SIGTERM.String()}[sp.Action]
		if r.Acted && r.DiedOf == sent {
			r.Early = true
			return
		}
		r.violate("exit-code", "died of signal %s instead of exiting", r.DiedOf)
		return
	}
	if !slices.Contains(documented, r.Code) {
		r.violate("exit-code", "exit %d is not in the contract's set %v", r.Code, documented)
	}
	if r.Took > sp.Timeout+2*time.Second {
		r.violate("wall-time", "took %s with --timeout %s (over by %s)", r.Took.Round(time.Millisecond), sp.Timeout,
			(r.Took - sp.Timeout).Round(time.Millisecond))
	}
	// stdout: results only, and nothing on a failure.
	out := strings.TrimSpace(r.Stdout)
	printed := printedToken(r)
	switch {
	case r.Code >= 2 && r.Code <= 5 && out != "":
		r.violate("stdout", "exit %d with something on stdout: %.80q", r.Code, out)
	case r.Code == 0 && sp.Command == "check":
		var rep struct{ OK bool }
		if json.Unmarshal([]byte(out), &rep) != nil || !rep.OK {
			r.violate("stdout", "exit 0 but stdout is not check's JSON: %.80q", out)
		}
	case r.Code == 0 && printed == "":
		r.violate("stdout", "exit 0 but stdout is not the token JSON: %.80q", out)
	}

	signal := r.Acted && (sp.Action == actSIGINT || sp.Action == actSIGTERM)
	if signal {
		want := 130
		if sp.Action == actSIGTERM {
			want = 143
		}
		raced := r.end.Sub(r.start.Add(r.ActionAt)) < 250*time.Millisecond && !strings.Contains(r.Stderr, "interrupted")
		if r.Code != want && r.Code != 0 && !raced {
			r.violate("exit-code", "%s sent at +%s; exit %d, want %d", sp.Action, r.ActionAt.Round(time.Millisecond), r.Code, want)
		}
		return
	}
	if r.Code == 130 || r.Code == 143 {
		r.violate("exit-code", "exit %d, but no signal was sent", r.Code)
		return
	}
	if isLogin(sp.Command) {
		l.judgeLogin(r)
		return
	}
	switch r.Code {
	case 0:
	case 1:
		// The cache is the problem: tokens Pixiv issued are printed all
		// the same, or none were issued because the lock never came.
		saved := printed != "" && strings.Contains(r.Stderr, "could not be saved")
		if !saved && !strings.Contains(r.Stderr, "busy") {
			r.violate("exit-code", "exit 1, and stderr names no cache problem (%s)", errLine(r.Stderr, "pixivauth: "))
		}
	case 4:
		window := r.Faults
		if r.Burst {
			window = stepFaults
		}
		// An answer that did not come by the --timeout is exit 4 whether
		// the network or a starved machine made it late.
		late := strings.Contains(r.Stderr, "did not answer in time") && r.Took >= sp.Timeout*9/10
		if !late && !slices.ContainsFunc(window, func(f pixivtest.FaultRecord) bool {
			return f.Endpoint == pixivtest.EndpointToken && faulted(f, sp.Timeout)
		}) {
			r.violate("exit-code", "exit 4 (Pixiv failing) but the double answered every token request meanwhile")
		}
	default:
		r.violate("exit-code", "exit %d for a %s against a live token with only Pixiv failing", r.Code, sp.Command)
	}
}

// judgeLogin judges the exit of a login that got no signal.
func (l *lane) judgeLogin(r *result) {
	sp := r.Spec
	killed := r.Acted && (sp.Action == actKillBrowser || sp.Action == actKillAtStart || sp.Action == actKillRenderers)
	killTime := r.start.Add(r.ActionAt)
	caught := false // the callback, with the code, was asked for before the kill
	for _, f := range r.Faults {
		// The callback asked for, or the code exchange begun (the browser's
		// request for the callback may never reach the double).
		if (f.Endpoint == pixivtest.EndpointCallback || f.Endpoint == pixivtest.EndpointToken) && (!killed || f.Time.Before(killTime)) {
			caught = true
		}
	}
	explained := slices.ContainsFunc(r.Faults, func(f pixivtest.FaultRecord) bool { return faulted(f, sp.Timeout) }) ||
		r.Took >= sp.Timeout-time.Second
	// A kill of renderers that were not the tab's (a spare, or the blank
	// page's before the login's navigation) leaves the tab going: the
	// double then sees its next page.
	if killed && sp.Action == actKillRenderers && slices.ContainsFunc(r.Faults, func(f pixivtest.FaultRecord) bool {
		return slices.Contains(documents, f.Endpoint) && f.Time.After(killTime.Add(500*time.Millisecond))
	}) {
		killed = false
		r.ActionNote += " (the tab went on: not its renderer)"
	}
	failedBefore := slices.ContainsFunc(r.Faults, func(f pixivtest.FaultRecord) bool {
		return terminal(f) && f.Time.Before(killTime)
	})

	switch {
	case r.Code == 0:
		return
	case killed && !caught && !(r.Code == 4 && failedBefore):
		after := r.end.Sub(killTime)
		switch {
		case r.Code == 5 && after > 5*time.Second:
			r.violate("crash-unnoticed", "%s at +%s; exit 5 only %s later", sp.Action, r.ActionAt.Round(time.Millisecond), after.Round(time.Millisecond))
		case r.Code == 5:
		case r.Code == 4:
			r.violate("crash-unnoticed", "%s at +%s; exit 4 %s later (%s) instead of 5 at once", sp.Action,
				r.ActionAt.Round(time.Millisecond), after.Round(time.Millisecond), errLine(r.Stderr, "pixivauth: "))
		default:
			r.violate("exit-code", "%s at +%s; exit %d (%s), want 5", sp.Action, r.ActionAt.Round(time.Millisecond), r.Code,
				errLine(r.Stderr, "pixivauth: "))
		}
		return
	case r.Code == 5:
		// A browser that has not started by the --timeout (a loaded
		// machine) failed to start: that is exit 5 too.
		slowStart := strings.Contains(r.Stderr, "failed to start") && r.Took >= sp.Timeout-time.Second
		if !killed && !slowStart {
			r.violate("exit-code", "exit 5 (browser problem) but no browser process was killed (%s)", errLine(r.Stderr, "pixivauth: "))
		}
		return
	case r.Code == 4:
		if !explained && !killed {
			r.violate("exit-code", "exit 4 (Pixiv failing) but the double answered every request of the login normally")
		}
		// A document reset fails its page: the login should end then,
		// not wait for the stall check.
		var last *pixivtest.FaultRecord
		for i := range r.Faults {
			last = &r.Faults[i]
		}
		if last != nil && slices.Contains(documents, last.Endpoint) &&
			(last.Fault == pixivtest.RandomReset || last.Fault == pixivtest.RandomResetMidAnswer) {
			if after := r.end.Sub(last.Time); after > 5*time.Second {
				r.violate("reset-page-waited", "%s of %s at +%s was the login's last request; it ended %s later (%s)",
					last.Fault, last.Endpoint, last.Time.Sub(r.start).Round(time.Millisecond), after.Round(time.Millisecond),
					errLine(r.Stderr, "pixivauth: "))
			}
		}
		return
	}
	r.violate("exit-code", "exit %d for a headless login with a live session (%s)", r.Code, errLine(r.Stderr, "pixivauth: "))
}

// errLine is the last line of s that starts with prefix (pixivauth's
// error comes last), shortened.
func errLine(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if line := lines[i]; strings.HasPrefix(line, prefix) {
			if len(line) > 160 {
				line = line[:160] + "…"
			}
			return line
		}
	}
	return "no error line"
}

// printed is what the soak reads of the token JSON (the contract's token
// object on stdout, and token.json).
type printed struct {
	AccessToken string `json:"access_token"`
}

// printedToken is the access token the run printed (JSON), or "".
func printedToken(r *result) string {
	var p printed
	if json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &p) != nil {
		return ""
	}
	return p.AccessToken
}

// judgeStep judges each run of a step, then what the step left: the cache
// and every token the double issued during it.
func (l *lane) judgeStep(rs []*result, issuedBefore int) {
	from, to := rs[0].start, rs[0].end
	for _, r := range rs {
		from, to = minTime(from, r.start), maxTime(to, r.end)
	}
	stepFaults := l.faultsBetween(from, to)
	for _, r := range rs {
		if r.start.IsZero() {
			continue
		}
		l.judgeRun(r, stepFaults)
	}
	last := rs[len(rs)-1]

	// The cache: valid JSON, 0600 files in 0700 directories, nothing moved
	// aside as corrupt, no temporary file left.
	for _, d := range []string{l.config, l.profile.Dir()} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			last.violate("cache", "directory %s: %v", d, modeOrErr(fi, err))
		}
	}
	cache, err := os.ReadFile(filepath.Join(l.profile.Dir(), "token.json"))
	var cached printed
	if err != nil || json.Unmarshal(cache, &cached) != nil || cached.AccessToken == "" {
		last.violate("cache", "token.json is missing or not valid JSON (%v): %.80q", err, cache)
	}
	entries, _ := os.ReadDir(l.profile.Dir())
	for _, e := range entries {
		fi, err := e.Info()
		switch {
		case err != nil:
		case e.IsDir():
			if e.Name() != "last-failure" {
				last.violate("cache", "unexpected directory %s in the profile", e.Name())
			}
		case fi.Mode().Perm() != 0o600:
			last.violate("cache", "%s has mode %04o, want 0600", e.Name(), fi.Mode().Perm())
		}
		switch name := e.Name(); {
		case strings.Contains(name, ".corrupt-"):
			last.violate("cache", "%s: a cache file was found corrupt and moved aside", name)
		case strings.HasPrefix(name, "."):
			last.violate("cache", "%s: a temporary file of a write is left", name)
		case name == "session.json":
			data, _ := os.ReadFile(filepath.Join(l.profile.Dir(), name))
			if !json.Valid(data) {
				last.violate("cache", "session.json is not valid JSON")
			}
		}
	}

	// Every token issued during the step: printed by a run, or in the
	// cache, or saved by a check (which prints no token, and may be
	// overwritten by a later run of the burst). A token in flight when its
	// run was stopped (by a signal, or its deadline) is excused.
	seen := map[string]bool{cached.AccessToken: true}
	checksSaved := 0
	for _, r := range rs {
		if t := printedToken(r); t != "" {
			seen[t] = true
		}
		if r.Spec.Command == "check" && r.Code == 0 && strings.Contains(r.Stderr, "saved the tokens") {
			checksSaved++
		}
	}
	for _, is := range l.srv.Issued()[issuedBefore:] {
		if seen[is.AccessToken] {
			continue
		}
		if checksSaved > 0 {
			checksSaved--
			continue
		}
		excused := false
		for _, r := range rs {
			stopped := r.Code == 130 || r.Code == 143 || r.Code == 4 && strings.Contains(r.Stderr, "in time")
			// Up to half a second after the end: the double may take a
			// request the run sent just before it went.
			if stopped && !is.Time.Before(r.end.Add(-time.Second)) && !is.Time.After(r.end.Add(500*time.Millisecond)) {
				r.Excused++
				excused = true
				break
			}
		}
		if !excused {
			last.violate("lost-token", "a token issued (%s grant) at +%s is neither printed nor in token.json", is.Grant,
				is.Time.Sub(from).Round(time.Millisecond))
		}
	}
	for _, r := range rs {
		if len(r.Violations) > 0 && r.Stderr == "" {
			r.Stderr = "(empty)"
		}
	}
}

func modeOrErr(fi os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("mode %04o, want 0700", fi.Mode().Perm())
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
