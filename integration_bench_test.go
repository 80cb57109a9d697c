package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"

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
