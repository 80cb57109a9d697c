//go:build linux

package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/pixivtest"
)

// summary is the soak's figures.
type summary struct {
	c          config
	took       time.Duration
	stopped    bool
	runs       map[string]int // by command
	bursts     int
	exits      map[string]map[string]int // group (token commands, logins) → exit → count
	durations  map[string][]time.Duration
	overshoot  map[string]time.Duration // most a run of the group went past its --timeout
	requests   map[string]int           // token endpoint / pages → requests
	faults     map[string]map[pixivtest.RandomFault]int
	actions    map[string][2]int // planned, taken
	transient  int
	excused    int
	early      int
	violations int
	byKind     map[string]int
	byDefect   map[string]int
	lines      []string
}

func summarize(c config, lanes []*lane, took time.Duration, stopped bool) *summary {
	s := &summary{c: c, took: took, stopped: stopped, runs: map[string]int{},
		exits: map[string]map[string]int{}, durations: map[string][]time.Duration{}, overshoot: map[string]time.Duration{},
		requests: map[string]int{}, faults: map[string]map[pixivtest.RandomFault]int{}, actions: map[string][2]int{},
		byKind: map[string]int{}, byDefect: map[string]int{}}
	for _, l := range lanes {
		l.mu.Lock()
		s.stopped = s.stopped || l.stopped
		seenStep := map[int]bool{}
		for _, r := range l.results {
			group := "token commands"
			if isLogin(r.Spec.Command) {
				group = "logins"
			}
			s.runs[r.Spec.Command]++
			if r.Burst && !seenStep[r.Step] {
				seenStep[r.Step] = true
				s.bursts++
			}
			if s.exits[group] == nil {
				s.exits[group] = map[string]int{}
			}
			exit := fmt.Sprint(r.Code)
			if r.DiedOf != "" {
				exit = "signal " + r.DiedOf
			}
			s.exits[group][exit]++
			s.durations[group] = append(s.durations[group], r.Took)
			s.overshoot[group] = max(s.overshoot[group], r.Took-r.Spec.Timeout)
			if r.Spec.Action != actNone {
				a := s.actions[r.Spec.Action]
				a[0]++
				if r.Acted {
					a[1]++
				}
				s.actions[r.Spec.Action] = a
			}
			s.transient += r.Transient
			s.excused += r.Excused
			if r.Early {
				s.early++
			}
			for _, v := range r.Violations {
				s.violations++
				s.byKind[v.Kind]++
				s.byDefect[defectOf(r, v)]++
			}
			if len(r.Violations) > 0 {
				s.lines = append(s.lines, r.line())
			}
		}
		l.mu.Unlock()
		for _, f := range l.srv.FaultLog() {
			where := "pages (logins)"
			if f.Endpoint == pixivtest.EndpointToken {
				where = "token endpoint"
				if l.login {
					where = "token endpoint (logins)"
				}
			}
			s.requests[where]++
			if s.faults[where] == nil {
				s.faults[where] = map[pixivtest.RandomFault]int{}
			}
			s.faults[where][f.Fault]++
		}
	}
	return s
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[int(p*float64(len(ds)-1)+0.5)]
}

