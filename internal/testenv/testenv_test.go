package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLeftovers(t *testing.T) {
	dir := ShortTempDir(t)
	if left := Leftovers(dir, "pixivauth-"); len(left) != 0 {
		t.Fatalf("an empty dir has leftovers: %q", left)
	}
	for _, name := range []string{"pixivauth-123-4", ".org.chromium.Chromium.abc", "kept"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A process whose command line names a path under dir, as a browser's
	// --user-data-dir does.
	p := exec.Command("sh", "-c", "sleep 60", "--user-data-dir="+filepath.Join(dir, "profile"))
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { p.Process.Kill(); p.Wait() }()
	// Until the child has exec'd, /proc shows the test's command line.
	for i := 0; i < 100 && len(Processes(dir+"/")) == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}

	left := strings.Join(Leftovers(dir, "pixivauth-"), "\n")
	for _, want := range []string{"file pixivauth-123-4", "file .org.chromium.Chromium.abc", "sh -c sleep 60 --user-data-dir=" + dir} {
		if !strings.Contains(left, want) {
			t.Errorf("leftovers lack %q:\n%s", want, left)
		}
	}
	if strings.Contains(left, "kept") {
		t.Errorf("a file of the test's own counted as left over:\n%s", left)
	}
}

func TestSecrets(t *testing.T) {
	s := Secrets{}
	s.Add("a token", "tok-0123456789", "", "short")
	if len(s) != 1 {
		t.Fatalf("Add kept %v; want only the long value", s)
	}
	if found := s.In("stderr: tok-0123456789 here"); len(found) != 1 || !strings.HasPrefix(found[0], "a token") {
		t.Errorf("In found %q", found)
	}
	if found := s.In("tok-01234 is only part of it"); len(found) != 0 {
		t.Errorf("In found %q in text without the whole value", found)
	}
	if strings.Contains(strings.Join(s.In("tok-0123456789"), ""), "tok-0123456789") {
		t.Error("In repeats a whole secret in its report")
	}
}

func TestChromeArgs(t *testing.T) {
	tests := []struct {
		flags map[string]any
		want  []string
	}{
		{nil, nil},
		{map[string]any{"b": "x y", "a": 1}, []string{"--a=1", "--b=x y"}},
		{map[string]any{"on": true, "off": false}, []string{"--on"}},
	}
	for _, tt := range tests {
		if got := ChromeArgs(tt.flags); !slices.Equal(got, tt.want) {
			t.Errorf("ChromeArgs(%v) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5}
	for _, tt := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{nil, 0.5, 0},
		{sorted, 0, 1},
		{sorted, 0.5, 3},
		{sorted, 0.99, 4},
		{sorted, 1, 5},
	} {
		if got := Percentile(tt.values, tt.p); got != tt.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tt.values, tt.p, got, tt.want)
		}
	}
}
