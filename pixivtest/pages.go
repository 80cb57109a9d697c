package pixivtest

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Pixiv's accounts pages of 2025–2026 are single-page apps: the HTML holds
// the page's data as JSON in <input id="init-config">, and a script draws
// the visible page from it after load. The double's pages do the same,
// with one script (appJS) for every view; which view it draws follows from
// init-config (a userId and a continue URL: account selection; none: the
// login form; returnTo alone: post-redirect) and from the JSON answers of
// the login XHRs (two-factor, e-mailed code, captcha).

// view is what the page's script draws first. It is the double's own
// choice of layout, not data Pixiv sends: Pixiv's script derives it.
type view string

const (
	viewLogin        view = "login"
	viewSelect       view = "select"
	viewPostRedirect view = "post-redirect"
	viewPrompt       view = "prompt"
	viewError        view = "error"
)

// pageData is what the page template uses.
type pageData struct {
	Title string
	Lang  string
	// Config is the init-config JSON; DataProps repeats it in data-props.
	Config    string
	DataProps bool
	// App is what the script needs that Pixiv's script has built in.
	App appData
	// Badge is the invisible reCAPTCHA score frame's URL; empty on pages
	// that do not load it.
	Badge string
	// Decoys are URLs the page fires requests at (SetDecoys).
	Decoys []string
	// Status and Message are an error page's.
	Status  int
	Message string
}

// appData is handed to the page script.
type appData struct {
	View         view   `json:"view"`
	Text         text   `json:"text"`
	UsernameStep bool   `json:"username_first"`
	NoRedirect   bool   `json:"no_redirect"`
	Prompt       string `json:"prompt,omitempty"` // passkey, two-factor
	AccountName  string `json:"account_name,omitempty"`
	Checkbox     string `json:"checkbox"` // the visible captcha frame's URL
	Paths        struct {
		AccountSelected string `json:"account_selected"`
		AjaxLogin       string `json:"ajax_login"`
		TwoFactor       string `json:"two_factor"`
		EmailCode       string `json:"email_code"`
	} `json:"paths"`
	// Auto, when set, is the person the page acts as (WithAutoLogin,
	// WithAutoSelect).
	Auto *autoFill `json:"auto,omitempty"`
}

// autoFill is what a page's script types and clicks, after DelayMS.
type autoFill struct {
	DelayMS  int64  `json:"delay_ms"`
	Login    string `json:"login,omitempty"`
	Password string `json:"password,omitempty"`
	Select   bool   `json:"select,omitempty"`
}

func newAutoFill(delay time.Duration) *autoFill { return &autoFill{DelayMS: delay.Milliseconds()} }

// pixivAccount is init-config's pixivAccount, with Pixiv's key names.
type pixivAccount struct {
	TT                            string  `json:"tt"`
	UserID                        *string `json:"userId"`
	ContinueWithCurrentAccountURL string  `json:"continueWithCurrentAccountUrl"`
	ReturnTo                      string  `json:"returnTo"`
	PostKey                       string  `json:"postKey"`
	Source                        string  `json:"source"`
	Ref                           string  `json:"ref"`
	Lang                          string  `json:"lang"`
}

type initConfig struct {
	PixivAccount                       pixivAccount `json:"pixivAccount"`
	RecaptchaEnterpriseScoreSiteKey    string       `json:"recaptchaEnterpriseScoreSiteKey"`
	RecaptchaEnterpriseScoreAction     string       `json:"recaptchaEnterpriseScoreAction"`
	RecaptchaEnterpriseCheckboxSiteKey string       `json:"recaptchaEnterpriseCheckboxSiteKey"`
}

// Site keys of the double's reCAPTCHA frames (Pixiv's are not needed:
// nothing reaches Google).
const (
	scoreSiteKey    = "6LpixivtestScoreKey000000000000000000000"
	checkboxSiteKey = "6LpixivtestCheckboxKey000000000000000000"
	scoreAction     = "accounts/login"
)

func recaptchaURL(key, size, lang string) string {
	return "https://" + pixiv.RecaptchaHost + pixiv.RecaptchaAnchorPath + "?ar=1&k=" + key +
		"&co=aHR0cHM6Ly9hY2NvdW50cy5waXhpdi5uZXQ6NDQz&hl=" + lang + "&v=pixivtest&size=" + size + "&cb=" + randomAlnum(12)
}

