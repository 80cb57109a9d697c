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
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
)

// pageKind is what the login tab shows, as far as a driver cares.
type pageKind string

const (
	pageLoading pageKind = "loading"
	pageSelect  pageKind = "select"   // account selection: "Continue using this account"
	pageForm    pageKind = "form"     // username and password
	pageOTP     pageKind = "otp"      // one-time code (two-factor)
	pageCaptcha pageKind = "captcha"  // a challenge no program should answer
	pageBlocked pageKind = "blocked"  // Cloudflare's block page
	pageCFCheck pageKind = "cfcheck"  // Cloudflare's "Just a moment..." check
	pageNetErr  pageKind = "neterror" // the browser's own page for a load that failed
	pageOther   pageKind = "other"    // anything else: post-redirect, blank, unknown
)

// describe names a kind of page in an error, for a person.
func (k pageKind) describe() string {
	switch k {
	case pageLoading:
		return "a page still loading"
	case pageSelect:
		return "the account selection page"
	case pageForm:
		return "the login form"
	case pageOTP:
		return "the one-time code prompt"
	case pageCaptcha:
		return "a captcha"
	case pageBlocked:
		return "Cloudflare's block page"
	case pageCFCheck:
		return "Cloudflare's check"
	case pageNetErr:
		return "the browser's error page"
	}
	return "a page pixivauth does not recognise"
}

type pageState struct {
	Kind  pageKind `json:"kind"`
	Error string   `json:"error"` // the text of an error message on a form
}

// classifyJS reads the page with the selectors of package pixiv. It returns
// JSON, so that a page with odd globals cannot confuse the decoding.
func classifyJS() string {
	sel, _ := json.Marshal(map[string]string{
		"captcha":  pixiv.CaptchaFrame,
		"otp":      pixiv.OTPInput,
		"password": pixiv.PasswordInput,
		"error":    pixiv.LoginError,
		"blocked":  pixiv.CloudflareBlocked,
		"cfcheck":  pixiv.CloudflareChallenge,
	})
	titles, _ := json.Marshal(map[string]string{"cfcheck": pixiv.CloudflareChallengeTitle, "blocked": pixiv.CloudflareBlockedTitle})
	return `(() => {
  const s = ` + string(sel) + `;
  const shown = e => !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const err = () => [...document.querySelectorAll(s.error)].filter(shown).map(e => e.innerText.trim()).join(" ").slice(0, 200);
  const out = k => JSON.stringify({kind: k, error: k === "form" || k === "otp" ? err() : ""});
  if (location.protocol === "chrome-error:") return out("neterror");
  if (document.readyState === "loading") return out("loading");
  if ([...document.querySelectorAll(s.blocked)].some(shown)) return out("blocked");
  if (document.querySelector(s.cfcheck)) return out("cfcheck");
  for (const [k, t] of Object.entries(` + string(titles) + `)) if (document.title.startsWith(t)) return out(k);
  if ((` + continueFinder() + `)()) return out("select");
  if ([...document.querySelectorAll(s.captcha)].some(shown)) return out("captcha");
  if (shown(document.querySelector(s.otp))) return out("otp");
  if (shown(document.querySelector(s.password))) return out("form");
  return out("other");
})()`
}

// continueFinder is a JavaScript function that finds the account selection
// page's button: by its label, or, on a page in another language, by the
// form it submits to account-selected.
func continueFinder() string {
	text, _ := json.Marshal(pixiv.ContinueButtonText)
	path, _ := json.Marshal(pixiv.AccountSelectedPath)
	return `() => [...document.querySelectorAll("button, a, [role=button], input[type=submit]")].find(b =>
    !!(b.offsetWidth || b.offsetHeight || b.getClientRects().length) &&
    ((b.innerText || b.value || "").includes(` + string(text) + `) ||
     (b.form && new URL(b.form.action, location.href).pathname === ` + string(path) + `)))`
}

// continueJS finds the account selection button for a real click.
func continueJS() string { return "(" + continueFinder() + ")()" }

