// Package testenv holds the test helpers that several packages share, one
// copy of each: what the machine must have (a browser, or under CI a
// failure saying it is missing; a virtual display for the window path),
// the world of a run ([Run]: a config dir, HOME and TMPDIR of the test's
// own, and running the binary there), the leftover checks ([CheckClean]:
// browser processes, temporary profiles, Chromium's files) and the secret
// scanner ([SecretsOf]). Like Go's own internal/testenv, it is for tests
// only. The Pixiv double's certificate and dialer are pixivtest's
// (NewCertificate, DialPixiv, NewTransport), for any package to use.
package testenv

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CI reports whether the tests run under CI=true, where a missing browser
// or display is a failure and never a skip: a skip there would hide a
// missing install step.
func CI() bool { return os.Getenv("CI") == "true" }

// Need fails the test under CI, or skips it elsewhere, when ok is false:
// the machine lacks what the test needs. why says what is missing and how
// to get it.
func Need(tb testing.TB, ok bool, why string) {
	tb.Helper()
	if ok {
		return
	}
	if CI() {
		tb.Fatalf("CI=true and %s", why)
	}
	tb.Skip(why)
}

// HeadlessShell is the path of the first headless-only browser on PATH:
// one of headless (where pixivauth looks for a headless browser,
// capture.BrowserLocations(false)) that is not in window (where it looks
// for one with a window, capture.BrowserLocations(true)). That is
// Chromium's headless shell, at well under half the full browser's cost to
// start, for tests that are not about the full browser. Under CI a missing
// shell fails the test (scripts/deps.sh installs it where apt has it);
// elsewhere the result is "", which lets pixivauth pick its browser, and
// the test says so.
func HeadlessShell(tb testing.TB, headless, window []string) string {
	tb.Helper()
	for _, name := range headless {
		if slices.Contains(window, name) {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if CI() {
		tb.Fatal("CI=true: no Chromium headless shell on PATH (apt-get install chromium-headless-shell)")
	}
	tb.Log("no Chromium headless shell on PATH: the test runs in the browser pixivauth finds")
	return ""
}

// StartXvfb runs a virtual display for the test, waits until it answers X
// clients, and returns its name (":N"). The display ends with the test.
func StartXvfb(tb testing.TB) string {
	tb.Helper()
	_, err := exec.LookPath("Xvfb")
	Need(tb, err == nil, "Xvfb is not installed: `make test` installs it")
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	w.Close()
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var buf bytes.Buffer
	line := make([]byte, 16)
	for !bytes.Contains(buf.Bytes(), []byte("\n")) {
		n, err := r.Read(line)
		buf.Write(line[:n])
		if err != nil {
			break
		}
	}
	r.Close()
	num := strings.TrimSpace(buf.String())
	if num == "" {
		tb.Fatal("Xvfb did not say which display it took")
	}
	// Xvfb names its display before it serves clients: wait for a real
	// X connection setup to succeed, or a browser started at once fails
	// with "Missing X server".
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := xHandshake("/tmp/.X11-unix/X" + num)
		if err == nil {
			return ":" + num
		}
		if time.Now().After(deadline) {
			tb.Fatalf("display :%s never answered: %v", num, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// xHandshake opens an X11 connection on the socket and checks the server
// accepts it (the connection setup of the X protocol, no authorization).
func xHandshake(socket string) error {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	// 'l': little-endian; protocol 11.0; no authorization.
	if _, err := c.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return err
	}
	reply := make([]byte, 8)
	if _, err := c.Read(reply); err != nil {
		return err
	}
	if reply[0] != 1 {
		return fmt.Errorf("the X server refused the connection (status %d)", reply[0])
	}
	return nil
}

// Processes returns the processes, other than this one, whose command line
// contains needle, with their command lines. Tests find their own browsers
// this way, by the profile or TMPDIR that only they use, since test
// packages run in parallel.
func Processes(needle string) map[int]string {
	found := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(needle)) {
			continue
		}
		found[pid] = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return found
}

// BrowsersUnder returns the processes whose browser profile lies under dir.
func BrowsersUnder(dir string) []int {
	var pids []int
	for pid := range Processes("--user-data-dir=" + dir) {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

// ChromeArgs turns browser flags as chromedp takes them (a name and a
// value, such as pixivtest.Server.BrowserFlags gives) into the command-line
// arguments of a browser a test starts itself: --name=value, --name for
// true, nothing for false; sorted, so that a command line reads the same
// every run.
func ChromeArgs(flags map[string]any) []string {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		switch v := flags[name].(type) {
		case bool:
			if v {
				args = append(args, "--"+name)
			}
		default:
			args = append(args, fmt.Sprintf("--%s=%v", name, v))
		}
	}
	return args
}

// Percentile is the p-th percentile (0 to 1) of sorted, by the nearest
// rank below; 0 for no values. The benchmarks report their latencies
// with it.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}
