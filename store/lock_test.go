package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/reason"
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
		if err := unlock.Unlock(); err != nil {
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
			_ = unlock.Unlock()
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
		_ = unlock.Unlock()
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
		_ = unlockOther.Unlock()
	}
	if err := unlock.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock.Unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
	unlock2, err := p2.Lock(t.Context())
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := unlock2.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Goroutines that share one Profile value take its lock in turn.
func TestLockSharedProfileValue(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	var (
		mu            sync.Mutex
		holders, most int
		wg            sync.WaitGroup
	)
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			l, err := p.Lock(t.Context())
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			holders++
			most = max(most, holders)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			holders--
			mu.Unlock()
			errs <- l.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if most != 1 {
		t.Errorf("%d goroutines held the lock at once", most)
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
			err = errors.Join(err, unlock2.Unlock())
		}
		result <- err
	}()
	<-w.waiting
	mu.Lock()
	released = true
	mu.Unlock()
	if err := unlock.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

func TestLockCancelled(t *testing.T) {
	s, _ := newStore(t)
	holder, p := newProfile(t, s, "default"), newProfile(t, s, "default")
	l, err := holder.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Lock(ctx); !errors.Is(err, context.Canceled) || !errors.Is(err, reason.CacheBusy) {
		t.Errorf("Lock of a held lock with a cancelled context: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// Nothing is held after a cancelled Lock.
	unlock, err := p.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_ = unlock.Unlock()
}

func TestLockedMethods(t *testing.T) {
	s, _ := newStore(t)
	p := newProfile(t, s, "default")
	tok := testToken("1", "a")
	sess := &session.Session{Cookies: []session.Cookie{sessionCookie(testNow.Add(1))}}

	l, err := p.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Holding it, the locking methods wait on it, as on a sync.Mutex, until
	// their context is done: the cache is busy.
	waitBriefly := func() context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	_, lockErr := p.Lock(waitBriefly())
	for name, err := range map[string]error{
		"Lock":        lockErr,
		"SaveToken":   p.SaveToken(waitBriefly(), tok),
		"SaveSession": p.SaveSession(waitBriefly(), sess),
		"Delete":      p.Delete(waitBriefly()),
	} {
		if !errors.Is(err, reason.CacheBusy) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s holding the lock: %v, want the cache busy", name, err)
		}
	}
	// The read-refresh-write of the package documentation.
	if _, err := l.LoadToken(); !errors.Is(err, ErrNoToken) {
		t.Fatal(err)
	}
	if err := l.SaveToken(tok); err != nil {
		t.Fatal(err)
	}
	if err := l.SaveSession(sess); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// After Unlock, the handle's methods refuse.
	for name, err := range map[string]error{
		"SaveToken":   l.SaveToken(tok),
		"SaveSession": l.SaveSession(sess),
		"Delete":      l.Delete(),
	} {
		if !errors.Is(err, ErrUnlocked) {
			t.Errorf("%s after Unlock: %v, want ErrUnlocked", name, err)
		}
	}
	if _, err := l.LoadToken(); !errors.Is(err, ErrUnlocked) {
		t.Errorf("LoadToken after Unlock: %v, want ErrUnlocked", err)
	}
	if got, err := p.LoadToken(); err != nil || got.AccessToken != "a" {
		t.Errorf("LoadToken: %v, %v", got, err)
	}
}

// A wait for the lock ends with the caller's context, as the cache being
// busy; and a caller whose time is already spent still gets a free lock.
func TestLockBoundedByContext(t *testing.T) {
	s, _ := newStore(t)
	p1, p2 := newProfile(t, s, "default"), newProfile(t, s, "default")
	l, err := p1.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = p2.SaveToken(ctx, testToken("1", "a"))
	if !errors.Is(err, reason.CacheBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SaveToken while another holds the lock: %v, want CacheBusy and DeadlineExceeded", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	if err := p2.SaveToken(done, testToken("1", "a")); err != nil {
		t.Errorf("SaveToken with a done context and a free lock: %v", err)
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
		_ = unlock.Unlock()
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
		if err := unlock.Unlock(); err != nil {
			t.Fatal(err)
		}
		out, err = helper("try").Output()
		if err != nil || string(out) != "acquired\n" {
			t.Errorf("helper after unlock: %q, %v; want acquired", out, err)
		}
	})
}
