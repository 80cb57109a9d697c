package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/store"
)

// stepRefreshed is the demo's last step.
const stepRefreshed = "refreshed"

// demoStep is one line of the demo's timed list.
type demoStep struct {
	Step string `json:"step"`
	// MS is the time since the demo started the browser.
	MS int64 `json:"ms"`
	// Note adds a duration: the code exchange, the refresh.
	Note string `json:"note,omitempty"`
}

// demoReport is the demo's JSON.
type demoReport struct {
	Server string        `json:"server"`
	Steps  []demoStep    `json:"steps"`
	User   exchange.User `json:"user"`
	// CodeToTokensMS is the time from the code's capture to the tokens'
	// arrival: how long the single-use code was in flight.
	CodeToTokensMS float64 `json:"code_to_tokens_ms"`
	// PeakMemoryMiB is pixivauth's own peak memory (VmHWM, Linux only), not
	// the browser's.
	PeakMemoryMiB float64 `json:"peak_memory_mib,omitempty"`
}

// demo is the demo command: a real browser login against an in-process
// Pixiv double, timed step by step.
func (p *program) runDemo(ctx context.Context, do demoOpts) error {
	o, err := p.setup(ctx, do.commonOpts, reportFormats)
	if err != nil {
		return err
	}
	if err := noArguments("demo", do.args, ""); err != nil {
		return err
	}
	if o.server != "" || p.given[optProxy] {
		return usageErrorf("demo runs its own Pixiv double on 127.0.0.1: --pixiv-server and --proxy do not apply")
	}
	if p.given[optConfigDir] {
		// A config dir that cannot be used is said before the login, once.
		if err := o.profile.Usable(); err != nil {
			return err
		}
	} else {
		dir, err := os.MkdirTemp("", "pixivauth-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.store = &store.Store{Dir: dir, Warnf: o.warnf}
		name, err := profileName(o.program, do.profile)
		if err != nil {
			return err
		}
		if o.profile, err = o.store.Profile(name); err != nil {
			return usageErrorf("--profile: %v", err)
		}
		o.storeErr = nil
	}

	account := pixivtest.DemoAccount()
	srv := pixivtest.New(pixivtest.WithAccount(account))
	defer srv.Close()

	var (
		mu    sync.Mutex
		times = map[string]time.Time{}
		order []string
	)
	record := func(s capture.Step) {
		mu.Lock()
		defer mu.Unlock()
		name := s.Name.String()
		if _, seen := times[name]; !seen {
			order = append(order, name)
		}
		times[name] = s.Time
	}
	opts := capture.Options{
		Browser:  do.browser,
		Visible:  do.visible,
		Flags:    srv.BrowserFlags(),
		Username: account.Username,
		Password: account.Password,
		Timeout:  o.timeout,
		Logf:     o.stepLogf(),
		Progress: record,
	}
	if !opts.Visible {
		opts.LastFailureDir = o.profile.LastFailureDir()
	}
	client := &exchange.Client{HTTPClient: srv.Client(), Logf: o.stepLogf()}

	start := time.Now()
	in := auth.Input{Username: account.Username, Password: account.Password}
	res, err := o.browserLogin(o.ctx, opts, in, client, true, false)
	if res.Token == nil {
		return err
	}
	saveErr := err
	ctx, cancel := o.withTimeout()
	defer cancel()
	refreshStart := time.Now()
	t, err := client.Refresh(ctx, res.Token.RefreshToken)
	if err != nil {
		return err
	}
	refreshTook := time.Since(refreshStart)
	mu.Lock()
	order, times[stepRefreshed] = append(order, stepRefreshed), time.Now()
	mu.Unlock()
	// The refreshed token replaces the first in the profile: its save's
	// failure is the one to report (both failing the same way would say
	// it twice), and its success leaves no stale token behind.
	if err := o.saveToken(ctx, t); err != nil || saveErr == nil {
		saveErr = err
	}

	mu.Lock()
	defer mu.Unlock()
	report := demoReport{Server: srv.Addr(), User: t.User}
	var codeToTokens time.Duration
	if captured, ok := times[capture.StepCodeCaptured.String()]; ok {
		codeToTokens = times[capture.StepTokensReceived.String()].Sub(captured)
		report.CodeToTokensMS = float64(codeToTokens.Microseconds()) / 1000
	}
	slices.SortStableFunc(order, func(a, b string) int { return times[a].Compare(times[b]) })
	for _, name := range order {
		step := demoStep{Step: name, MS: times[name].Sub(start).Milliseconds()}
		switch name {
		case capture.StepTokensReceived.String():
			step.Note = fmt.Sprintf("%s after the code was captured", codeToTokens.Round(100*time.Microsecond))
		case stepRefreshed:
			step.Note = fmt.Sprintf("the refresh took %s", refreshTook.Round(100*time.Microsecond))
		}
		report.Steps = append(report.Steps, step)
	}
	if peak, ok := peakMemory(); ok {
		report.PeakMemoryMiB = float64(peak*10/(1<<20)) / 10
	}
	if err := o.printResult(formatDemo(report, o.format)); err != nil {
		return err
	}
	var notSaved *saveError
	if errors.As(saveErr, &notSaved) {
		// The demo prints no tokens: it says what it did.
		notSaved.lead = "the demo logged in, but could not save its tokens"
	}
	return saveErr
}

func formatDemo(r demoReport, format string) []byte {
	var b bytes.Buffer
	if format == formatJSON {
		writeJSON(&b, r)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "A real browser logs in to the Pixiv double at %s:\n", r.Server)
	for _, s := range r.Steps {
		line := fmt.Sprintf("%7d ms  %-18s %s", s.MS, s.Step, s.Note)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	fmt.Fprintf(&b, "Logged in as %s.\n", describeUser(r.User))
	if r.PeakMemoryMiB > 0 {
		fmt.Fprintf(&b, "pixivauth's own peak memory: %.1f MiB (the browser's is apart).\n", r.PeakMemoryMiB)
	}
	return b.Bytes()
}
