package capture

import (
	"os"
	"testing"

	"github.com/pixivauth/pixivauth/internal/testenv"
)

// TestMain fails the package if anything is written with the log package:
// a login must keep chromedp's log lines off the caller's stderr.
func TestMain(m *testing.M) { os.Exit(testenv.MainTrappingLog(m)) }
