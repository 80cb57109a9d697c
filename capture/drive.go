package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
)

// buttonGrace is how long account selection waits for the page to draw
// its buttons after its data shows, before it posts from the data instead.
// The page draws them once it has loaded: at once on a good day, seconds
// later on a loaded machine or a slow network.
const buttonGrace = 10 * time.Second

// driveState is what the driver has done and learnt in this login.
type driveState struct {
	report *pageReport // the page as last reported
	// expect is the code step the last answer announced: two-factor or
	// e-mail code; codeDone is true once its code was submitted.
	expect        answerKind
	codeDone      bool
	usernameTyped bool
	formSubmitted bool
	selected      bool
	// buttonWait fires when account selection has waited buttonGrace for
	// its button; buttonWaited is true after.
	buttonWait    <-chan time.Time
	buttonWaited  bool
	skipped       map[string]bool // skip buttons clicked, by page URL and place
	reportedLogin bool
	lastKind      string
}

// drive reacts to what the watch script and the Network domain report:
// continue with the stored session, fill the form with trusted input,
// answer a code, skip a setup prompt, and end the login at once on an
// answer or a page it cannot pass. It never polls and never waits for a
// page to settle: each event is acted on when it arrives.
func (l *Login) drive() {
	defer close(l.driverDone)
	if l.opts.probe {
		return
	}
	st := driveState{skipped: map[string]bool{}}
	// A window waits for its person: only a headless login can stall.
	var (
		timer   *time.Timer
		stalled <-chan time.Time
	)
	if !l.opts.Visible {
		timer = time.NewTimer(l.opts.StallTimeout)
		defer timer.Stop()
		stalled = timer.C
	}
	// A headless login that is about to reach its timeout keeps what it
	// sees, as a stall does: the timeout then ends the browser.
	var (
		lastMoment <-chan time.Time
		saving     sync.WaitGroup // Close waits for driverDone, and so for the save
	)
	defer saving.Wait()
	if deadline, ok := l.timeoutCtx.Deadline(); ok && !l.opts.Visible && l.opts.LastFailureDir != "" {
		if left, margin := time.Until(deadline), evidenceMargin(l.opts.Timeout); left > 2*margin {
			t := time.NewTimer(left - margin)
			defer t.Stop()
			lastMoment = t.C
		}
	}
	for {
		select {
		case <-l.tab.Done():
			return
		case <-l.watchedEvents.wake:
		case <-st.buttonWait:
			st.buttonWait, st.buttonWaited = nil, true
			if st.report != nil {
				if err := l.act(&st); err != nil {
					l.failWith(err)
					return
				}
			}
		case <-lastMoment:
			lastMoment = nil
			l.mu.Lock()
			caught := l.caught
			l.mu.Unlock()
			if !caught {
				// Aside, so that the driver goes on acting meanwhile:
				// the login may yet finish.
				saving.Go(func() {
					saved := l.saveFailure()
					l.mu.Lock()
					l.evidence = saved
					l.mu.Unlock()
				})
			}
		case <-stalled:
			if left := l.opts.StallTimeout - l.sinceProgress(); left > 0 {
				timer.Reset(left)
				continue
			}
			kind := ""
			if st.report != nil {
				kind = st.report.Kind
			}
			saved := l.saveFailure()
			l.failWith(reason.Mark(fmt.Errorf("%w: the headless login made no progress for %s on %s, %s%s", ErrStalled, l.opts.StallTimeout.Round(time.Second), l.LastURL(), describeKind(kind), saved), reason.Stalled))
			return
		}
		for _, ev := range l.watchedEvents.take() {
			if len(l.fail) > 0 {
				return
			}
			if err := l.handle(&st, ev); err != nil {
				l.failWith(err)
				return
			}
		}
	}
}

// evidenceMargin is how long before its timeout a headless login saves
// what it sees: a twentieth of the timeout, from 300 ms to 2 s, time for a
// screenshot and the page's HTML.
func evidenceMargin(timeout time.Duration) time.Duration {
	return min(max(timeout/20, 300*time.Millisecond), 2*time.Second)
}

// acts reports whether the driver fills forms and answers codes: headless,
// or a window given credentials.
func (l *Login) acts() bool { return !l.opts.Visible || l.opts.Username != "" }

// handle takes one event; an error ends the login.
func (l *Login) handle(st *driveState, ev driveEvent) error {
	switch {
	case ev.docFailed != "":
		if l.opts.Visible {
			return nil // the person can reload
		}
		return l.loadFailure(false, ev.docFailed)
	case ev.answer != nil:
		l.touch()
		if err := l.onAnswer(st, *ev.answer); err != nil {
			return err
		}
	case ev.report != nil:
		st.report = ev.report
		if ev.report.Kind != st.lastKind {
			st.lastKind = ev.report.Kind
			l.touch()
			if k := ev.report.Kind; k != "other" && k != "redirect" {
				l.logf("page: %s (%s)", k, l.LastURL())
			}
			if !st.reportedLogin && (ev.report.Kind == "form" || ev.report.Kind == "username" || ev.report.Kind == "select") {
				st.reportedLogin = true
				l.progress(StepLoginPage, time.Now())
			}
		}
	}
	if st.report == nil {
		return nil
	}
	return l.act(st)
}

