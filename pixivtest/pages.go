package pixivtest

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Names of the fields the double's forms post. Pixiv's own pages post JSON
// from scripts; the double's post plain forms so that they work with plain
// HTTP too. A browser driver finds the inputs by the pixiv package's
// selectors (autocomplete attributes), never by these names.
const (
	fieldLoginID    = "login_id"
	fieldPassword   = "password"
	fieldOTP        = "otp"
	fieldLoginToken = "login_token" // the login waiting for its one-time code
)

// pageData is what every page template may use.
type pageData struct {
	Title string
	// Decoys are URLs the page fires requests at (SetDecoys).
	Decoys []string
	// Auto, when set, is the person the page acts as (WithAutoLogin,
	// WithAutoSelect).
	Auto *autoFill

	// Action is where a form posts; ReturnTo its return_to.
	Action, ReturnTo string
	// Error is a message the login form or one-time-code page shows in
	// an element matching pixiv.LoginError.
	Error string
	// LoginToken is the login waiting for its one-time code.
	LoginToken string
	// Account and TT are account selection's.
	Account Account
	TT      string
	// Next is where post-redirect sends the browser, unless NoRedirect.
	Next       string
	NoRedirect bool
	// Status and Message are an error page's.
	Status  int
	Message string
}

// autoFill is what a page's script types and clicks, after DelayMS.
type autoFill struct {
	DelayMS int64  `json:"delay_ms"`
	Fields  []fill `json:"fields"`
	// Button is a selector for the button to click; ButtonText, if set,
	// picks the button by its label instead.
	Button     string `json:"button"`
	ButtonText string `json:"button_text"`
}

type fill struct {
	Selector string `json:"selector"`
	Value    string `json:"value"`
}

func newAutoFill(delay time.Duration, fields ...fill) *autoFill {
	return &autoFill{DelayMS: delay.Milliseconds(), Fields: fields, Button: pixiv.SubmitButton}
}