// submitJS finds the submit button of the form that holds the field sel.
func submitJS(field string) string {
	f, _ := json.Marshal(field)
	s, _ := json.Marshal(pixiv.SubmitButton)
	return `(() => { const f = document.querySelector(` + string(f) + `); return (f && f.form && f.form.querySelector(` + string(s) + `)) || document.querySelector(` + string(s) + `); })()`
}

// drive watches the login tab and, when it may act (headless, or with
// credentials), acts as the person would: continue with the stored
// session, fill the form with real key events, answer a one-time code. It
// ends the login at once on a page it cannot pass, instead of waiting out
// the timeout. A visible window without credentials is left to the person.
func (l *Login) drive() {
	defer close(l.driverDone)
	if l.opts.probe {
		return
	}
	act := !l.opts.Visible || l.opts.Username != ""
	var (
		formSubmits, otpSubmits int
		lastAction              time.Time
		lastKind                pageKind
	)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-l.tab.Done():
			return
		case <-tick.C:
		}
		if len(l.code) > 0 || len(l.fail) > 0 {
			return
		}
		st, err := l.pageState()
		if err != nil {
			continue // a navigation replaced the document under the query
		}
		if st.Kind != lastKind {
			l.touch()
			if st.Kind != pageLoading && st.Kind != pageOther {
				l.logf("page: %s (%s)", st.Kind, l.LastURL())
			}
			if !l.reportedLogin && (st.Kind == pageForm || st.Kind == pageSelect) {
				l.reportedLogin = true
				l.progress(StepLoginPage, time.Now())
			}
			lastKind = st.Kind
		}
		if !act {
			continue
		}
		// Give a page a moment to react to the last action before acting
		// again or judging it.
		if time.Since(lastAction) < 700*time.Millisecond {
			continue
		}
		switch st.Kind {
		case pageSelect:
			if err := chromedp.Do(l.tab, chromedp.Click(chromedp.JSPath(continueJS()))); err == nil {
				l.logf("continuing with the stored session")
				l.progress(StepContinue, time.Now())
				lastAction = time.Now()
				l.touch()
			}
		case pageForm:
			switch {
			case l.opts.Username == "" || l.opts.Password == "":
				if l.opts.Visible {
					continue
				}
				if len(l.opts.Cookies) > 0 {
					l.failWith(reason.Mark(fmt.Errorf("%w: the session has expired (Pixiv shows its login form)", ErrNeedsPerson), reason.SessionExpired))
				} else {
					l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv shows its login form and no username or password was given", ErrNeedsPerson), reason.NoCredentials))
				}
				return
			case formSubmits > 0 && st.Error != "":
				if l.opts.Visible {
					continue
				}
				l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv refused the username or password (%q)", ErrNeedsPerson, st.Error), reason.WrongPassword))
				return
			case formSubmits >= 3:
				continue // let the stall check end it
			}
			if err := l.fillForm(); err != nil {
				continue
			}
			formSubmits++
			lastAction = time.Now()
			l.touch()
			l.logf("login form filled and submitted")
			l.progress(StepFormFilled, time.Now())
		case pageOTP:
			switch {
			case l.opts.TOTPSecret == "":
				if l.opts.Visible {
					continue
				}
				l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv asks for a one-time code (two-factor login)", ErrNeedsPerson), reason.OneTimeCode))
				return
			case otpSubmits > 0 && st.Error != "":
				if l.opts.Visible {
					continue
				}
				l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv refused the one-time code", ErrNeedsPerson), reason.WrongCode))
				return
			case otpSubmits >= 3:
				continue
			}
			if err := l.fillOTP(); err != nil {
				if errors.Is(err, ErrNeedsPerson) { // a secret that makes no code
					l.failWith(err)
					return
				}
				continue
			}
			otpSubmits++
			lastAction = time.Now()
			l.touch()
			l.logf("one-time code submitted")
		case pageNetErr, pageBlocked, pageCFCheck:
			if l.opts.Visible {
				continue // the person can reload
			}
			l.failWith(l.loadFailure(st.Kind))
			return
		case pageCaptcha:
			if l.opts.Visible {
				continue
			}
			l.failWith(reason.Mark(fmt.Errorf("%w: Pixiv shows a captcha, which pixivauth does not answer", ErrNeedsPerson), reason.Captcha))
			return
		}
		if !l.opts.Visible && l.sinceProgress() > l.opts.StallTimeout {
			saved := l.saveFailure()
			l.failWith(reason.Mark(fmt.Errorf("%w: the headless login made no progress for %s on %s (%s)%s", ErrStalled, l.opts.StallTimeout.Round(time.Second), l.LastURL(), st.Kind.describe(), saved), reason.Stalled))
			return
		}
	}
}

