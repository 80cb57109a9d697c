package capture

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/pixivauth/pixivauth/pixiv"
)

// The driver learns what the login tab shows without asking: a script
// installed before any page loads (in an isolated world, out of the page's
// sight) watches the DOM and reports through a binding the moment the
// page's data or the elements that matter change; the JSON answers of the
// login XHRs come from the Network domain.

// watchWorld is the isolated world the watch script runs in; the binding
// exists only there.
const (
	watchWorld   = "pixivauth"
	watchBinding = "pixivauthReport"
)

// point is where an element's centre is, in CSS pixels of the viewport.
type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// pageReport is what the watch script reports: what the page is, from data
// that does not change with language or styling, and where to click.
type pageReport struct {
	// Kind: blocked, challenge, code, form, username, select, skip,
	// redirect, other.
	Kind string `json:"kind"`
	// Config: the page has init-config (or data-props); User: its userId
	// is set; Continue: it has a continue URL.
	Config   bool `json:"config"`
	User     bool `json:"user"`
	Continue bool `json:"continue"`
	// Elements found, by their centre.
	Username *point `json:"username,omitempty"`
	Password *point `json:"password,omitempty"`
	Code     *point `json:"code,omitempty"`
	Submit   *point `json:"submit,omitempty"`
	Button   *point `json:"button,omitempty"` // continue or skip
	// Drawn (account selection): the page shows buttons, so its script
	// has drawn it, whether or not one of them is Button.
	Drawn bool   `json:"drawn,omitempty"`
	URL   string `json:"url"`
}

// watchScript is the script installed on every new document.
func watchScript() string {
	facts, _ := json.Marshal(map[string]any{
		"binding":    watchBinding,
		"initConfig": pixiv.InitConfigID,
		"dataProps":  pixiv.DataPropsAttr,
		"account":    pixiv.InitConfigAccount,
		"userId":     pixiv.ConfigUserID,
		"cont":       pixiv.ConfigContinueURL,
		"returnTo":   pixiv.ConfigReturnTo,
		"username":   pixiv.UsernameInput,
		"password":   pixiv.PasswordInput,
		"code":       pixiv.CodeInput,
		"submit":     pixiv.SubmitButton,
		"clickable":  pixiv.Clickable,
		"frame":      pixiv.RecaptchaFrame,
		"invisible":  pixiv.RecaptchaInvisible,
		"badge":      pixiv.RecaptchaBadge,
		"blocked":    pixiv.CloudflareBlocked,
		"cfcheck":    pixiv.CloudflareChallenge,
		"cftitle":    pixiv.CloudflareChallengeTitle,
		"continue":   pixiv.ContinueLabels(),
		"skip":       pixiv.SkipLabels(),
	})
	return `(function () {
  "use strict";
  if (window.top !== window) { return; }
  var F = ` + string(facts) + `;
  var send = window[F.binding];
  if (typeof send !== "function") { return; }
  var last = "";
  function shown(e) {
    if (!e || !e.isConnected) { return false; }
    var r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) { return false; }
    var s = getComputedStyle(e);
    return s.visibility !== "hidden" && s.display !== "none" && Number(s.opacity) > 0;
  }
  function at(e) {
    var r = e.getBoundingClientRect();
    if (r.bottom > innerHeight || r.top < 0 || r.right > innerWidth || r.left < 0) {
      e.scrollIntoView({block: "center", inline: "center"});
      r = e.getBoundingClientRect();
    }
    return {x: Math.round(r.left + r.width / 2), y: Math.round(r.top + r.height / 2)};
  }
  function first(sel) { var all = document.querySelectorAll(sel); for (var i = 0; i < all.length; i++) { if (shown(all[i])) { return all[i]; } } return null; }
  function config() {
    var raw = null, i = document.getElementById(F.initConfig);
    if (i && i.value) { raw = i.value; } else {
      var p = document.querySelector("[" + F.dataProps + "]");
      raw = p && p.getAttribute(F.dataProps);
    }
    if (!raw) { return null; }
    try { return JSON.parse(raw); } catch (e) { return null; }
  }
  function buttons() {
    return Array.prototype.filter.call(document.querySelectorAll(F.clickable), shown);
  }
  function label(b) { return (b.innerText || b.value || b.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim(); }
  function byLabel(labels) {
    var bs = buttons();
    for (var i = 0; i < labels.length; i++) {
      for (var j = 0; j < bs.length; j++) { if (label(bs[j]) === labels[i]) { return bs[j]; } }
    }
    return null;
  }
  // submitOf is the submit button of the form that holds field.
  function submitOf(field) {
    var f = field.form || field.closest("form");
    var b = f ? f.querySelector(F.submit) : null;
    return shown(b) ? b : first(F.submit);
  }
  // challenge: a reCAPTCHA frame a person must use, never the invisible
  // score frame in its badge.
  function challenge() {
    var fs = document.querySelectorAll(F.frame);
    for (var i = 0; i < fs.length; i++) {
      var f = fs[i], r = f.getBoundingClientRect();
      if ((f.getAttribute("src") || "").indexOf(F.invisible) >= 0 || f.closest(F.badge)) { continue; }
      if (shown(f) && r.width >= 100 && r.height >= 40) { return true; }
    }
    return false;
  }
  function state() {
    var st = {kind: "other", config: false, user: false, "continue": false, url: location.href};
    var cfg = config();
    if (cfg) {
      var acc = cfg[F.account] || {};
      st.config = true;
      st.user = acc[F.userId] !== null && acc[F.userId] !== undefined && acc[F.userId] !== "";
      st["continue"] = !!acc[F.cont];
      if (acc[F.returnTo] && !st.user) { st.kind = "redirect"; }
      if (acc[F.returnTo] && st.user && !st["continue"]) { st.kind = "redirect"; }
    }
    if (first(F.blocked)) { st.kind = "blocked"; return st; }
    // Cloudflare's "Just a moment..." check: no program passes it, so a
    // headless login ends at once rather than after the stall (issue 14).
    if (document.querySelector(F.cfcheck) || document.title.indexOf(F.cftitle) === 0) { st.kind = "blocked"; return st; }
    if (challenge()) { st.kind = "challenge"; return st; }
    var code = first(F.code), pass = first(F.password), user = first(F.username);
    if (code) { st.kind = "code"; st.code = at(code); var s = submitOf(code); if (s) { st.submit = at(s); } return st; }
    if (pass || user) {
      st.kind = pass ? "form" : "username";
      if (user) { st.username = at(user); }
      if (pass) { st.password = at(pass); }
      var b = submitOf(pass || user);
      if (b) { st.submit = at(b); }
      return st;
    }
    if (st.user && st["continue"]) {
      st.kind = "select";
      var c = byLabel(F["continue"]);
      var bs = buttons().filter(function (b) { return b.tagName === "BUTTON"; });
      st.drawn = bs.length > 0;
      if (!c) {
        // The only primary button on the page, if there is just one.
        if (bs.length === 1) { c = bs[0]; }
      }
      if (c) { st.button = at(c); }
      return st;
    }
    var skip = byLabel(F.skip);
    if (skip) { st.kind = "skip"; st.button = at(skip); }
    return st;
  }
  function check() {
    var st;
    try { st = state(); } catch (e) { return; }
    var key = JSON.stringify(st);
    if (key !== last) { last = key; send(key); }
  }
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener("DOMContentLoaded", check);
  window.addEventListener("load", check);
  window.addEventListener("resize", check);
  check();
})();`
}