const layout = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<div id="wrapper">
{{template "content" .}}
</div>
{{- if .Decoys}}
{{range .Decoys}}<img class="decoy" alt="" width="1" height="1" src="{{.}}">
{{end -}}
<script>
window.pixivtestDecoys = [{{range .Decoys}}
  fetch({{.}}, {mode: "no-cors", credentials: "omit"}).catch(function () {}),{{end}}
];
</script>
{{- end}}
{{- if .Auto}}
<script>
(function () {
  var auto = {{.Auto}};
  setTimeout(function () {
    (auto.fields || []).forEach(function (f) {
      var el = document.querySelector(f.selector);
      if (!el) { return; }
      el.focus();
      el.value = "";
      Array.from(f.value).forEach(function (ch) {
        el.value += ch;
        el.dispatchEvent(new InputEvent("input", {bubbles: true, data: ch, inputType: "insertText"}));
      });
      el.dispatchEvent(new Event("change", {bubbles: true}));
    });
    var button = null;
    document.querySelectorAll(auto.button).forEach(function (b) {
      if (!button && (!auto.button_text || b.textContent.trim() === auto.button_text)) { button = b; }
    });
    if (button) { button.click(); }
  }, auto.delay_ms);
})();
</script>
{{- end}}
{{block "tail" .}}{{end}}
</body>
</html>
`

// loginForm is the login page without a session. The inputs match
// pixiv.UsernameInput, pixiv.PasswordInput and pixiv.SubmitButton; an error
// matches pixiv.LoginError.
const loginForm = `{{define "content"}}<main id="login" class="login">
<h1>Log in to pixiv</h1>
<form id="login-form" class="login-form" method="post" action="{{.Action}}">
<input type="hidden" name="` + pixiv.ReturnToParam + `" value="{{.ReturnTo}}">
{{- if .Error}}
<div class="error-msg" role="alert">{{.Error}}</div>
{{- end}}
<fieldset>
<label>E-mail address or pixiv ID <input type="text" name="` + fieldLoginID + `" autocomplete="username" placeholder="E-mail address or pixiv ID"></label>
<label>Password <input type="password" name="` + fieldPassword + `" autocomplete="current-password" placeholder="Password"></label>
</fieldset>
<button type="submit">Log In</button>
</form>
</main>{{end}}`

// otpForm asks for the one-time code; the input matches pixiv.OTPInput.
const otpForm = `{{define "content"}}<main id="two-factor" class="login">
<h1>Two-step verification</h1>
<p>Enter the 6-digit verification code from your authenticator app.</p>
<form id="otp-form" class="login-form" method="post" action="{{.Action}}">
<input type="hidden" name="` + pixiv.ReturnToParam + `" value="{{.ReturnTo}}">
<input type="hidden" name="` + fieldLoginToken + `" value="{{.LoginToken}}">
{{- if .Error}}
<div class="error-msg" role="alert">{{.Error}}</div>
{{- end}}
<label>Verification code <input type="text" name="` + fieldOTP + `" inputmode="numeric" maxlength="6" autocomplete="one-time-code" placeholder="Verification code"></label>
<button type="submit">Verify</button>
</form>
</main>{{end}}`

// captchaPage is the challenge a submit can meet instead of a login; it
// matches pixiv.CaptchaFrame. Nothing on it can be solved without a person
// and Google, neither of which a test has.
const captchaPage = `{{define "content"}}<main id="login" class="login">
<h1>Log in to pixiv</h1>
<p>Please complete the security check to continue.</p>
<div id="recaptcha" class="g-recaptcha" data-sitekey="pixivtest-recaptcha" data-size="normal"></div>
</main>{{end}}`

// selectPage is account selection: it never moves on by itself (Pixiv's
// does not); its button posts return_to and tt to account-selected.
const selectPage = `{{define "content"}}<main id="account-selection" class="account-selection">
<h1>Select an account</h1>
<div class="account" data-user-id="{{.Account.ID}}">
<div class="account-name">{{.Account.Name}}</div>
<div class="account-pixiv-id">{{.Account.Account}}</div>
</div>
<form id="account-selected" method="post" action="` + pixiv.AccountSelectedPath + `">
<input type="hidden" name="` + pixiv.ReturnToParam + `" value="{{.ReturnTo}}">
<input type="hidden" name="` + pixiv.CSRFParam + `" value="{{.TT}}">
<button type="submit" class="continue">` + pixiv.ContinueButtonText + `</button>
</form>
</main>
<script>var pixivAccount = {tt: {{.TT}}};</script>{{end}}`

// postRedirectPage sends the browser on to return_to with a script, after
// any decoys it fired have been sent.
const postRedirectPage = `{{define "content"}}<main id="post-redirect">
<p>Redirecting…</p>
</main>{{end}}
{{define "tail"}}{{if not .NoRedirect}}<script>
(function () {
  var next = {{.Next}}, gone = false;
  function go() { if (!gone) { gone = true; location.replace(next); } }
  if (window.pixivtestDecoys) {
    Promise.allSettled(window.pixivtestDecoys).then(go);
    setTimeout(go, 2000);
  } else {
    go();
  }
})();
</script>{{end}}{{end}}`

const errorPage = `{{define "content"}}<main id="error">
<h1>{{.Status}} {{.Title}}</h1>
<p id="error-message">{{.Message}}</p>
</main>{{end}}`

// pages are the double's page templates, parsed once; they are never
// changed after.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("layout").Parse(layout))
	out := map[string]*template.Template{}
	for name, content := range map[string]string{
		"login":         loginForm,
		"otp":           otpForm,
		"captcha":       captchaPage,
		"select":        selectPage,
		"post-redirect": postRedirectPage,
		"error":         errorPage,
	} {
		out[name] = template.Must(template.Must(base.Clone()).Parse(content))
	}
	return out
}()

// render writes one of pages with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	s.mu.Lock()
	if s.decoys {
		d.Decoys = DecoyURLs()
	}
	s.mu.Unlock()
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, d); err != nil {
		http.Error(w, "pixivtest: rendering "+name+": "+err.Error(), http.StatusInternalServerError)
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
	s.render(w, status, "error", pageData{Title: http.StatusText(status), Status: status, Message: message})
}
