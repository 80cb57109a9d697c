// Package session is a browser's Pixiv session: its cookies ([Cookie]), the
// filter that keeps Pixiv's alone ([PixivOnly]), and the formats a session
// travels in — pixivauth's own JSON ([Decode], [Session]), the Netscape
// cookies.txt that browser extensions, curl, yt-dlp and gallery-dl write
// ([ParseCookiesTxt], [WriteCookiesTxt]), and the JSON array that the
// Cookie-Editor and EditThisCookie extensions export ([ParseExtensionJSON]).
// It is a leaf: the browser driver, the store and the CLI all use it, and it
// depends on nothing of theirs.
//
// # The session format
//
// session.json holds the cookies of a browser logged in to Pixiv, so that a
// later login can skip the login form. It is also what `pixivauth session
// export` prints, and what an import accepts beside a Netscape cookies.txt
// and an extension's JSON array ([ParseFile]). Version 1:
//
//	{
//	  "version": 1,
//	  "saved_at": "2026-01-02T15:04:05Z",
//	  "cookies": [
//	    {
//	      "name": "PHPSESSID",
//	      "value": "123456_AbCdEf",
//	      "domain": ".pixiv.net",
//	      "path": "/",
//	      "expires": "2026-02-01T15:04:05Z",
//	      "secure": true,
//	      "http_only": true,
//	      "same_site": "Lax"
//	    }
//	  ]
//	}
//
// version is 1; saved_at is when the file was written. In a cookie, a domain
// with a leading dot also matches its subdomains (as in a browser's cookie
// store); expires is absent for a session cookie; secure, http_only and
// same_site ("Strict", "Lax" or "None") are absent when false or unset.
// Unknown fields are ignored. Only cookies of pixiv.net and its subdomains
// are kept ([PixivOnly]); a session is live while it holds an unexpired
// PHPSESSID ([Session.Live], and [Session.Check] for why not).
package session
