package capture

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// chromedpEval evaluates a boolean expression in the login tab.
func chromedpEval(l *Login, expr string) (bool, error) {
	return chromedp.Run(l.tab, chromedp.Evaluate[bool](expr))
}

// closeTab closes the login tab through the browser, as a person closing
// the window does (Xvfb has no window manager to click).
func closeTab(l *Login) error {
	id := chromedp.FromContext(l.tab).Target.TargetID
	_, err := chromedp.CallBrowser(l.tab, target.CloseTarget, target.CloseTargetParams{TargetID: id})
	return err
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func TestDescribeKind(t *testing.T) {
	for _, kind := range []string{"", "other", "select", "form", "username", "code", "skip", "redirect", "challenge", "blocked", "new-kind"} {
		got := describeKind(kind)
		if got == "" || got == kind || strings.ContainsAny(got, "()") {
			t.Errorf("describeKind(%q) = %q: not words for a person", kind, got)
		}
	}
}