// loadFailure explains a page that did not load: the browser's network
// error, or Cloudflare's block. Either ends a headless login at once.
func (l *Login) loadFailure(kind pageKind) error {
	saved := l.saveFailure()
	if kind == pageCFCheck {
		return reason.Mark(fmt.Errorf("%w: Pixiv's Cloudflare front asks the browser on %s to prove it is a person (\"Just a moment...\"), which a headless browser cannot: try again later or from another network, or log in once with a window%s", ErrStalled, l.LastURL(), saved), reason.Blocked)
	}
	if kind == pageBlocked {
		return reason.Mark(fmt.Errorf("%w: Pixiv (Cloudflare) blocked the browser on %s: try again later, or from another network%s", ErrStalled, l.LastURL(), saved), reason.Blocked)
	}
	l.mu.Lock()
	netErr, failedURL := l.netError, l.netErrorURL
	l.mu.Unlock()
	if netErr == "" {
		netErr = "a network error"
	}
	if failedURL == "" {
		failedURL = l.LastURL()
	}
	return reason.Mark(fmt.Errorf("%w: the browser could not load %s (%s): check the network or proxy, then try again%s", ErrStalled, failedURL, netErr, saved), reason.Unreachable)
}

func (l *Login) pageState() (pageState, error) {
	raw, err := chromedp.Run(l.tab, chromedp.Evaluate[string](classifyJS()))
	if err != nil {
		return pageState{}, err
	}
	var st pageState
	err = json.Unmarshal([]byte(raw), &st)
	return st, err
}

// fillForm types the credentials as a person would, key by key, and
// presses the form's own submit button.
func (l *Login) fillForm() error {
	return chromedp.Do(l.tab,
		chromedp.Clear(chromedp.CSS(pixiv.UsernameInput)),
		chromedp.Click(chromedp.CSS(pixiv.UsernameInput)),
		chromedp.SendKeys(chromedp.CSS(pixiv.UsernameInput), l.opts.Username),
		chromedp.Clear(chromedp.CSS(pixiv.PasswordInput)),
		chromedp.Click(chromedp.CSS(pixiv.PasswordInput)),
		chromedp.SendKeys(chromedp.CSS(pixiv.PasswordInput), l.opts.Password),
		chromedp.Click(chromedp.JSPath(submitJS(pixiv.PasswordInput))),
	)
}

func (l *Login) fillOTP() error {
	code, err := TOTPCode(l.opts.TOTPSecret, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNeedsPerson, err)
	}
	return chromedp.Do(l.tab,
		chromedp.Clear(chromedp.CSS(pixiv.OTPInput)),
		chromedp.Click(chromedp.CSS(pixiv.OTPInput)),
		chromedp.SendKeys(chromedp.CSS(pixiv.OTPInput), code),
		chromedp.Click(chromedp.JSPath(submitJS(pixiv.OTPInput))),
	)
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
	if dir == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(l.tab, 5*time.Second)
	defer cancel()
	// Each failure replaces the last one's evidence.
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o600)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		html = hiddenValue.ReplaceAllString(RedactQuery(html), `${1}""`)
		os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "url.txt"), []byte(l.LastURL()+"\n"), 0o600)
	return "; saved a screenshot and the page in " + dir
}
