package httplogin

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"regexp"
	"strings"

	"github.com/pixivauth/pixivauth/pixiv"
)

// initConfig is the data of an accounts page: its init-config input (or
// data-props attribute), as JSON.
type initConfig struct {
	m    map[string]any
	body []byte // the page it came from
}

// errNoInitConfig: the page carries no init-config that is a JSON object.
var errNoInitConfig = errors.New("the page carries no init-config data")

// parsePage finds a page's init-config.
func parsePage(body []byte) (*initConfig, error) {
	raw, ok := "", false
	for _, t := range scanTags(body) {
		if v, has := t.attr("id"); has && v.value == pixiv.InitConfigID {
			if val, has := t.attr("value"); has {
				raw, ok = val.value, true
				break
			}
		}
	}
	if !ok {
		for _, t := range scanTags(body) {
			if v, has := t.attr(pixiv.DataPropsAttr); has {
				raw, ok = v.value, true
				break
			}
		}
	}
	if !ok {
		return nil, errNoInitConfig
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, errNoInitConfig
	}
	return &initConfig{m: m, body: body}, nil
}

// lookup finds pixivAccount's key, written flat ("pixivAccount.tt") or
// nested ({"pixivAccount":{"tt":…}}).
func (c *initConfig) lookup(key string) (v any, ok bool) {
	if v, ok = c.m[pixiv.InitConfigAccount+"."+key]; ok {
		return v, true
	}
	if acc, isMap := c.m[pixiv.InitConfigAccount].(map[string]any); isMap {
		v, ok = acc[key]
	}
	return v, ok
}

// str is a string value of pixivAccount, or "".
func (c *initConfig) str(key string) string {
	v, _ := c.lookup(key)
	s, _ := v.(string)
	return s
}

// loggedOut reports whether the page says nobody is logged in: its userId
// is null (or empty).
func (c *initConfig) loggedOut() bool {
	v, ok := c.lookup(pixiv.ConfigUserID)
	if !ok {
		return false
	}
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == "" || v == "0"
	case json.Number:
		return v.String() == "0"
	}
	return false
}

// looksLikeLoginForm reports whether a page without init-config is still the
// login form: it has a password input.
func looksLikeLoginForm(body []byte) bool {
	return bytes.Contains(body, []byte(`current-password`))
}

// Kinds of Cloudflare answers.
const (
	cfBlock     = "block"
	cfChallenge = "challenge"
)

// cloudflare tells Cloudflare's block page and challenge from Pixiv's own
// answers, or returns "".
func cloudflare(resp *http.Response, body []byte) string {
	switch {
	case strings.EqualFold(resp.Header.Get(pixiv.CloudflareMitigatedHeader), "challenge"),
		bytes.Contains(body, []byte(pixiv.CloudflareChallengeMarker)),
		bytes.Contains(body, []byte("<title>"+pixiv.CloudflareChallengeTitle)):
		return cfChallenge
	case bytes.Contains(body, []byte(pixiv.CloudflareBlockMarker)):
		return cfBlock
	}
	return ""
}

// tag is a start tag of a page, with its attributes.
type tag struct {
	name  string
	attrs []attr
}

// attr is an attribute; start and end delimit its raw value in the page.
type attr struct {
	name       string
	value      string // unescaped
	start, end int
}

func (t tag) attr(name string) (attr, bool) {
	for _, a := range t.attrs {
		if a.name == name {
			return a, true
		}
	}
	return attr{}, false
}

// scanTags reads every start tag of an HTML page, attribute by attribute,
// so that a '>' inside a quoted value (JSON holds them) does not end the
// tag. It is not a whole HTML parser: comments and scripts are read as text,
// which is enough for the accounts pages' hidden inputs.
func scanTags(b []byte) []tag {
	var tags []tag
	for i := 0; i < len(b); i++ {
		if b[i] != '<' || i+1 >= len(b) || !isLetter(b[i+1]) {
			continue
		}
		j := i + 1
		for j < len(b) && !isSpace(b[j]) && b[j] != '>' && b[j] != '/' {
			j++
		}
		t := tag{name: strings.ToLower(string(b[i+1 : j]))}
		for j < len(b) {
			for j < len(b) && (isSpace(b[j]) || b[j] == '/') {
				j++
			}
			if j >= len(b) || b[j] == '>' {
				break
			}
			k := j
			for k < len(b) && !isSpace(b[k]) && b[k] != '=' && b[k] != '>' && b[k] != '/' {
				k++
			}
			a := attr{name: strings.ToLower(string(b[j:k])), start: k, end: k}
			for k < len(b) && isSpace(b[k]) {
				k++
			}
			if k < len(b) && b[k] == '=' {
				k++
				for k < len(b) && isSpace(b[k]) {
					k++
				}
				if k < len(b) && (b[k] == '"' || b[k] == '\'') {
					q := b[k]
					end := bytes.IndexByte(b[k+1:], q)
					if end < 0 {
						end = len(b) - k - 1
					}
					a.start, a.end = k+1, k+1+end
					k = a.end + 1
				} else {
					a.start = k
					for k < len(b) && !isSpace(b[k]) && b[k] != '>' {
						k++
					}
					a.end = k
				}
				a.value = html.UnescapeString(string(b[a.start:a.end]))
			}
			if k == j {
				k++ // a stray character: never loop on it
			}
			t.attrs = append(t.attrs, a)
			j = k
		}
		tags = append(tags, t)
		i = j
	}
	return tags
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// queryValue matches the value of a query parameter in a URL, wherever the
// URL appears (the same rule as capture.RedactQuery).
var queryValue = regexp.MustCompile(`([?&;][A-Za-z0-9_.\-%\[\]]+=)[^&;#\s"'<>]+`)

// redactQuery removes every query value from the URLs in s, keeping names.
func redactQuery(s string) string { return queryValue.ReplaceAllString(s, "${1}…") }

// redactURL is a URL fit for a log line or an error.
func redactURL(u string) string { return redactQuery(u) }

// plainCode matches an OAuth error code as RFC 6749 spells them.
var plainCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// redactValue keeps an error code from a URL only if it looks like one.
func redactValue(v string) string {
	if plainCode.MatchString(v) {
		return v
	}
	return "…"
}