// onAnswer reads a login XHR's answer: the outcome of a submit, at once.
func (l *Login) onAnswer(st *driveState, a loginAnswer) error {
	if a.Unreadable {
		// Usually a success: the page moved on at once, and the browser
		// let go of the answer before it was read.
		l.logf("the answer of %s was no longer in the browser to read (usually: the page moved on at once); the next page tells how the login went", a.Path)
		return nil
	}
	l.logf("Pixiv answered %s: %s", a.Path, a.Kind)
	if l.opts.Visible {
		// The person at the window sees the page and acts; only what
		// the driver itself must do next is noted.
		if a.Kind == answerTwoFactor || a.Kind == answerEmailCode {
			st.expect, st.codeDone = a.Kind, false
		}
		return nil
	}
	switch a.Kind {
	case answerSuccess:
		st.expect = ""
	case answerTwoFactor, answerEmailCode:
		st.expect, st.codeDone = a.Kind, false
	case answerCaptcha:
		return reason.Mark(fmt.Errorf("%w: Pixiv wants a captcha solved, which pixivauth does not do without a person", ErrNeedsPerson), reason.Captcha)
	case answerLocked:
		return reason.Mark(fmt.Errorf("%w: Pixiv says the account is locked (%q)", ErrNeedsPerson, a.Message), reason.AccountLocked)
	case answerRefused:
		switch {
		case a.Path == pixiv.AjaxLoginPath:
			return reason.Mark(fmt.Errorf("%w: Pixiv refused the username or password (%q); it was not submitted again", ErrNeedsPerson, a.Message), reason.WrongPassword)
		case a.Path == pixiv.EmailCodePath || st.expect == answerEmailCode:
			return reason.Mark(fmt.Errorf("%w: Pixiv refused the e-mailed verification code (%q)", ErrNeedsPerson, a.Message), reason.EmailCode)
		default:
			return reason.Mark(fmt.Errorf("%w: Pixiv refused the two-factor code (%q)", ErrNeedsPerson, a.Message), reason.WrongCode)
		}
	case answerError:
		saved := l.saveFailure()
		return reason.Mark(fmt.Errorf("%w: Pixiv answered the login with an error (%q)%s", ErrStalled, a.Message, saved), reason.Failing)
	}
	return nil
}

// act does what the page as last reported calls for, once.
func (l *Login) act(st *driveState) error {
	r := st.report
	switch r.Kind {
	case "blocked":
		if l.opts.Visible {
			return nil
		}
		return l.loadFailure(true, "")
	case "challenge":
		if l.opts.Visible {
			return nil
		}
		return reason.Mark(fmt.Errorf("%w: Pixiv shows a captcha, which pixivauth does not answer without a person", ErrNeedsPerson), reason.Captcha)
	case "form", "username":
		return l.actForm(st)
	case "code":
		return l.actCode(st)
	case "select":
		if st.selected || (l.opts.Visible && l.opts.ChooseAccount) {
			return nil
		}
		if r.Button == nil && !r.Drawn && !st.buttonWaited {
			// The page's data is there and its buttons not yet: Pixiv's
			// script draws the page from that data once it has loaded.
			// Click the button when it shows. Once the page is drawn
			// without a button pixivauth knows, or after buttonGrace
			// without the page drawn, do what it does from the data.
			if st.buttonWait == nil {
				st.buttonWait = time.After(buttonGrace)
			}
			return nil
		}
		st.selected = true
		if r.Button != nil {
			if err := l.click(r.Button); err != nil {
				return nil // the page went away under the click
			}
			l.logf("continuing with the stored session")
		} else {
			// No element to click: do what the button does, from the
			// page's own data.
			ctx, cancel := l.callCtx()
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](selectFallbackJS()))
			cancel()
			if err != nil {
				return nil
			}
			l.logf("continuing with the stored session (posted from the page's data)")
		}
		l.touch()
		l.progress(StepContinue, time.Now())
	case "skip":
		key := fmt.Sprintf("%s@%v", r.URL, *r.Button)
		if !l.acts() || st.skipped[key] || len(st.skipped) >= 5 {
			return nil
		}
		st.skipped[key] = true
		if err := l.click(r.Button); err == nil {
			l.logf("skipped a setup prompt")
			l.touch()
		}
	}
	return nil
}

