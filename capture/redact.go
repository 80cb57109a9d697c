package capture

import "regexp"

// queryValue matches the value of a query parameter in a URL, wherever the
// URL appears: in a log line of the browser, an error, or a saved page.
var queryValue = regexp.MustCompile(`([?&;][A-Za-z0-9_.\-%\[\]]+=)[^&;#\s"'<>]+`)

// RedactQuery removes every query value from the URLs in s, keeping the
// names: "callback?state=…&code=…" stays readable, and the code does not
// reach a terminal or a log.
func RedactQuery(s string) string {
	return queryValue.ReplaceAllString(s, "${1}…")
}
