//go:build linux

package main

import (
	"slices"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixivtest"
)

// The judge's verdicts on made-up runs: what each rule lets through and
// what it calls a violation, and which defect of issue 15 that looks like.
func TestJudgeRun(t *testing.T) {
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	rec := func(e pixivtest.Endpoint, f pixivtest.RandomFault, d time.Duration) pixivtest.FaultRecord {
		return pixivtest.FaultRecord{Endpoint: e, Fault: f, Time: at(d)}
	}
	const tok = `{"access_token":"AT"}`
	tests := []struct {
		name   string
		r      result
		kinds  []string // the violations' kinds, in order
		defect string   // defectOf the first violation
	}{
		{name: "refresh ok",
			r: result{Spec: spec{Command: "refresh", Timeout: 5 * time.Second}, Code: 0, Stdout: tok, Took: time.Second}},
		{name: "refresh exit 4 after a 503",
			r: result{Spec: spec{Command: "refresh", Timeout: 5 * time.Second}, Code: 4, Took: time.Second,
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointToken, pixivtest.RandomCloudflare503, 0)}}},
		{name: "refresh exit 4 with every answer normal",
			r:     result{Spec: spec{Command: "refresh", Timeout: 5 * time.Second}, Code: 4, Took: time.Second},
			kinds: []string{"exit-code"}, defect: "other: exit-code"},
		{name: "token exit 4 on a timed-out lock wait",
			r: result{Spec: spec{Command: "token", Timeout: 2 * time.Second}, Code: 4, Took: 2 * time.Second,
				Stderr: `pixivauth: waiting for the lock of profile "default": context deadline exceeded`},
			kinds: []string{"exit-code"}, defect: "15.3 the profile lock: waited for without limit, or a timed-out wait is exit 4"},
		{name: "token exit 1, cache busy",
			r: result{Spec: spec{Command: "token", Timeout: 2 * time.Second}, Code: 1, Took: 2 * time.Second,
				Stderr: "pixivauth: the cache is busy"}},
		{name: "burst refresh over its timeout beside a stall",
			r: result{Spec: spec{Command: "refresh", Timeout: 2 * time.Second}, Burst: true, Code: 0, Stdout: tok, Took: 10 * time.Second,
				Stderr: "pixivauth: refresh: HTTP 200 in 80ms\npixivauth: saved the tokens in profile \"default\"",
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointToken, pixivtest.RandomStall, 0)}},
			kinds: []string{"wall-time"}, defect: "15.3 the profile lock: waited for without limit, or a timed-out wait is exit 4"},
		{name: "burst check over its timeout on its own stall",
			r: result{Spec: spec{Command: "check", Timeout: 3 * time.Second}, Burst: true, Code: 4, Took: 5500 * time.Millisecond,
				Stderr: "pixivauth: refresh: oauth.secure.pixiv.net did not answer in time",
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointToken, pixivtest.RandomStall, 0)}},
			kinds: []string{"wall-time"}, defect: "other: wall-time"},
		{name: "SIGINT gives 130",
			r: result{Spec: spec{Command: "token", Timeout: 5 * time.Second, Action: actSIGINT}, Acted: true,
				ActionAt: 100 * time.Millisecond, Code: 130, Took: time.Second}},
		{name: "SIGTERM but exit 4 long after",
			r: result{Spec: spec{Command: "token", Timeout: 5 * time.Second, Action: actSIGTERM}, Acted: true,
				ActionAt: 100 * time.Millisecond, Code: 4, Took: 3 * time.Second, Stderr: "pixivauth: interrupted"},
			kinds: []string{"exit-code"}, defect: "other: exit-code"},
		{name: "130 with no signal",
			r:     result{Spec: spec{Command: "check", Timeout: 5 * time.Second}, Code: 130, Took: time.Second},
			kinds: []string{"exit-code"}, defect: "other: exit-code"},
		{name: "exit 3 for a live token",
			r:     result{Spec: spec{Command: "check", Timeout: 5 * time.Second}, Code: 3, Took: time.Second},
			kinds: []string{"exit-code"}, defect: "other: exit-code"},
		{name: "stdout on a failure",
			r: result{Spec: spec{Command: "refresh", Timeout: 5 * time.Second}, Code: 4, Stdout: tok, Took: time.Second,
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointToken, pixivtest.RandomStatus500, 0)}},
			kinds: []string{"stdout"}, defect: "other: stdout"},
		{name: "renderers killed, exit 5 at once",
			r: result{Spec: spec{Command: "login", Timeout: 20 * time.Second, Action: actKillRenderers}, Acted: true,
				ActionAt: 3 * time.Second, Code: 5, Took: 4 * time.Second}},
		{name: "renderers killed, exit 4 at the timeout",
			r: result{Spec: spec{Command: "login", Timeout: 20 * time.Second, Action: actKillRenderers}, Acted: true,
				ActionAt: 3 * time.Second, Code: 4, Took: 20 * time.Second},
			kinds: []string{"crash-unnoticed"}, defect: "15.1 a crashed renderer goes unnoticed"},
		{name: "renderers killed but the tab went on",
			r: result{Spec: spec{Command: "login", Timeout: 20 * time.Second, Action: actKillRenderers}, Acted: true,
				ActionAt: 3 * time.Second, Code: 0, Stdout: tok, Took: 6 * time.Second,
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointStart, pixivtest.RandomNone, 5*time.Second)}}},
		{name: "browser killed while starting, exit 1",
			r: result{Spec: spec{Command: "login", Timeout: 20 * time.Second, Action: actKillAtStart}, Acted: true,
				ActionAt: time.Second, Code: 1, Took: 2 * time.Second,
				Stderr: "pixivauth: browser process exited: signal: killed: context canceled"},
			kinds: []string{"exit-code"}, defect: "15.2 the browser killed while starting: exit 1"},
		{name: "a page reset, then the stall check",
			r: result{Spec: spec{Command: "login", Timeout: 30 * time.Second}, Code: 4, Took: 20 * time.Second,
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointAccountSelected, pixivtest.RandomResetMidAnswer, 4*time.Second)}},
			kinds: []string{"reset-page-waited"}, defect: "15.5 a page reset mid-answer waits for the stall check"},
		{name: "a page reset, ended at once",
			r: result{Spec: spec{Command: "login", Timeout: 30 * time.Second}, Code: 4, Took: 5 * time.Second,
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointAccountSelected, pixivtest.RandomReset, 4*time.Second)}}},
		{name: "a login twice its timeout",
			r: result{Spec: spec{Command: "login", Timeout: 20 * time.Second}, Code: 4, Took: 27 * time.Second,
				Stderr: "pixivauth: code exchange: oauth.secure.pixiv.net did not answer in time",
				Faults: []pixivtest.FaultRecord{rec(pixivtest.EndpointToken, pixivtest.RandomStall, 7*time.Second)}},
			kinds: []string{"wall-time"}, defect: "15.4 a login takes more than its --timeout (exchange after the browser phase)"},
		{name: "a login exit 5 with nothing killed",
			r:     result{Spec: spec{Command: "login", Timeout: 20 * time.Second}, Code: 5, Took: 3 * time.Second},
			kinds: []string{"exit-code"}, defect: "other: exit-code"},
	}
	l := &lane{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.start, r.end = t0, t0.Add(r.Took)
			l.judgeRun(&r, r.Faults)
			var kinds []string
			for _, v := range r.Violations {
				kinds = append(kinds, v.Kind)
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Fatalf("violations %v, want kinds %v", r.Violations, tc.kinds)
			}
			if len(kinds) > 0 {
				if got := defectOf(&r, r.Violations[0]); got != tc.defect {
					t.Errorf("defectOf = %q, want %q", got, tc.defect)
				}
			}
		})
	}
}
