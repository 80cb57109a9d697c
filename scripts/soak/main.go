//go:build linux

// Command soak runs the built pixivauth a few hundred times against Pixiv
// doubles that fail at random (pixivtest.WithRandomFaults), while it sends
// runs SIGINT and SIGTERM and SIGKILLs their browsers and renderers, and
// judges every run by the promises of the CLI contract: the wall time within
// --timeout + 2 s, an exit code of the documented set that is right for what
// happened, nothing left behind, no token the double issued lost, the cache
// always valid. It is issue 15's soak, built into the project: `make soak`.
//
//	go run ./scripts/soak -bin ./pixivauth -runs 300 -logins 50 -seed 1
//
// The work is split into lanes, each with a double, a config dir and a
// random stream of its own, seeded from -seed and the lane's name: token
// lanes run refresh, token and check one at a time or in bursts of ten on
// the lane's profile; login lanes run `login --headless` with the profile's
// stored session (which pixivauth tries over plain HTTP first) or with the
// username and password (which always drive the browser). A lane's plan (commands, timeouts, signals, kills, and the
// double's faults, request by request) is the same for a seed; the timing
// is not. -lane runs one lane alone, to reproduce what it found.
//
// It exits 1 if any run broke a promise, and prints a summary either way.
// Everything it starts talks to 127.0.0.1 only, and everything it signals
// is a process it started or one of that process's descendants, found by
// the process tree and checked by its TMPDIR.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	bin        string
	runs       int
	logins     int
	seed       int64
	rate       float64
	loginRate  float64
	exchRate   float64
	tokenLanes int
	loginLanes int
	lane       string
	maxTime    time.Duration
	logFile    string
	verbose    bool
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "the pixivauth binary (default: go build it from the module)")
	flag.IntVar(&c.runs, "runs", 300, "refresh/token/check runs, bursts included")
	flag.IntVar(&c.logins, "logins", 50, "headless logins")
	flag.Int64Var(&c.seed, "seed", 1, "seed of every random choice")
	flag.Float64Var(&c.rate, "rate", 0.25, "chance that the double faults a token request")
	flag.Float64Var(&c.loginRate, "login-rate", 0.06, "chance that the double faults a request of a login (pages, scripts, token)")
	flag.Float64Var(&c.exchRate, "exchange-rate", 0.4, "chance that the double faults a login's code exchange")
	flag.IntVar(&c.tokenLanes, "token-lanes", 3, "token lanes running at once")
	flag.IntVar(&c.loginLanes, "login-lanes", 2, "login lanes running at once (each runs one browser)")
	flag.StringVar(&c.lane, "lane", "", "run only this lane (e.g. token2, login1), as the full soak would")
	flag.DurationVar(&c.maxTime, "max-time", 30*time.Minute, "start no new step after this long")
	flag.StringVar(&c.logFile, "log", "", "write every run, judged, as a JSON line to this file")
	flag.BoolVar(&c.verbose, "v", false, "print every run as it is judged")
	flag.Parse()
	if flag.NArg() > 0 || c.runs < 0 || c.logins < 0 || c.tokenLanes < 1 || c.loginLanes < 1 {
		fmt.Fprintln(os.Stderr, "soak: bad arguments; see soak -help")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(soak(ctx, c))
}

func soak(ctx context.Context, c config) int {
	work, err := os.MkdirTemp("", "soak")
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	defer os.RemoveAll(work)
	if c.bin == "" {
		c.bin = filepath.Join(work, "pixivauth")
		build := exec.Command("go", "build", "-o", c.bin, ".")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "soak: building pixivauth:", err)
			return 2
		}
	} else if c.bin, err = filepath.Abs(c.bin); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}

	lanes := planLanes(c)
	if c.lane != "" {
		var only []*lane
		for _, l := range lanes {
			if l.name == c.lane {
				only = append(only, l)
			}
		}
		if len(only) == 0 {
			fmt.Fprintf(os.Stderr, "soak: no lane %q with these counts\n", c.lane)
			return 2
		}
		lanes = only
	}
	var logMu sync.Mutex
	var logW *os.File
	if c.logFile != "" {
		if logW, err = os.Create(c.logFile); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		defer logW.Close()
	}
	report := func(r *result) {
		logMu.Lock()
		defer logMu.Unlock()
		if logW != nil {
			writeJSONLine(logW, r)
		}
		if c.verbose || len(r.Violations) > 0 {
			fmt.Fprintln(os.Stderr, r.line())
		}
	}

	start := time.Now()
	deadline := start.Add(c.maxTime)
	var wg sync.WaitGroup
	for i, l := range lanes {
		if err := l.open(work, c); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		defer l.close()
		// Lanes start a second apart, so that their first bursts and
		// browsers do not all land on the machine at once.
		wg.Go(func() {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(i) * time.Second):
			}
			l.run(ctx, deadline, report)
		})
	}
	wg.Wait()
	s := summarize(c, lanes, time.Since(start), ctx.Err() != nil || time.Now().After(deadline))
	fmt.Print(s.markdown())
	if s.violations > 0 {
		return 1
	}
	return 0
}
