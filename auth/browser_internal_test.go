package auth

import (
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/capture"
	"github.com/pixivauth/pixivauth/store"
)

// TestWithConfig: a Browser takes from the login's Config what its Options
// leave unset, and keeps what they set.
func TestWithConfig(t *testing.T) {
	profile, err := (&store.Store{Dir: t.TempDir()}).Profile("work")
	if err != nil {
		t.Fatal(err)
	}
	logf := func(string, ...any) {}
	progress := func(capture.Step) {}
	var ownLogged bool
	ownLogf := func(string, ...any) { ownLogged = true }
	soon := time.Now().Add(3 * time.Second)
	tests := []struct {
		name     string
		opts     capture.Options
		cfg      Config
		deadline time.Time
		check    func(*testing.T, capture.Options)
	}{
		{"all from the config", capture.Options{}, Config{Profile: profile, Logf: logf, Progress: progress}, soon,
			func(t *testing.T, o capture.Options) {
				if o.Timeout != 3*time.Second {
					t.Errorf("Timeout = %s, want the 3s left", o.Timeout)
				}
				if o.LastFailureDir != profile.LastFailureDir() {
					t.Errorf("LastFailureDir = %q, want the profile's", o.LastFailureDir)
				}
				if o.Logf == nil || o.Progress == nil {
					t.Error("Logf or Progress not taken")
				}
			}},
		{"the options' own kept", capture.Options{Timeout: time.Minute, LastFailureDir: "/elsewhere", Logf: ownLogf},
			Config{Profile: profile, Logf: logf}, soon,
			func(t *testing.T, o capture.Options) {
				if o.Timeout != time.Minute || o.LastFailureDir != "/elsewhere" {
					t.Errorf("Timeout %s, LastFailureDir %q: the options' own were replaced", o.Timeout, o.LastFailureDir)
				}
				if o.Logf("x"); !ownLogged {
					t.Error("the options' own Logf was replaced by the config's")
				}
			}},
		{"no timeout, no profile", capture.Options{}, Config{}, time.Time{},
			func(t *testing.T, o capture.Options) {
				if o.Timeout != 0 || o.LastFailureDir != "" {
					t.Errorf("Timeout %s, LastFailureDir %q, want capture's defaults", o.Timeout, o.LastFailureDir)
				}
			}},
		{"a window keeps no failure", capture.Options{Visible: true}, Config{Profile: profile}, soon,
			func(t *testing.T, o capture.Options) {
				if o.LastFailureDir != "" {
					t.Errorf("LastFailureDir = %q for a window", o.LastFailureDir)
				}
			}},
		{"a deadline passed", capture.Options{}, Config{}, time.Now().Add(-time.Second),
			func(t *testing.T, o capture.Options) {
				if o.Timeout <= 0 {
					t.Errorf("Timeout = %s, which capture takes for its default", o.Timeout)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, Browser{Options: tt.opts}.withConfig(tt.cfg, tt.deadline).Options)
		})
	}
}
