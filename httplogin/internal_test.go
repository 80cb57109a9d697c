package httplogin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/session"
)

func TestParsePage(t *testing.T) {
	cases := []struct {
		name, page    string
		tt, cont      string
		loggedOut, ok bool
	}{
		{name: "nested, single quotes, a > in a value",
			page: `<html><body><input type="hidden" id="init-config" class="json-data" value='{"pixivAccount":{"tt":"abc123","userId":"11111111","continueWithCurrentAccountUrl":"https://app-api.pixiv.net/x?a=1&amp;b=2","note":"a > b"}}'><div id="root"></div></body></html>`,
			tt:   "abc123", cont: "https://app-api.pixiv.net/x?a=1&b=2", ok: true},
		{name: "flat keys, double quotes escaped",
			page: `<input id="init-config" type="hidden" value="{&quot;pixivAccount.tt&quot;:&quot;t1&quot;,&quot;pixivAccount.userId&quot;:null}">`,
			tt:   "t1", loggedOut: true, ok: true},
		{name: "data-props only",
			page: `<div id="root" data-props='{"pixivAccount":{"tt":"t2","userId":null}}'></div>`,
			tt:   "t2", loggedOut: true, ok: true},
		{name: "numeric user id", page: `<input id=init-config value='{"pixivAccount":{"userId":11111111}}'>`, ok: true},
		{name: "no init-config", page: `<html><body><form><input type="password" autocomplete="current-password"></form></body></html>`},
		{name: "not JSON", page: `<input id="init-config" value="{oops">`},
		{name: "unterminated", page: `<input id="init-config" value='{"pixivAccount":`},
		{name: "empty", page: ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parsePage([]byte(c.page))
			if (err == nil) != c.ok {
				t.Fatalf("parsePage: %v, want ok=%v", err, c.ok)
			}
			if !c.ok {
				return
			}
			if got := cfg.str(pixiv.ConfigTT); got != c.tt {
				t.Errorf("tt %q, want %q", got, c.tt)
			}
			if got := cfg.str(pixiv.ConfigContinueURL); got != c.cont {
				t.Errorf("continue URL %q, want %q", got, c.cont)
			}
			if got := cfg.loggedOut(); got != c.loggedOut {
				t.Errorf("loggedOut %v, want %v", got, c.loggedOut)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`<input type="hidden" id="init-config" value='{"pixivAccount":{"tt":"x"}}'>`))
	f.Add([]byte(`<div data-props="{&quot;a&quot;:1}"`))
	f.Add([]byte(`<a b='`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parsePage(b)
		out := redactPage(b)
		if cfg, err := parsePage(out); err == nil {
			if tt := cfg.str(pixiv.ConfigTT); tt != "" && tt != "…" {
				t.Errorf("a redacted page still holds a tt %q", tt)
			}
		}
	})
}

func TestRedactPage(t *testing.T) {
	page := `<html><input type="hidden" name="post_key" value="secretkey1"><input type="hidden" id="init-config" value='{"pixivAccount":{"tt":"secrettt","userId":"1","n":3,"l":["x"]}}'><a href="/x?return_to=https%3A%2F%2Fa">x</a></html>`
	out := string(redactPage([]byte(page)))
	for _, s := range []string{"secretkey1", "secrettt"} {
		if strings.Contains(out, s) {
			t.Errorf("%q survives in %s", s, out)
		}
	}
	if !strings.Contains(out, `pixivAccount`) || !strings.Contains(out, `&#34;n&#34;:3`) {
		t.Errorf("the init-config's keys are gone: %s", out)
	}
}

func TestJarKeepsWhatPixivSets(t *testing.T) {
	old := session.Cookie{Name: pixiv.SessionCookie, Value: "1_old", Domain: pixiv.CookieDomain, Path: "/", Secure: true, HTTPOnly: true}
	other := session.Cookie{Name: "p_ab_id", Value: "5", Domain: pixiv.CookieDomain, Path: "/"}
	j, err := newJar([]session.Cookie{old, other, {Name: "x", Value: "y", Domain: ".example.com", Path: "/"}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://accounts.pixiv.net/account-selected")
	j.SetCookies(u, []*http.Cookie{
		{Name: pixiv.SessionCookie, Value: "1_new", Domain: "pixiv.net", Path: "/", MaxAge: 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: pixiv.DeviceTokenCookie, Value: "dt", Domain: ".pixiv.net", Path: "/", Secure: true},
		{Name: "p_ab_id", Value: "", Domain: ".pixiv.net", Path: "/", MaxAge: -1},
		{Name: "host_only", Value: "h"},
	})
	got := map[string]session.Cookie{}
	for _, c := range j.cookies() {
		got[c.Name] = c
	}
	if c := got[pixiv.SessionCookie]; c.Value != "1_new" || c.Domain != pixiv.CookieDomain || c.Expires.Before(time.Now().Add(time.Hour-time.Minute)) || c.SameSite != "Lax" {
		t.Errorf("the rotated session is kept as %+v", c)
	}
	if c := got[pixiv.DeviceTokenCookie]; c.Value != "dt" {
		t.Errorf("device_token is kept as %+v", c)
	}
	if _, ok := got["p_ab_id"]; ok {
		t.Errorf("a deleted cookie is kept")
	}
	if _, ok := got["x"]; ok {
		t.Errorf("another site's cookie is kept")
	}
	if c := got["host_only"]; c.Domain != "accounts.pixiv.net" || c.Path != "/" {
		t.Errorf("a host-only cookie is kept as %+v", c)
	}
	sent := j.Cookies(&url.URL{Scheme: "https", Host: "oauth.secure.pixiv.net", Path: "/auth/authorize"})
	if len(sent) != 2 {
		t.Errorf("oauth gets %v, want the session and device_token", sent)
	}
}

// An export can hold a live session cookie and an expired one of the same
// name after it: the expired one must not delete the live one.
func TestJarDropsExpiredCookies(t *testing.T) {
	live := session.Cookie{Name: pixiv.SessionCookie, Value: "1_live", Domain: pixiv.CookieDomain, Path: "/",
		Expires: time.Now().Add(time.Hour), Secure: true, HTTPOnly: true}
	dead := live
	dead.Value, dead.Expires = "1_dead", time.Now().Add(-time.Hour)
	for _, order := range [][]session.Cookie{{live, dead}, {dead, live}} {
		j, err := newJar(order)
		if err != nil {
			t.Fatal(err)
		}
		sent := j.Cookies(&url.URL{Scheme: "https", Host: "accounts.pixiv.net", Path: "/login"})
		if len(sent) != 1 || sent[0].Value != "1_live" {
			t.Errorf("with %s first, the jar sends %v; want the live session", order[0].Value, sent)
		}
		if kept := j.cookies(); len(kept) != 1 || kept[0].Value != "1_live" {
			t.Errorf("with %s first, the jar keeps %v", order[0].Value, kept)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	got := redactURL("https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?state=s3cret&code=c0de")
	if strings.Contains(got, "s3cret") || strings.Contains(got, "c0de") || !strings.Contains(got, "code=…") {
		t.Errorf("redactURL: %s", got)
	}
}
