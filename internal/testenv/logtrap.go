package testenv

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
)

// MainTrappingLog runs a package's tests (from TestMain) with the log
// package's output caught, and fails the package if anything was written
// there: a library that logs by default (chromedp does, with the log
// package) puts lines on a person's stderr that are not pixivauth's, and
// some of chromedp's hold what the browser sent. The tests of a login run
// in process cannot see those lines in the stderr they capture; this sees
// them wherever they come from. It returns m.Run's exit code, or 1.
func MainTrappingLog(m *testing.M) int {
	var trap logTrap
	log.SetOutput(&trap)
	code := m.Run()
	log.SetOutput(os.Stderr)
	if out := trap.String(); out != "" {
		fmt.Fprintf(os.Stderr, "FAIL: written with the log package during the tests (only pixivauth's own messages may reach stderr):\n%s", out)
		if code == 0 {
			code = 1
		}
	}
	return code
}

type logTrap struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *logTrap) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.Write(p)
}

func (t *logTrap) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
