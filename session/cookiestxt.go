package session

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pixivauth/pixivauth/pixiv"
)

// The Netscape cookies.txt format, as curl, wget, yt-dlp, gallery-dl and the
// "cookies.txt" browser extensions write it: one cookie a line, seven fields
// separated by tabs.
const (
	cookiesTxtHeader = "# Netscape HTTP Cookie File\n" +
		"# Written by pixivauth. Each line: domain, include subdomains, path, secure, expiry, name, value.\n\n"
	// httpOnlyPrefix marks an HttpOnly cookie's line, which otherwise
	// would read as a comment to tools that do not know the mark.
	httpOnlyPrefix   = "#HttpOnly_"
	cookiesTxtFields = 7

	// maxCookieExpiry is the last second of year 9999, the last time
	// encoding/json can write: later expiries are clamped to it.
	maxCookieExpiry = 253402300799
)

// What can be wrong with a cookies.txt line. None of them quotes the line:
// it holds a cookie's value.
const (
	msgFields        = "want 7 tab-separated fields (domain, include subdomains, path, secure, expiry, name, value), found %d"
	msgTabs          = "fields must be separated by tabs, not spaces (an editor or a copy from a web page can turn tabs into spaces)"
	msgDomain        = "the domain field is empty or has a space, a control character or a leading '#'"
	msgSubdomains    = "the include-subdomains field (2nd) must be TRUE or FALSE"
	msgPath          = "the path field (3rd) must start with /"
	msgSecure        = "the secure field (4th) must be TRUE or FALSE"
	msgExpiry        = "the expiry field (5th) must be a Unix time in seconds, or 0 for a session cookie"
	msgName          = "the name field (6th) is empty"
	msgControl       = "the %s field has a control character"
	msgUTF8          = "the %s field is not valid UTF-8"
	cookiesTxtPrefix = "cookies.txt line "
)

// SyntaxError is a malformed line of a cookies.txt. Its message says what
// is wrong without quoting the line, which holds a cookie's value.
type SyntaxError struct {
	// Line is the 1-based line number.
	Line int
	// Msg says what is wrong.
	Msg string
}

// Error reads "cookies.txt line N: what is wrong".
func (e *SyntaxError) Error() string { return fmt.Sprintf("%s%d: %s", cookiesTxtPrefix, e.Line, e.Msg) }

// subdomainsField reports whether w could be a cookies.txt line's second
// field, include subdomains.
func subdomainsField(w string) bool {
	return strings.EqualFold(w, "TRUE") || strings.EqualFold(w, "FALSE")
}

// ParseCookiesTxt reads a Netscape cookies.txt: per line, seven fields
// separated by tabs — domain, include subdomains (TRUE or FALSE), path,
// secure (TRUE or FALSE), expiry (Unix seconds, 0 for a session cookie),
// name and value. A line starting with "#HttpOnly_" is an HttpOnly cookie;
// other lines starting with '#' are comments; blank lines, CRLF line ends
// and a byte order mark are fine. A cookie that includes subdomains gets a
// domain with a leading dot ([Cookie.Domain]); an expiry past year 9999 is
// clamped to its end. The first malformed line of Pixiv's, or of no site
// that can be told, ends the parse with a *[SyntaxError]; one of another
// site is skipped. Cookies of every site are returned, in file order.
func ParseCookiesTxt(r io.Reader) ([]Cookie, error) {
	br := bufio.NewReader(r)
	var cookies []Cookie
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("store: read cookies.txt: %w", err)
		}
		if line == "" && err != nil {
			return cookies, nil
		}
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		c, ok, msg := parseCookieLine(line)
		if msg != "" && !otherSite(line) {
			return nil, &SyntaxError{Line: n, Msg: msg}
		}
		if ok {
			cookies = append(cookies, c)
		}
		if err != nil {
			return cookies, nil
		}
	}
}

// otherSite reports whether line, one that cannot be read, is still
// recognisably a cookie of a site other than Pixiv: its first field (by
// tabs, else by spaces) is a domain that is not pixiv.net's. Such a line
// is skipped: tools write odd lines for some sites (curl drops an empty
// value's tab, some write a negative expiry), and only Pixiv's cookies
// are wanted here.
func otherSite(line string) bool {
	line = strings.TrimPrefix(line, httpOnlyPrefix)
	first, _, found := strings.Cut(line, "\t")
	if !found {
		words := strings.Fields(line)
		if len(words) < 2 {
			return false
		}
		first = words[0]
	}
	d := strings.TrimPrefix(first, ".")
	return validDomain(first) && strings.Contains(d, ".") && !pixiv.IsPixivHost(d)
}

