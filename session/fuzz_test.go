package session

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzSeeds are the seed corpus beside testdata/fuzz/FuzzParseCookiesTxt.
var fuzzSeeds = []string{
	"",
	"# Netscape HTTP Cookie File\n.pixiv.net\tTRUE\t/\tTRUE\t1767366245\tPHPSESSID\t123_abc\n",
	"#HttpOnly_.pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\t123_abc\r\n\r\n# c\r\n",
	"pixiv.net\tTRUE\t/\tfalse\t1767366245.5\ta\t\n",
	".pixiv.net\tTRUE\t/\tTRUE\t99999999999999999999\ta\tb",
	".pixiv.net\tTRUE\t/\tTRUE\t0\tPHPSESSID\tsecretvalue\textra\n",
	".pixiv.net\tmaybe\t/\tTRUE\t0\tPHPSESSID\tsecretvalue\n",
	"\uFEFF.pixiv.net\tTRUE\t/\tTRUE\t0\ta\tb\n",
}

// FuzzParseCookiesTxt checks that ParseCookiesTxt never panics, that what
// it reads WriteCookiesTxt writes back to the same cookies, and that an
// error never quotes a value (a line's 7th field and on).
func FuzzParseCookiesTxt(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cookies, err := ParseCookiesTxt(bytes.NewReader(in))
		if err != nil {
			checkErrorHoldsNoValue(t, in, err)
			return
		}
		var buf bytes.Buffer
		if err := WriteCookiesTxt(&buf, cookies); err != nil {
			t.Fatalf("WriteCookiesTxt of parsed cookies: %v", err)
		}
		back, err := ParseCookiesTxt(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("parsing what WriteCookiesTxt wrote: %v\n%q", err, buf.Bytes())
		}
		if !cookiesEqual(back, cookies) {
			t.Fatalf("round trip changed the cookies:\n%#v\n%#v", cookies, back)
		}
	})
}

// checkErrorHoldsNoValue fails if err could quote the input. Its message
// must be one of the fixed ones (with a field name or a count filled in),
// which holds no input by construction; and, to catch a message added
// without care, no value of 8 bytes or more (a line's 7th field and on) may
// appear in it. Shorter values can match the fixed text by chance (":", "1",
// "field").
func checkErrorHoldsNoValue(t *testing.T, in []byte, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *SyntaxError", err, err)
	}
	if se.Line < 1 || err.Error() != cookiesTxtPrefix+strconv.Itoa(se.Line)+": "+se.Msg {
		t.Fatalf("error %q at line %d", err, se.Line)
	}
	allowed := []string{msgTabs, msgDomain, msgSubdomains, msgPath, msgSecure, msgExpiry, msgName}
	for _, field := range []string{"domain", "path", "name", "value"} {
		allowed = append(allowed, fmt.Sprintf(msgControl, field), fmt.Sprintf(msgUTF8, field))
	}
	fieldsPrefix, _, _ := strings.Cut(msgFields, "%d")
	count, isFields := strings.CutPrefix(se.Msg, fieldsPrefix)
	if !slices.Contains(allowed, se.Msg) && (!isFields || count == "" || strings.Trim(count, "0123456789") != "") {
		t.Fatalf("error message %q is none of the fixed ones", se.Msg)
	}
	for line := range strings.SplitSeq(string(in), "\n") {
		fields := strings.Split(line, "\t")
		for _, v := range fields[min(6, len(fields)):] {
			if len(v) >= 8 && strings.Contains(err.Error(), v) {
				t.Fatalf("error %q holds the value %q", err, v)
			}
		}
	}
}