func (s *summary) markdown() string {
	var b strings.Builder
	c := s.c
	fmt.Fprintf(&b, "## Soak: seed %d, %d token runs, %d logins\n\n", c.seed, c.runs, c.logins)
	fmt.Fprintf(&b, "Reproduce: `make soak SOAK_RUNS=%d SOAK_LOGINS=%d SOAK_SEED=%d` (fault rates: %.2f in token lanes, %.2f of login pages, %.2f of code exchanges; %d token lanes, %d login lanes). Took %s%s.\n\n",
		c.runs, c.logins, c.seed, c.rate, c.loginRate, c.exchRate, c.tokenLanes, c.loginLanes, s.took.Round(time.Second),
		map[bool]string{true: " (STOPPED EARLY: deadline or signal)", false: ""}[s.stopped])

	b.WriteString("| runs | count |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(s.runs)) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, s.runs[k])
	}
	fmt.Fprintf(&b, "| (bursts of 10 on one profile) | %d |\n\n", s.bursts)

	b.WriteString("| where | requests | faults by kind |\n|---|---|---|\n")
	for _, where := range slices.Sorted(maps.Keys(s.requests)) {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(s.faults[where])) {
			if k != pixivtest.RandomNone {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, s.faults[where][k]))
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s |\n", where, s.requests[where], strings.Join(kinds, ", "))
	}
	b.WriteString("\n| action | planned | taken (the run was still under way) |\n|---|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(s.actions)) {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", k, s.actions[k][0], s.actions[k][1])
	}
	b.WriteString("\n| group | exits by code | wall time p50 / p90 / max | most over --timeout |\n|---|---|---|---|\n")
	for _, g := range slices.Sorted(maps.Keys(s.exits)) {
		var ex []string
		for _, k := range slices.Sorted(maps.Keys(s.exits[g])) {
			ex = append(ex, fmt.Sprintf("%s: %d", k, s.exits[g][k]))
		}
		d := s.durations[g]
		fmt.Fprintf(&b, "| %s | %s | %s / %s / %s | %s |\n", g, strings.Join(ex, ", "),
			percentile(d, 0.5).Round(time.Millisecond), percentile(d, 0.9).Round(time.Millisecond),
			percentile(d, 1).Round(time.Millisecond), s.overshoot[g].Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "\nProcesses alive at a run's end but gone 2 s later: %d. Tokens in flight when their run was stopped (excused): %d. Runs that died of a signal sent before pixivauth set up its handler: %d.\n\n", s.transient, s.excused, s.early)
	fmt.Fprintf(&b, "**Violations: %d**", s.violations)
	if s.violations > 0 {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(s.byKind)) {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, s.byKind[k]))
		}
		fmt.Fprintf(&b, " (%s)\n\n", strings.Join(kinds, ", "))
		b.WriteString("| as issue 15 names them | violations |\n|---|---|\n")
		for _, k := range slices.Sorted(maps.Keys(s.byDefect)) {
			fmt.Fprintf(&b, "| %s | %d |\n", k, s.byDefect[k])
		}
		b.WriteString("\n```\n")
		const most = 40
		for i, l := range s.lines {
			if i == most {
				fmt.Fprintf(&b, "… and %d more runs\n", len(s.lines)-most)
				break
			}
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n")
	} else {
		b.WriteString("\n")
	}
	return b.String()
}

// defectOf names the defect of issue 15 that a violation looks like, by its
// signs; "other" is anything else, to be looked at.
func defectOf(r *result, v violation) string {
	login := isLogin(r.Spec.Command)
	switch {
	case v.Kind == "crash-unnoticed" && r.Spec.Action == actKillRenderers:
		return "15.1 a crashed renderer goes unnoticed"
	case v.Kind == "exit-code" && r.Code == 1 && login && r.Acted &&
		(r.Spec.Action == actKillAtStart || r.Spec.Action == actKillBrowser) && strings.Contains(r.Stderr, "context canceled"):
		return "15.2 the browser killed while starting: exit 1"
	case v.Kind == "wall-time" && !login && r.Burst && slices.ContainsFunc(r.Faults, func(f pixivtest.FaultRecord) bool {
		return f.Fault == pixivtest.RandomStall || f.Fault == pixivtest.RandomSlow
	}) && (strings.Contains(r.Stderr, "saved the tokens") || strings.Contains(r.Stderr, "lock")),
		v.Kind == "exit-code" && !login && strings.Contains(r.Stderr, "waiting for the lock"):
		// Over the timeout beside a run whose refresh stalled (holding the
		// lock), after its own refresh or in a wait for the lock, or a
		// lock wait that timed out reported as Pixiv's.
		return "15.3 the profile lock: waited for without limit, or a timed-out wait is exit 4"
	case v.Kind == "wall-time" && login && strings.Contains(r.Stderr, "code exchange"):
		return "15.4 a login takes more than its --timeout (exchange after the browser phase)"
	case v.Kind == "reset-page-waited":
		return "15.5 a page reset mid-answer waits for the stall check"
	}
	return "other: " + v.Kind
}
