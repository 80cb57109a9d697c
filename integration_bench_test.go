package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// BenchmarkRefreshCommand is `pixivauth refresh` as a script runs it: a
// process start, a refresh against the double, the cache written, the
// tokens printed.
func BenchmarkRefreshCommand(b *testing.B) {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	rt := srv.NewRefreshToken(pixivtest.DemoAccount().ID)
	dir := b.TempDir()
	for b.Loop() {
		cmd := exec.Command(binary, "--pixiv-server", srv.Addr(), "--insecure", "--config-dir", dir, "refresh", "--json", "--", rt)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("refresh: %v\n%s", err, out)
		}
	}
}

// BenchmarkDemoPeakMemory runs the whole demo (a real headless login, the
// exchange, a refresh) and reports pixivauth's own peak memory, VmHWM, as
// the process measured it: the target is 25 MiB. The browser's memory is
// not pixivauth's and is not counted.
func BenchmarkDemoPeakMemory(b *testing.B) {
	_, err := capture.FindBrowser("", false)
	testenv.Need(b, err == nil, fmt.Sprint(err))
	var peak float64
	for b.Loop() {
		cmd := exec.Command(binary, "demo", "--json")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir()}
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("demo: %v", err)
		}
		var report struct {
			PeakMemoryMiB float64 `json:"peak_memory_mib"`
		}
		if err := json.Unmarshal(out, &report); err != nil || report.PeakMemoryMiB == 0 {
			b.Fatalf("demo --json gave no peak memory: %v\n%s", err, out)
		}
		peak = max(peak, report.PeakMemoryMiB)
	}
	b.ReportMetric(peak, "peak-MiB")
}

// BenchmarkSessionLoginCommand is `pixivauth login --no-browser` as a
// server or CI job runs it with a stored session: process start, the six
// requests of the browserless login, the code exchange, the token and
// session saved, the tokens printed. No browser is on PATH. Compare it with
// HeadlessSessionLogin, the same login through the browser without even a
// process start (targets: at most 50 ms, at least 15× faster). It also
// reports pixivauth's peak memory: the kernel's high-water mark of the
// process's resident set (ru_maxrss, the VmHWM it would read itself; the
// process starts no child), the highest of the runs.
func BenchmarkSessionLoginCommand(b *testing.B) {
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	sessid := srv.NewSession(pixivtest.DemoAccount().ID).Value
	dir, empty := b.TempDir(), b.TempDir()
	var (
		peak int64
		cpu  time.Duration
		runs int
	)
	for b.Loop() {
		cmd := exec.Command(binary, "--pixiv-server", srv.Addr(), "--insecure", "--config-dir", dir, "login", "--no-browser", "--json")
		cmd.Env = []string{"PATH=" + empty, "HOME=" + dir, "PIXIV_PHPSESSID=" + sessid}
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("login --no-browser: %v\n%s", err, out)
		}
		peak = max(peak, maxRSS(cmd.ProcessState))
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		runs++
	}
	if peak > 0 {
		b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	}
	// The process's own CPU time: what a login costs whatever else the
	// machine is doing, which its wall time (ns/op) on a shared machine
	// is not.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(runs, 1)), "cpu-ms/op")
}

// BenchmarkHeadlessSessionLoginCommand is `pixivauth login --headless` as a
// server or scheduled job runs it with the session an earlier login saved:
// process start to tokens printed and process gone. A session login goes
// over HTTP first and starts the browser only when Pixiv answers with
// something unexpected, which the double does not: this is the run a user
// gets. Compare it with BenchmarkBrowserStartCommand (target: at most 1.3
// times as long); capture's BenchmarkHeadlessSessionLogin is the same
// login through the browser, and its split by step.
func BenchmarkHeadlessSessionLoginCommand(b *testing.B) {
	path, err := capture.FindBrowser("", false)
	testenv.Need(b, err == nil, fmt.Sprint(err))
	srv := pixivtest.New(pixivtest.WithAccount(pixivtest.DemoAccount()))
	defer srv.Close()
	r := testenv.NewRun(b)
	r.Browser = path
	base := []string{"--pixiv-server", srv.Addr(), "--insecure", "--config-dir", r.Config, "login", "--headless", "--json"}
	// The session a first login imports and saves; the runs measured use it.
	sessid := srv.NewSession(pixivtest.DemoAccount().ID).Value
	if res := r.Exec(binary, []string{"PIXIV_PHPSESSID=" + sessid}, "", base...); res.Code != 0 {
		b.Fatalf("first login: %s", res)
	}
	var took []float64
	for b.Loop() {
		res := r.Exec(binary, nil, "", base...)
		if res.Code != 0 {
			b.Fatalf("login with the saved session: %s", res)
		}
		took = append(took, float64(res.Took.Microseconds())/1000)
	}
	slices.Sort(took)
	b.ReportMetric(testenv.Percentile(took, 0.5), "p50-ms")
}

// BenchmarkBrowserStartCommand is the floor under BenchmarkHeadless-
// SessionLoginCommand: the same browser binary started headless by itself,
// a blank page loaded, and the browser gone (--dump-dom about:blank).
func BenchmarkBrowserStartCommand(b *testing.B) {
	path, err := capture.FindBrowser("", false)
	testenv.Need(b, err == nil, fmt.Sprint(err))
	r := testenv.NewRun(b)
	var took []float64
	for i := 0; b.Loop(); i++ {
		args := []string{"--headless", "--user-data-dir=" + filepath.Join(r.Tmp, fmt.Sprint(i)), "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--host-resolver-rules=" + pixivtest.NoLookups, "--dump-dom", "about:blank"}
		if os.Geteuid() == 0 {
			args = append(args, "--no-sandbox")
		}
		res := r.Exec(path, nil, "", args...)
		if res.Code != 0 {
			b.Fatalf("%s: %s", path, res)
		}
		took = append(took, float64(res.Took.Microseconds())/1000)
	}
	slices.Sort(took)
	b.ReportMetric(testenv.Percentile(took, 0.5), "p50-ms")
}