func (l *Login) actForm(st *driveState) error {
	r := st.report
	switch {
	case !l.acts():
		return nil
	case l.opts.Username == "" || l.opts.Password == "":
		if len(l.opts.Cookies) > 0 {
			return reason.Mark(fmt.Errorf("%w: the stored session has expired (Pixiv shows its login form)", ErrNeedsPerson), reason.SessionExpired)
		}
		return reason.Mark(fmt.Errorf("%w: Pixiv shows its login form and no username or password was given", ErrNeedsPerson), reason.NoCredentials)
	case st.formSubmitted:
		return nil // the answer decides; never a second submit
	}
	if r.Username != nil && !st.usernameTyped {
		if err := l.typeInto(r.Username, l.opts.Username); err != nil {
			return nil
		}
		st.usernameTyped = true
	}
	if r.Kind == "username" {
		// A username-first form: on to its password step.
		if r.Submit != nil && st.usernameTyped {
			_ = l.click(r.Submit)
			l.touch()
		}
		return nil
	}
	if r.Password == nil || r.Submit == nil {
		return nil
	}
	if err := l.typeInto(r.Password, l.opts.Password); err != nil {
		return nil
	}
	st.formSubmitted = true
	if err := l.click(r.Submit); err != nil {
		return nil
	}
	l.touch()
	l.logf("login form filled and submitted")
	l.progress(StepFormFilled, time.Now())
	return nil
}

func (l *Login) actCode(st *driveState) error {
	r := st.report
	if st.codeDone || st.expect == "" || r.Code == nil || r.Submit == nil {
		return nil // the answer that says which code comes first
	}
	if !l.acts() {
		return nil
	}
	var code string
	switch st.expect {
	case answerTwoFactor:
		if l.opts.TOTPSecret == "" && l.opts.Visible {
			return nil // the person at the window types it
		}
		if l.opts.TOTPSecret == "" {
			return reason.Mark(fmt.Errorf("%w: Pixiv asks for a one-time code (two-factor login)", ErrNeedsPerson), reason.OneTimeCode)
		}
		c, err := TOTPCode(l.opts.TOTPSecret, time.Now())
		if err != nil {
			return reason.Mark(fmt.Errorf("%w: %w", ErrNeedsPerson, err), reason.OneTimeCode)
		}
		code = c
	case answerEmailCode:
		if l.opts.EmailCode == nil && l.opts.Visible {
			return nil // the person at the window types it
		}
		if l.opts.EmailCode == nil {
			return reason.Mark(fmt.Errorf("%w: Pixiv e-mailed a verification code to the account's address and there is nobody at a terminal to type it", ErrNeedsPerson), reason.EmailCode)
		}
		l.logf("Pixiv e-mailed a verification code; asking for it")
		c, err := l.opts.EmailCode(l.timeoutCtx)
		if err != nil {
			return reason.Mark(fmt.Errorf("%w: reading the e-mailed verification code: %w", ErrNeedsPerson, err), reason.EmailCode)
		}
		code = strings.TrimSpace(c)
		l.touch()
	default:
		return nil
	}
	st.codeDone = true
	if err := l.typeInto(r.Code, code); err != nil {
		return nil
	}
	if err := l.click(r.Submit); err != nil {
		return nil
	}
	l.touch()
	l.logf("%s submitted", map[answerKind]string{answerTwoFactor: "two-factor code", answerEmailCode: "e-mailed code"}[st.expect])
	return nil
}

// click is a trusted click, as a person's mouse makes it.
func (l *Login) click(p *point) error {
	ctx, cancel := l.callCtx()
	defer cancel()
	for _, t := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMouseMoved, input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		params := input.DispatchMouseEventParams{Type: t, X: p.X, Y: p.Y, PointerType: input.DispatchMouseEventPointerTypeMouse}
		if t != input.DispatchMouseEventTypeMouseMoved {
			params.Button, params.Buttons, params.ClickCount = input.MouseButtonLeft, 1, 1
		}
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, params); err != nil {
			return err
		}
	}
	return nil
}

// typeInto clicks a field and types text into it, as trusted input.
func (l *Login) typeInto(p *point, text string) error {
	if err := l.click(p); err != nil {
		return err
	}
	ctx, cancel := l.callCtx()
	defer cancel()
	_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: text})
	return err
}

