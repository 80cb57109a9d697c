package main

import (
	"github.com/pixivauth/pixivauth/reason"
)

// reasonHint is what the person can do about err, in the CLI's words: the
// library's errors say what happened and never name an option, so the
// options are named here, by the error's reason. "" when there is nothing
// to add.
func reasonHint(err error) string {
	switch reason.Of(err) {
	case reason.OneTimeCode:
		return "Pixiv's two-factor login wants a one-time code: give --totp-secret (or --totp-secret-file, $PIXIV_TOTP_SECRET), or log in once with a window (`pixivauth login`)"
	case reason.SessionExpired:
		return "log in again with a window (`pixivauth login`), or give --username with a password"
	case reason.NoCredentials:
		return "give --username with a password (--password-stdin, $PIXIV_PASSWORD or --password-file), or log in with a window (`pixivauth login`)"
	case reason.WrongPassword:
		return "check --username and the password; they were submitted once, not again"
	case reason.AccountLocked:
		return "unlock the account on pixiv.net, then run `pixivauth login` again"
	case reason.Captcha:
		return "log in once with a window (`pixivauth login`, or --fallback-window here); that session is then reused headless"
	case reason.EmailCode:
		return "run `pixivauth login` once at a terminal (it asks for the code) or with a window; that session is then reused headless"
	}
	return ""
}