// parseCookieLine parses one line without its end, reporting whether it
// holds a cookie, or what is wrong with it.
func parseCookieLine(line string) (c Cookie, ok bool, msg string) {
	if strings.HasPrefix(line, httpOnlyPrefix) {
		line = line[len(httpOnlyPrefix):]
		c.HTTPOnly = true
	} else if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimLeft(line, " "), "#") {
		return Cookie{}, false, "" // blank, or a comment
	}
	f := strings.Split(line, "\t")
	if len(f) != cookiesTxtFields {
		words := strings.Fields(line)
		if n := len(words); len(f) < cookiesTxtFields && n > len(f) && n >= cookiesTxtFields-1 && subdomainsField(words[1]) {
			// Six words are a cookie with an empty value, seven or more one
			// whose value has spaces: either way, spaces where tabs belong,
			// if the second word is the include-subdomains field (six words
			// of prose are no cookie).
			return Cookie{}, false, msgTabs
		}
		return Cookie{}, false, fmt.Sprintf(msgFields, len(f))
	}
	for _, field := range []struct {
		name, value string
	}{{"domain", f[0]}, {"path", f[2]}, {"name", f[5]}, {"value", f[6]}} {
		if hasControl(field.value) {
			return Cookie{}, false, fmt.Sprintf(msgControl, field.name)
		}
		if !utf8.ValidString(field.value) {
			return Cookie{}, false, fmt.Sprintf(msgUTF8, field.name)
		}
	}
	c.Domain, c.Path, c.Name, c.Value = f[0], f[2], f[5], f[6]
	if !validDomain(c.Domain) {
		return Cookie{}, false, msgDomain
	}
	subdomains, okSub := parseBool(f[1])
	if !okSub {
		return Cookie{}, false, msgSubdomains
	}
	if subdomains && !strings.HasPrefix(c.Domain, ".") {
		c.Domain = "." + c.Domain
	}
	if !strings.HasPrefix(c.Path, "/") {
		return Cookie{}, false, msgPath
	}
	var okSecure bool
	if c.Secure, okSecure = parseBool(f[3]); !okSecure {
		return Cookie{}, false, msgSecure
	}
	expires, okExpiry := parseExpiry(f[4])
	if !okExpiry {
		return Cookie{}, false, msgExpiry
	}
	c.Expires = expires
	if c.Name == "" {
		return Cookie{}, false, msgName
	}
	return c, true, ""
}

func parseBool(s string) (value, ok bool) {
	switch {
	case strings.EqualFold(s, "TRUE"):
		return true, true
	case strings.EqualFold(s, "FALSE"):
		return false, true
	}
	return false, false
}

// parseExpiry reads Unix seconds, with a fraction (some extensions write
// one) that is dropped; 0 is a session cookie's zero time.
func parseExpiry(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		sec = math.MaxInt64
	case err != nil:
		return time.Time{}, false
	}
	if sec == 0 {
		return time.Time{}, true
	}
	return time.Unix(min(sec, maxCookieExpiry), 0).UTC(), true
}

func validDomain(d string) bool {
	return d != "" && d[0] != '#' && !strings.ContainsAny(d, " ") && !hasControl(d) && utf8.ValidString(d)
}

// hasControl reports whether s has an ASCII control character, a tab or a
// line end among them: no field of a cookie can carry one.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// WriteCookiesTxt writes cookies as a Netscape cookies.txt, with the header
// line that Python's http.cookiejar (and so yt-dlp and gallery-dl) looks
// for, that [ParseCookiesTxt] reads back as the same cookies. A cookie the
// format cannot hold (no name, no domain, a path not starting with '/', a
// control character) is an error naming the cookie, never its value.
// SameSite is not part of the format and is dropped.
func WriteCookiesTxt(w io.Writer, cookies []Cookie) error {
	var b strings.Builder
	b.WriteString(cookiesTxtHeader)
	for i, c := range cookies {
		var msg string
		switch {
		case c.Name == "":
			msg = "has no name"
		case !validDomain(c.Domain):
			msg = "has an empty domain, or one with a space, a control character or a leading '#'"
		case !strings.HasPrefix(c.Path, "/"):
			msg = "has a path that does not start with /"
		case hasControl(c.Name) || hasControl(c.Path) || hasControl(c.Value):
			msg = "has a control character in its name, path or value"
		case !utf8.ValidString(c.Name) || !utf8.ValidString(c.Path) || !utf8.ValidString(c.Value):
			msg = "is not valid UTF-8"
		}
		if msg != "" {
			// The name only if it is printable: a name is no secret.
			name := c.Name
			if hasControl(name) || !utf8.ValidString(name) {
				name = "?"
			}
			return fmt.Errorf("store: cookie %d (%q) %s: cookies.txt cannot hold it", i+1, name, msg)
		}
		if c.HTTPOnly {
			b.WriteString(httpOnlyPrefix)
		}
		expiry := int64(0)
		if !c.Expires.IsZero() {
			// 0 would mean a session cookie; an expiry before 1970 has passed.
			expiry = min(max(c.Expires.Unix(), 1), maxCookieExpiry)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			c.Domain, formatBool(strings.HasPrefix(c.Domain, ".")), c.Path,
			formatBool(c.Secure), expiry, c.Name, c.Value)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("store: write cookies.txt: %w", err)
	}
	return nil
}

func formatBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
