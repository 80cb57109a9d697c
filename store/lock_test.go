package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/pixivauth/pixivauth/session"
)

// The lock helper: the test binary, run again with these variables set,
// takes a profile's lock in another process (see TestMain).
const (
	helperDirEnv  = "PIXIVAUTH_STORE_TEST_LOCK_DIR"
	helperModeEnv = "PIXIVAUTH_STORE_TEST_LOCK_MODE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		os.Exit(lockHelper(dir, os.Getenv(helperModeEnv)))
	}
	os.Exit(m.Run())
}

// lockHelper is the other process. Mode "hold" takes the lock of the
// profile "default" in dir, says "locked", and releases it when its stdin
// closes. Mode "try" makes one attempt and says "acquired" or "busy".
func lockHelper(dir, mode string) int {
	p, err := (&Store{Dir: dir}).Profile("default")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode {
	case "hold":
		unlock, err := p.Lock(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until EOF
		if err := unlock(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	case "try":
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := newWaitingContext(ctx)
		go func() { <-w.waiting; cancel() }()
		unlock, err := p.Lock(w)
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Println("busy")
		case err != nil:
			fmt.Fprintln(os.Stderr, err)
			return 1
		default:
			fmt.Println("acquired")
			_ = unlock()
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 1
	}
	return 0
}

// waitingContext closes waiting when Done is first called. flock's
// TryLockContext calls Done only to wait after an attempt failed, so that
// is the moment Lock is known to be waiting — no sleeping needed to get
// there.
type waitingContext struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingContext(ctx context.Context) *waitingContext {
	return &waitingContext{Context: ctx, waiting: make(chan struct{})}
}

func (c *waitingContext) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// lockOnceWaiting runs p.Lock until it is waiting for the lock, then
// cancels it, returning Lock's error.
func lockOnceWaiting(t *testing.T, p *Profile) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := newWaitingContext(ctx)
	go func() { <-w.waiting; cancel() }()
	unlock, err := p.Lock(w)
	if err == nil {
		_ = unlock()
	}
	return err
}

func TestLockExcludesAnotherProfileValue(t *testing.T) {
	s, _ := newStore(t)
	p1, p2 := newProfile(t, s, "default"), newProfile(t, s, "default")
	unlock, err := p1.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// p2 waits, and gives up when its context is cancelled.
	if err := lockOnceWaiting(t, p2); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Lock: %v, want context.Canceled", err)
	}
	// Another profile's lock is independent.
	if unlockOther, err := newProfile(t, s, "other").Lock(t.Context()); err != nil {
		t.Errorf("another profile's Lock: %v", err)
	} else {
		_ = unlockOther()
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
	unlock2, err := p2.Lock(t.Context())
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := unlock2(); err != nil {
		t.Fatal(err)
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	s, _ := newStore(t)
	p1, p2 := newProfile(t, s, "default"), newProfile(t, s, "default")
	unlock, err := p1.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	released := false
	w := newWaitingContext(t.Context())
	result := make(chan error, 1)
	go func() {
		unlock2, err := p2.Lock(w)
		if err == nil {
			mu.Lock()
			if !released {
				err = errors.New("acquired the lock while the first holder held it")
			}
			mu.Unlock()
			err = errors.Join(err, unlock2())
		}
		result <- err
	}()
	<-w.waiting
	mu.Lock()
	released = true
	mu.Unlock()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

func TestLockCancelled(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Lock(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with a cancelled context: %v", err)
	}
	// Nothing is held after a cancelled Lock.
	unlock, err := p.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_ = unlock()
}

func TestLockedMethods(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	tok := testToken("1", "a")
	sess := &session.Session{Cookies: []session.Cookie{sessionCookie(testNow.Add(1))}}

	// Without the lock, the *Locked methods refuse.
	for name, err := range map[string]error{
		"SaveTokenLocked":   p.SaveTokenLocked(tok),
		"SaveSessionLocked": p.SaveSessionLocked(sess),
		"DeleteLocked":      p.DeleteLocked(),
	} {
		if err == nil || !strings.Contains(err.Error(), "without holding its lock") {
			t.Errorf("%s without the lock: %v", name, err)
		}
	}

	unlock, err := p.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Holding it, the locking methods refuse at once instead of waiting on
	// themselves, and say what to use.
	for name, err := range map[string]error{
		"SaveToken":   p.SaveToken(tok),
		"SaveSession": p.SaveSession(sess),
		"Delete":      p.Delete(),
	} {
		if err == nil || !strings.Contains(err.Error(), name+"Locked") {
			t.Errorf("%s holding the lock: %v", name, err)
		}
	}
	if _, err := p.Lock(t.Context()); err == nil {
		t.Error("a second Lock through the same Profile value succeeded")
	}
	// The read-refresh-write of the package documentation.
	if _, err := p.LoadToken(); !errors.Is(err, ErrNoToken) {
		t.Fatal(err)
	}
	if err := p.SaveTokenLocked(tok); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveSessionLocked(sess); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveTokenLocked(tok); err == nil {
		t.Error("SaveTokenLocked after unlock succeeded")
	}
	if got, err := p.LoadToken(); err != nil || got.AccessToken != "a" {
		t.Errorf("LoadToken: %v, %v", got, err)
	}
}

// TestLockAcrossProcesses runs the lock helper in a second process.
func TestLockAcrossProcesses(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	helper := func(mode string) *exec.Cmd {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperDirEnv+"="+s.Dir, helperModeEnv+"="+mode)
		cmd.Stderr = os.Stderr
		return cmd
	}

	t.Run("other process holds", func(t *testing.T) {
		cmd := helper("hold")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "locked\n" {
			t.Fatalf("helper said %q, %v", line, err)
		}
		if err := lockOnceWaiting(t, p); !errors.Is(err, context.Canceled) {
			t.Errorf("Lock while another process holds it: %v, want context.Canceled", err)
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
		unlock, err := p.Lock(t.Context())
		if err != nil {
			t.Fatalf("Lock after the other process released: %v", err)
		}
		_ = unlock()
	})

	t.Run("this process holds", func(t *testing.T) {
		unlock, err := p.Lock(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out, err := helper("try").Output()
		if err != nil || string(out) != "busy\n" {
			t.Errorf("helper while locked: %q, %v; want busy", out, err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		out, err = helper("try").Output()
		if err != nil || string(out) != "acquired\n" {
			t.Errorf("helper after unlock: %q, %v; want acquired", out, err)
		}
	})
}
