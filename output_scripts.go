package main

import (
	"bytes"
	"context"
	"errors"

	"github.com/pixivauth/pixivauth/reason"
)

// reasonKeys name each reason in check --json's failure object: stable
// words a script can branch on, unlike the descriptions.
var reasonKeys = map[reason.Reason]string{
	reason.SessionExpired: "session_expired",
	reason.NoCredentials:  "no_credentials",
	reason.WrongPassword:  "wrong_password",
	reason.AccountLocked:  "account_locked",
	reason.Captcha:        "captcha",
	reason.OneTimeCode:    "one_time_code",
	reason.WrongCode:      "wrong_code",
	reason.EmailCode:      "email_code",
	reason.Rejected:       "rejected",
	reason.TimedOut:       "timed_out",
	reason.NoToken:        "no_token",
	reason.Unreachable:    "unreachable",
	reason.Blocked:        "blocked",
	reason.Failing:        "failing",
	reason.Stalled:        "stalled",
	reason.BrowserMissing: "browser_missing",
	reason.BrowserFailed:  "browser_failed",
	reason.BrowserCrashed: "browser_crashed",
	reason.WindowClosed:   "window_closed",
	reason.NoDisplay:      "no_display",
	reason.ProfileInUse:   "profile_in_use",
	reason.CacheBusy:      "cache_busy",
	reason.OtherUser:      "other_user",
	reason.NotADirectory:  "not_a_directory",

	reason.NoBrowserProfile:       "no_browser_profile",
	reason.NoBrowserSession:       "no_browser_session",
	reason.BrowserStoreUnreadable: "browser_store_unreadable",
}

// exitKeys name the failures that carry no reason, by their exit status.
var exitKeys = map[int]string{
	exitFailure:     "failure",
	exitUsage:       "usage",
	exitPerson:      "needs_person",
	exitUnavailable: "unavailable",
	exitBrowser:     "browser",
	exitInterrupt:   "interrupted",
	exitTerminated:  "terminated",
}

// failureReport is check --json's output when the check fails: the same
// one object on stdout as on success, so that a script reading "ok" sees
// false instead of nothing. error is the message stderr shows, which holds
// no secret.
type failureReport struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Reason   string `json:"reason"`
	ExitCode int    `json:"exit_code"`
}

// reportFailure prints err as check --json's failure object, with the exit
// status the run ends with.
func (o *options) reportFailure(err error) {
	code := exitCode(err)
	var sig signalError
	if errors.As(context.Cause(o.ctx), &sig) {
		err, code = sig, sig.exitCode()
	}
	key := reasonKeys[reason.Of(err)]
	if key == "" {
		key = exitKeys[code]
	}
	var b bytes.Buffer
	writeJSON(&b, failureReport{OK: false, Error: err.Error(), Reason: key, ExitCode: code})
	_, _ = o.stdout.Write(b.Bytes())
}