// selectFallbackJS does what the account selection button does, from the
// page's init-config: POST account-selected with return_to and tt.
func selectFallbackJS() string {
	f, _ := json.Marshal(map[string]string{
		"id": pixiv.InitConfigID, "props": pixiv.DataPropsAttr, "account": pixiv.InitConfigAccount,
		"cont": pixiv.ConfigContinueURL, "tt": pixiv.ConfigTT, "path": pixiv.AccountSelectedPath,
		"returnTo": pixiv.ReturnToParam, "csrf": pixiv.CSRFParam,
	})
	return `(() => {
  const F = ` + string(f) + `;
  const i = document.getElementById(F.id), p = document.querySelector("[" + F.props + "]");
  const a = JSON.parse(i && i.value ? i.value : p.getAttribute(F.props))[F.account];
  const form = document.createElement("form");
  form.method = "post"; form.action = F.path; form.style.display = "none";
  for (const [k, v] of [[F.returnTo, a[F.cont]], [F.csrf, a[F.tt]]]) {
    const e = document.createElement("input"); e.type = "hidden"; e.name = k; e.value = v; form.appendChild(e);
  }
  document.body.appendChild(form);
  form.submit();
  return true;
})()`
}

// loadFailure explains a page that did not load: the browser's network
// error, or Cloudflare's block. Either ends a headless login at once.
func (l *Login) loadFailure(blocked bool, netErr string) error {
	saved := l.saveFailure()
	if blocked {
		return reason.Mark(fmt.Errorf("%w: Pixiv (Cloudflare) blocked the browser on %s: try again later, or from another network%s", ErrStalled, l.LastURL(), saved), reason.Blocked)
	}
	l.mu.Lock()
	failedURL := l.netErrorURL
	l.mu.Unlock()
	if netErr == "" {
		netErr = "a network error"
	}
	if failedURL == "" {
		failedURL = l.LastURL()
	}
	return reason.Mark(fmt.Errorf("%w: the browser could not load %s (%s): check the network or proxy, then try again%s", ErrStalled, failedURL, netErr, saved), reason.Unreachable)
}

// TOTPCode returns the current one-time code of secret, given as base32 or
// as an otpauth:// URI (what an authenticator app's QR code holds).
func TOTPCode(secret string, now time.Time) (string, error) {
	if strings.HasPrefix(secret, "otpauth://") {
		key, err := otp.NewKeyFromURL(secret)
		if err != nil {
			return "", errors.New("the TOTP secret is not a valid otpauth:// URI")
		}
		secret = key.Secret()
	}
	secret = strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		return "", errors.New("the TOTP secret is not valid base32: give the secret Pixiv showed when two-factor login was set up")
	}
	return code, nil
}

func (l *Login) touch() {
	l.mu.Lock()
	l.lastProgress = time.Now()
	l.mu.Unlock()
}

func (l *Login) sinceProgress() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Since(l.lastProgress)
}

// hiddenValue matches the value of a hidden input, such as a CSRF token.
var hiddenValue = regexp.MustCompile(`(?i)(<input[^>]*type=["']?hidden["']?[^>]*value=)("[^"]*"|'[^']*'|[^\s>]+)`)

// saveFailure keeps a screenshot and the page's HTML (query values and
// hidden field values removed) for whoever must adapt pixivauth to a new
// Pixiv page, and returns a note naming the place, or "".
func (l *Login) saveFailure() string {
	dir := l.opts.LastFailureDir
	l.mu.Lock()
	failed := l.failed
	l.mu.Unlock()
	if dir == "" || failed {
		// An error has ended the login already, and is the one
		// reported: evidence saved now would be named nowhere.
		return ""
	}
	ctx, cancel := context.WithTimeout(l.tab, 5*time.Second)
	defer cancel()
	// Each failure replaces the last one's evidence.
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	// The note names only what was written: a page that failed to load
	// has no screenshot to take, and a person should not look for one.
	var saved []string
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil && len(png) > 0 &&
		os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o600) == nil {
		saved = append(saved, "a screenshot")
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		html = hiddenValue.ReplaceAllString(RedactQuery(html), `${1}""`)
		if os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o600) == nil {
			saved = append(saved, "the page")
		}
	}
	if os.WriteFile(filepath.Join(dir, "url.txt"), []byte(l.LastURL()+"\n"), 0o600) == nil {
		saved = append(saved, "its address")
	}
	if len(saved) == 0 {
		return ""
	}
	list := saved[len(saved)-1]
	if len(saved) > 1 {
		list = strings.Join(saved[:len(saved)-1], ", ") + " and " + list
	}
	return "; saved " + list + " in " + dir
}

// describeKind says in words what the watch script took a page for, for
// the error that ends a stalled login: its kinds are the script's own
// names ("other", "select", …), not words for a person.
func describeKind(kind string) string {
	switch kind {
	case "select":
		return "an account selection page"
	case "form", "username":
		return "the login form"
	case "code":
		return "a one-time code page"
	case "skip":
		return "a setup prompt"
	case "redirect":
		return "a page that should have moved on by itself"
	case "challenge":
		return "a challenge page"
	case "blocked":
		return "a block page"
	}
	return "a page pixivauth does not know"
}
