package httplogin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pixivauth/pixivauth/pixiv"
)

// Files of a saved failure, under Client.LastFailureDir.
const (
	failurePage   = "page.html"    // the answer's body, redacted
	failureAnswer = "response.txt" // the step, request, status and headers
)

// save keeps the answer that ended the login for whoever must adapt
// pixivauth to a new Pixiv page, and returns a note naming the place, or "".
// Query values, the login's secrets (cookie values, tt, code), hidden input
// values and every string of init-config are removed; init-config keeps its
// keys, which is what a changed page needs to be read again.
func (l *login) save(step string, a *answer, body []byte) string {
	dir := l.c.LastFailureDir
	if dir == "" {
		return ""
	}
	// Each failure replaces the last one's evidence.
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "browserless login, at %s\n", step)
	if a != nil {
		fmt.Fprintf(&b, "%s %s\nHTTP %d\n", a.Request.Method, redactURL(a.Request.URL.String()), a.StatusCode)
		names := make([]string, 0, len(a.Header))
		for k := range a.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, v := range a.Header[k] {
				if k == "Set-Cookie" {
					name, _, _ := strings.Cut(v, "=")
					v = name + "=…"
				}
				fmt.Fprintf(&b, "%s: %s\n", k, l.redact(v))
			}
		}
	}
	os.WriteFile(filepath.Join(dir, failureAnswer), []byte(b.String()), 0o600)
	if body != nil {
		os.WriteFile(filepath.Join(dir, failurePage), []byte(l.redact(string(redactPage(body)))), 0o600)
	}
	return "; saved the answer in " + dir
}

// redactPage blanks every hidden input's value and replaces init-config
// (and data-props) by its skeleton: the same keys, every string "…".
func redactPage(body []byte) []byte {
	type span struct {
		start, end int
		with       string
	}
	var spans []span
	for _, t := range scanTags(body) {
		typ, _ := t.attr("type")
		for _, a := range t.attrs {
			switch {
			case a.name == pixiv.DataPropsAttr,
				a.name == "value" && isInitConfig(t):
				spans = append(spans, span{a.start, a.end, html.EscapeString(skeleton(a.value))})
			case a.name == "value" && strings.EqualFold(typ.value, "hidden"):
				spans = append(spans, span{a.start, a.end, ""})
			}
		}
	}
	var out bytes.Buffer
	last := 0
	for _, s := range spans {
		if s.start < last {
			continue
		}
		out.Write(body[last:s.start])
		out.WriteString(s.with)
		last = s.end
	}
	out.Write(body[last:])
	return out.Bytes()
}

func isInitConfig(t tag) bool {
	id, _ := t.attr("id")
	return id.value == pixiv.InitConfigID
}

// skeleton is JSON with every string replaced by "…"; what is not JSON
// becomes "…" whole.
func skeleton(raw string) string {
	var v any
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "…"
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return "…"
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
		case []any:
			for i, x := range v {
				v[i] = walk(x)
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return "…"
	}
	return string(out)
}