// armWatch installs the watch script and its binding; it runs before the
// first navigation.
func (l *Login) armWatch(ctx context.Context) error {
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: watchBinding, ExecutionContextName: watchWorld}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: watchScript(), WorldName: watchWorld,
	})
	return err
}

// driveEvent is one thing the driver must look at.
type driveEvent struct {
	report    *pageReport
	answer    *loginAnswer
	docFailed string // a top-level document load failed: net::ERR_…
}

// events is the driver's inbox (Login.watchedEvents): the tab's listener puts, the driver
// takes. It never blocks the listener.
type events struct {
	mu      sync.Mutex
	queue   []driveEvent
	wake    chan struct{}
	xhr     map[network.RequestID]string // login XHRs awaiting their body: path
	docReqs map[network.RequestID]bool   // top-level document loads on Pixiv's hosts
}

func newEvents() *events {
	return &events{wake: make(chan struct{}, 1), xhr: map[network.RequestID]string{}, docReqs: map[network.RequestID]bool{}}
}

func (e *events) put(ev driveEvent) {
	e.mu.Lock()
	e.queue = append(e.queue, ev)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *events) take() []driveEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queue
	e.queue = nil
	return q
}

// loginXHRPath returns the path of a login XHR URL, or "".
func loginXHRPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Hostname(), pixiv.AccountsHost) {
		return ""
	}
	switch u.Path {
	case pixiv.AjaxLoginPath, pixiv.TwoFactorPath, pixiv.EmailCodePath:
		return u.Path
	}
	return ""
}

// watchEvent sees every event of the tab in the tab's own loop (see
// listen): it must return at once and send no command.
func (l *Login) watchEvent(ev any) {
	e := l.watchedEvents
	switch ev := ev.(type) {
	case *runtime.EventBindingCalled:
		if ev.Name != watchBinding {
			return
		}
		var r pageReport
		if json.Unmarshal([]byte(ev.Payload), &r) == nil {
			e.put(driveEvent{report: &r})
		}
	case *network.EventRequestWillBeSent:
		if ev.Type == network.ResourceTypeDocument && string(ev.FrameID) == l.mainFrame() && isPixivURL(ev.Request.URL) {
			e.mu.Lock()
			e.docReqs[ev.RequestID] = true
			e.mu.Unlock()
		}
	case *network.EventResponseReceived:
		if p := loginXHRPath(ev.Response.URL); p != "" {
			e.mu.Lock()
			e.xhr[ev.RequestID] = p
			e.mu.Unlock()
		}
	case *network.EventLoadingFinished:
		e.mu.Lock()
		p, ok := e.xhr[ev.RequestID]
		delete(e.xhr, ev.RequestID)
		delete(e.docReqs, ev.RequestID)
		e.mu.Unlock()
		if ok {
			go l.readAnswer(ev.RequestID, p)
		}
	case *network.EventLoadingFailed:
		e.mu.Lock()
		doc := e.docReqs[ev.RequestID]
		delete(e.docReqs, ev.RequestID)
		delete(e.xhr, ev.RequestID)
		e.mu.Unlock()
		if doc && !ev.Canceled && ev.ErrorText != "net::ERR_ABORTED" {
			e.put(driveEvent{docFailed: ev.ErrorText})
		}
	}
}

// mainFrame is the login tab's main frame: its target's ID.
func (l *Login) mainFrame() string {
	if c := chromedp.FromContext(l.tab); c != nil && c.Target != nil {
		return string(c.Target.TargetID)
	}
	return ""
}

func isPixivURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && pixiv.IsPixivHost(u.Hostname())
}

// readAnswer fetches a finished login XHR's body and hands it to the
// driver.
func (l *Login) readAnswer(id network.RequestID, path string) {
	ctx, cancel := l.callCtx()
	res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	cancel()
	a := loginAnswer{Path: path}
	if err != nil {
		a.Unreadable = true
	} else {
		a = parseAnswer(path, res.Body)
	}
	l.watchedEvents.put(driveEvent{answer: &a})
}
