package capture

import (
	"net/url"
	"strings"

	"github.com/pixivauth/pixivauth/pixiv"
)

// ParseCallback reports whether rawURL is Pixiv's login callback and, if so,
// the code it carries or the error Pixiv put in its place.
//
// Only two URLs match: the callback itself,
// https://app-api.pixiv.net/web/v1/users/auth/pixiv/callback?…code=…, and
// the app URL it redirects to, pixiv://account/login?code=…, as a fallback.
// A browser sees many other requests with "callback?" and "code=" in them
// (reCAPTCHA, analytics, other hosts and paths); each of those must change
// nothing, since the first code taken is the one exchanged.
func ParseCallback(rawURL string) (code, errCode string, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", "", false
	}
	if !isCallback(u) && !isAppCallback(u) {
		return "", "", false
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", "", false
	}
	if e := q.Get("error"); e != "" {
		return "", e, true
	}
	code = q.Get("code")
	if code == "" || strings.ContainsFunc(code, invalidCodeRune) {
		return "", "", false
	}
	return code, "", true
}

// isCallback matches the callback exactly: https, Pixiv's app-api host
// (with or without the default port), the callback path.
func isCallback(u *url.URL) bool {
	host := strings.TrimSuffix(strings.ToLower(u.Host), ":443")
	return u.Scheme == "https" && host == pixiv.AppAPIHost && u.Path == pixiv.CallbackPath
}

// isAppCallback matches pixiv://account/login, where the callback sends the
// browser and where Chrome, having no handler for the scheme, stops.
func isAppCallback(u *url.URL) bool {
	return u.Scheme+"://"+u.Host+u.Path == pixiv.AppCallbackURL
}

// invalidCodeRune refuses what no code contains: a code goes into a form
// body, so whitespace and control characters mean the URL is not one.
func invalidCodeRune(r rune) bool {
	return r <= ' ' || r == 0x7f
}
