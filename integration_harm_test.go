package main

import (
	"bufio"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/capture"
)

// Issue 9 at the command line: pixivauth never touches a browser, profile
// or file it did not create.

// startOwnBrowser starts a Chromium on profile as a person would (the test
// does, not pixivauth), and returns its pid once it runs.
func startOwnBrowser(t *testing.T, profile string) int {
	t.Helper()
	path, err := capture.FindBrowser("", false)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--no-first-run", "--disable-crash-reporter",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tmp, err := os.MkdirTemp("/tmp", "pa")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "TMPDIR="+tmp)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(tmp)
	})
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "DevTools listening on") {
				close(up)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-up:
	case <-time.After(30 * time.Second):
		t.Fatal("the person's browser did not start")
	}
	return cmd.Process.Pid
}

// running reports whether pid runs and is not a zombie.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// TestHarmProfileInUse: with the person's own browser on the profile,
// login ends at once with exit 5 and the message the contract gives, and
// the person's browser still runs.
func TestHarmProfileInUse(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t)
	profile := t.TempDir()
	pid := startOwnBrowser(t, profile)
	r := b.password("--browser-profile", profile)
	expectCode(t, r, exitBrowser)
	want := "the browser profile " + profile + " is in use by another browser: close it, or drop --browser-profile"
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not say %q:\n%v", want, r)
	}
	time.Sleep(300 * time.Millisecond)
	if !running(pid) {
		t.Fatal("the person's browser was killed")
	}
}

// TestHarmBrowserProfileChecked: --browser-profile must be a directory: a
// file is a usage error before any browser starts (Chromium would fall
// back to ~/.config/chromium); a missing one is made 0700.
func TestHarmBrowserProfileChecked(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t)
	file := filepath.Join(t.TempDir(), "profile")
	os.WriteFile(file, []byte("mine"), 0o600)
	r := b.password("--browser-profile", file)
	expectCode(t, r, exitUsage)
	if !strings.Contains(r.Stderr, "not a directory") {
		t.Errorf("stderr does not say not a directory:\n%v", r)
	}
	if data, _ := os.ReadFile(file); string(data) != "mine" {
		t.Error("the file was changed")
	}
	if reqs := b.srv.Requests(); len(reqs) != 0 {
		t.Errorf("a browser started: the double saw %d requests", len(reqs))
	}

	missing := filepath.Join(t.TempDir(), "new", "profile")
	r = b.password("--browser-profile", missing)
	b.expectIssued(r)
	if fi, err := os.Stat(missing); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("the new profile dir: %v %v; want a 0700 directory", fi.Mode(), err)
	}
}

// TestHarmAttachedWithPixivServer: host routing cannot reach an attached
// browser, so --browser-url with --pixiv-server is refused.
func TestHarmAttachedWithPixivServer(t *testing.T) {
	b := newBrowserRun(t)
	r := b.password("--browser-url", "http://127.0.0.1:9")
	expectCode(t, r, exitUsage)
	if !strings.Contains(r.Stderr, "--browser-url cannot be used with --pixiv-server") {
		t.Errorf("stderr:\n%v", r)
	}
}

// TestHarmHomeUntouched: a login with a temporary profile writes nothing in
// HOME: listed before and after a real login.
func TestHarmHomeUntouched(t *testing.T) {
	t.Parallel()
	b := newBrowserRun(t)
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".profile"), []byte("# mine\n"), 0o600)
	list := func() []string {
		var paths []string
		filepath.WalkDir(home, func(p string, _ fs.DirEntry, _ error) error {
			paths = append(paths, p)
			return nil
		})
		return paths
	}
	before := list()
	b.expectIssued(b.run([]string{"HOME=" + home}, b.account.Password,
		"login", "--headless", "--username", b.account.Username, "--password-stdin", "--json", "--timeout", long))
	if after := list(); !slices.Equal(before, after) {
		t.Errorf("the login wrote in HOME:\nbefore %v\nafter  %v", before, after)
	}
}