const layout = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px system-ui,sans-serif;margin:0;color:#1f1f1f}
#root{max-width:22em;margin:8vh auto;padding:0 1em}
input:not([type=hidden]){display:block;width:100%;box-sizing:border-box;margin:.4em 0;padding:.5em}
button{display:block;width:100%;margin:.6em 0;padding:.6em;border:0;border-radius:999px;background:#0096fa;color:#fff;font-size:15px;cursor:pointer}
button.secondary{background:#eee;color:#333}
[role=alert]{color:#c00;margin:.5em 0}
</style>
</head>
<body>
{{if .Config}}<input type="hidden" id="` + pixiv.InitConfigID + `" class="json-data" value='{{.Config}}'>{{end}}
<div id="root"{{if .DataProps}} ` + pixiv.DataPropsAttr + `="{{.Config}}"{{end}}>{{if .Message}}<main id="error"><h1>{{.Status}} {{.Title}}</h1><p id="error-message">{{.Message}}</p></main>{{end}}</div>
{{- if .Badge}}
<div class="grecaptcha-badge" data-style="bottomright" style="width:256px;height:60px;display:block;transition:right .3s ease 0s;position:fixed;bottom:14px;right:-186px;box-shadow:gray 0 0 5px;border-radius:2px;overflow:hidden"><div class="grecaptcha-logo"><iframe title="reCAPTCHA" width="256" height="60" role="presentation" name="a-pixivtest" frameborder="0" scrolling="no" sandbox="allow-forms allow-popups allow-same-origin allow-scripts allow-top-navigation allow-modals allow-popups-to-escape-sandbox allow-storage-access-by-user-activation" src="{{.Badge}}"></iframe></div><div class="grecaptcha-error"></div></div>
{{- end}}
{{- if .Decoys}}
{{range .Decoys}}<img class="decoy" alt="" width="1" height="1" src="{{.}}">
{{end -}}
<script>
window.pixivtestDecoys = [{{range .Decoys}}
  fetch({{.}}, {mode: "no-cors", credentials: "omit"}).catch(function () {}),{{end}}
];
</script>
{{- end}}
{{- if ne .App.View "error"}}
<script>window.pixivtestApp = {{.App}};</script>
<script>` + appJS + `</script>
{{- end}}
</body>
</html>
`

// appJS draws the page from init-config after load and does what Pixiv's
// scripts do: account selection's button POSTs account-selected (no form
// around it in the page), the login form posts by XHR and follows the JSON
// answer, post-redirect POSTs to returnTo with via=login.
const appJS = `
(function () {
  "use strict";
  var app = window.pixivtestApp, T = app.text;
  var input = document.getElementById("` + pixiv.InitConfigID + `");
  var cfg = JSON.parse(input ? input.value : document.getElementById("root").getAttribute("` + pixiv.DataPropsAttr + `"));
  var acc = cfg.pixivAccount || {};
  var root = document.getElementById("root");

  function h(tag, props, kids) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "on") { Object.keys(props.on).forEach(function (ev) { e.addEventListener(ev, props.on[ev]); }); }
      else if (k === "text") { e.textContent = props.text; }
      else { e.setAttribute(k, props[k]); }
    });
    (kids || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }
  function show(node) { root.textContent = ""; root.appendChild(node); }
  // navigate POSTs fields to url as a document navigation, the way the
  // React app does it: a form made for the occasion, never in the page.
  function navigate(url, fields) {
    var f = h("form", {method: "post", action: url, style: "display:none"});
    Object.keys(fields).forEach(function (k) { f.appendChild(h("input", {type: "hidden", name: k, value: fields[k]})); });
    document.body.appendChild(f);
    f.submit();
  }
  function ajax(path, fields) {
    return fetch(path + "?lang=" + encodeURIComponent(T.lang), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "application/json"},
      body: new URLSearchParams(fields).toString()
    }).then(function (r) { return r.json(); });
  }
  function later(f) { if (app.auto) { setTimeout(f, app.auto.delay_ms); } }
  function type(el, value) {
    el.focus(); el.value = value;
    el.dispatchEvent(new InputEvent("input", {bubbles: true, data: value, inputType: "insertText"}));
  }

  function selectView() {
    var cont = h("button", {type: "button", "class": "continue", text: T.continue, on: {click: function () {
      navigate(app.paths.account_selected, {return_to: acc.continueWithCurrentAccountUrl, tt: acc.tt});
    }}});
    show(h("main", {id: "account-selection"}, [
      h("h1", {text: T.select_title}),
      h("div", {"class": "account", "data-user-id": String(acc.userId)}, [h("div", {"class": "account-name", text: app.account_name || ""})]),
      cont,
      h("button", {type: "button", "class": "secondary", text: T.other, on: {click: function () { loginView(); }}})
    ]));
    if (app.auto && app.auto.select) { later(function () { cont.click(); }); }
  }

  var captchaShown = false;
  function loginView() {
    var err = h("div", {role: "alert", style: "display:none"});
    var user = h("input", {type: "text", name: "login_id", autocomplete: "username webauthn", placeholder: T.username});
    var pass = h("input", {type: "password", name: "password", autocomplete: "current-password", placeholder: T.password});
    var button = h("button", {type: "submit", text: app.username_first ? T.next : T.log_in});
    var box = h("div", {"class": "recaptcha-checkbox", style: "display:none"});
    var step = app.username_first ? 1 : 2;
    var form = h("form", {id: "login-form", novalidate: ""}, [err, user, app.username_first ? null : pass, box, button]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (step === 1) {
        if (!user.value) { return; }
        step = 2; user.style.display = "none";
        form.insertBefore(pass, box); button.textContent = T.log_in; pass.focus();
        later(function () { type(pass, app.auto.password); button.click(); });
        return;
      }
      button.disabled = true;
      ajax(app.paths.ajax_login, {
        login_id: user.value, password: pass.value, source: acc.source || "", app_ios: "0", ref: acc.ref || "",
        return_to: acc.returnTo || "", g_recaptcha_response: captchaShown ? "pixivtest-unsolved" : "",
        recaptcha_enterprise_score_token: "pixivtest-score-" + Math.random().toString(36).slice(2), tt: acc.tt
      }).then(function (a) {
        button.disabled = false;
        answer(a, function (msgs, captcha) {
          err.textContent = msgs.join(" "); err.style.display = "";
          pass.value = "";
          if (captcha && !captchaShown) {
            captchaShown = true;
            box.appendChild(h("iframe", {title: "reCAPTCHA", width: "304", height: "78", frameborder: "0", src: app.checkbox}));
            box.style.display = "";
          }
        });
      }, function () { button.disabled = false; err.textContent = "Network error"; err.style.display = ""; });
    });
    show(h("main", {id: "login"}, [h("h1", {text: T.login_title}), form]));
    if (app.auto && app.auto.login) {
      later(function () { type(user, app.auto.login); if (step === 2) { type(pass, app.auto.password); } button.click(); });
    }
  }

  function codeView(kind, a) {
    var err = h("div", {role: "alert", style: "display:none"});
    var code = h("input", {type: "text", name: "code", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", placeholder: T.code});
    var button = h("button", {type: "submit", text: T.verify});
    var form = h("form", {id: kind + "-form", novalidate: ""}, [err, code, button]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      ajax(kind === "email" ? app.paths.email_code : app.paths.two_factor, {code: code.value, tt: acc.tt}).then(function (b) {
        answer(b, function (msgs) { err.textContent = msgs.join(" "); err.style.display = ""; code.value = ""; });
      });
    });
    show(h("main", {id: kind === "email" ? "email-verification" : "two-factor"}, [
      h("p", {text: kind === "email" ? T.email_code : T.two_factor}), form]));
    var auto = a && a.body && a.body.pixivtest_code;
    if (app.auto && auto) { later(function () { type(code, auto); button.click(); }); }
  }

  // answer follows a login XHR's JSON answer.
  function answer(a, refused) {
    var b = (a && a.body) || {};
    if (b.` + pixiv.AnswerSuccess + `) { location.href = b.success.return_to || b.success.returnTo; return; }
    if (b.` + pixiv.AnswerTwoFactor + `) { codeView("two-factor", a); return; }
    if (b.` + pixiv.AnswerEmailCode + `) { codeView("email", a); return; }
    var v = b.` + pixiv.AnswerValidationErrors + ` || {};
    var msgs = Object.keys(v).map(function (k) { return v[k]; });
    if (a && a.error) { msgs.push(a.message || "Error"); }
    refused(msgs, "` + pixiv.ValidationCaptcha + `" in v);
  }

  function postRedirectView() {
    show(h("main", {id: "post-redirect"}, [h("p", {text: T.redirecting})]));
    if (app.no_redirect) { return; }
    var next = acc.returnTo + (acc.returnTo.indexOf("?") < 0 ? "?" : "&") + "` + pixiv.ViaParam + `=` + pixiv.ViaLogin + `";
    var gone = false;
    function go() { if (!gone) { gone = true; navigate(next, {}); } }
    if (window.pixivtestDecoys) { Promise.allSettled(window.pixivtestDecoys).then(go); setTimeout(go, 2000); } else { go(); }
  }

  function promptView() {
    var two = app.prompt === "two-factor";
    var skip = h("button", {type: "button", "class": "secondary", text: two ? T.skip : T.later, on: {click: function () {
      location.href = acc.returnTo;
    }}});
    show(h("main", {id: "setup-prompt"}, [
      h("h1", {text: two ? T.two_factor_setup_title : T.passkey_title}),
      h("button", {type: "button", text: T.set_up, on: {click: function () {}}}),
      skip
    ]));
    if (app.auto) { later(function () { skip.click(); }); }
  }

  function draw() {
    switch (app.view) {
    case "select": selectView(); break;
    case "login": loginView(); break;
    case "post-redirect": postRedirectView(); break;
    case "prompt": promptView(); break;
    }
  }
  // Drawn after load, as Pixiv's bundle does once it has run.
  if (document.readyState === "complete") { setTimeout(draw, 0); } else { window.addEventListener("load", function () { setTimeout(draw, 0); }); }
})();
`

// page is the parsed layout; it is never changed after.
var page = template.Must(template.New("layout").Parse(layout))

// renderApp writes an accounts page drawing v from cfg.
func (s *Server) renderApp(w http.ResponseWriter, r *http.Request, title string, v view, acc pixivAccount, app appData) {
	lang := langOf(r, s.cfg.lang)
	app.View = v
	app.Text = s.textFor(lang)
	app.Checkbox = recaptchaURL(checkboxSiteKey, "normal", lang)
	app.Paths.AccountSelected = pixiv.AccountSelectedPath
	app.Paths.AjaxLogin = pixiv.AjaxLoginPath
	app.Paths.TwoFactor = pixiv.TwoFactorPath
	app.Paths.EmailCode = pixiv.EmailCodePath
	acc.Lang = lang
	if acc.Source == "" {
		acc.Source = r.URL.Query().Get("source")
	}
	if acc.Ref == "" {
		acc.Ref = r.URL.Query().Get("ref")
	}
	cfg, _ := json.Marshal(initConfig{
		PixivAccount:                       acc,
		RecaptchaEnterpriseScoreSiteKey:    scoreSiteKey,
		RecaptchaEnterpriseScoreAction:     scoreAction,
		RecaptchaEnterpriseCheckboxSiteKey: checkboxSiteKey,
	})
	d := pageData{Title: title, Lang: lang, Config: string(cfg), DataProps: s.cfg.dataProps, App: app}
	if v == viewLogin || v == viewSelect {
		d.Badge = recaptchaURL(scoreSiteKey, "invisible", lang)
	}
	s.write(w, http.StatusOK, d)
}

func (s *Server) write(w http.ResponseWriter, status int, d pageData) {
	s.mu.Lock()
	if s.decoys && d.Message == "" {
		d.Decoys = DecoyURLs()
	}
	s.mu.Unlock()
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		http.Error(w, "pixivtest: rendering: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage answers with an HTML error page, as Pixiv's hosts do for a bad
// request.
func (s *Server) errorPage(w http.ResponseWriter, status int, message string) {
	s.write(w, status, pageData{Title: http.StatusText(status), Lang: "en", Status: status, Message: message, App: appData{View: viewError}})
}

// recaptchaFrame is what the double serves for reCAPTCHA's frames: the
// invisible score frame and the checkbox, which nobody can solve here.
const recaptchaFrame = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>reCAPTCHA</title>
<style>body{margin:0;font:13px sans-serif;background:#f9f9f9}label{display:flex;align-items:center;gap:8px;padding:24px 12px;border:1px solid #d3d3d3;height:28px}</style></head>
<body><label><input type="checkbox"> I'm not a robot</label></body></html>`

func (s *Server) serveRecaptcha(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != pixiv.RecaptchaAnchorPath {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(recaptchaFrame))
}
