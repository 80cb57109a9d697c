package capture

import (
	"fmt"

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
