package capture

import (
	"errors"
	"net/url"
	"regexp"
)

// queryValue matches the value of a query parameter in a URL, wherever the
// URL appears: in a log line of the browser, an error, or a saved page.
var queryValue = regexp.MustCompile(`([?&;][A-Za-z0-9_.\-%\[\]]+=)[^&;#\s"'<>]+`)

// RedactQuery removes every query value from the URLs in s, keeping the
// names: "callback?state=…&code=…" stays readable, and the code does not
// reach a terminal or a log.
func RedactQuery(s string) string {
	return queryValue.ReplaceAllString(s, "${1}…")
}

// redactURL is u for a message: no query values (RedactQuery) and no
// password (a browser's DevTools address can carry either).
func redactURL(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		u = p.Redacted()
	}
	return RedactQuery(u)
}

// rootCause is the innermost error of err's chain, with query values
// removed: what went wrong, without the layers of a library that each
// name the same address again.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return RedactQuery(firstLine(err.Error()))
		}
		err = next
	}
}
