package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
)

// The kinds of failure, for errors.Is. Every error the Client returns for a
// request it made is an [*Error] that is one of these, or wraps
// [context.Canceled] when the caller gave up first.
var (
	// ErrRejected means Pixiv refused the refresh token, code or
	// credentials: retrying will not help, a person must log in again.
	ErrRejected = errors.New("pixiv rejected the request")

	// ErrUnavailable means Pixiv could not be reached, blocked the request
	// (Cloudflare answers with an HTML page), or failed: a 5xx or 429 after
	// the retries, an answer that is not Pixiv's JSON, a timeout.
	ErrUnavailable = errors.New("pixiv is unreachable or failing")

	// ErrPasswordGrantRetired means Pixiv answered the password grant the
	// way it has since February 2021: the grant no longer exists. It is
	// also [ErrRejected].
	ErrPasswordGrantRetired = fmt.Errorf("pixiv retired the password grant: %w", ErrRejected)
)

// The operations an [Error] names.
const (
	OpExchange = "code exchange"
	OpRefresh  = "refresh"
	OpPassword = "password login"
)

// Error is a failed token request. Its text is one line that says what
// happened and what to do; it never holds a token, code, verifier, password
// or any part of Pixiv's answer but its error message.
type Error struct {
	// Op is what was attempted: [OpExchange], [OpRefresh] or [OpPassword].
	Op string
	// Status is the HTTP status of Pixiv's answer; 0 when there was none.
	Status int
	// Code and Message are Pixiv's own error (errors.system.code and
	// errors.system.message), when its answer carried one.
	Code    int
	Message string
	// OAuth is the OAuth error code ("invalid_grant"); older answers lack it.
	OAuth string
	// RetryAfter is how long Pixiv asked the client to wait (Retry-After).
	RetryAfter time.Duration
	// Tries counts the requests attempted, retries included.
	Tries int
	// Err is ErrRejected, ErrPasswordGrantRetired, ErrUnavailable (joined
	// with the network error that caused it, if any), or context.Canceled.
	Err error

	kind kind
}

// kind is what Pixiv's answer (or its absence) looked like, which decides
// the wording of the error.
type kind int

const (
	kindUnknown     kind = iota
	kindRejected         // 400/401 with Pixiv's error JSON
	kindBlocked          // an HTML page: Cloudflare, or a captive portal
	kindRateLimited      // 429
	kindFailing          // 5xx
	kindEmpty            // a success status with an empty body
	kindMalformed        // a success status with a body that is not JSON
	kindNoToken          // JSON without an access token
	kindUnexpected       // any other status, or a 400 that is not Pixiv's
	kindNetwork          // no answer at all
	kindCanceled         // the caller canceled the context
)

// Unwrap returns Err and the error's [reason.Reason], so that
// errors.Is(err, ErrRejected), errors.Is(err, reason.Rejected) and friends
// work: Rejected, Blocked, Failing or Unreachable (none for a cancellation).
func (e *Error) Unwrap() []error {
	if r := e.reason(); r != "" {
		return []error{e.Err, r}
	}
	return []error{e.Err}
}

// reason is why the request failed, in package reason's words.
func (e *Error) reason() reason.Reason {
	switch e.effectiveKind() {
	case kindRejected:
		return reason.Rejected
	case kindBlocked:
		if e.Status >= 500 {
			// Cloudflare's own page for an origin that is down: no block.
			return reason.Failing
		}
		return reason.Blocked
	case kindNetwork:
		return reason.Unreachable
	case kindCanceled:
		return ""
	}
	return reason.Failing
}

// effectiveKind is kind, or for an Error built by hand, the kind its
// fields describe.
func (e *Error) effectiveKind() kind {
	if e.kind != kindUnknown {
		return e.kind
	}
	switch {
	case errors.Is(e.Err, ErrRejected):
		return kindRejected
	case errors.Is(e.Err, context.Canceled):
		return kindCanceled
	case e.Status == 0:
		return kindNetwork
	case e.Status == 429:
		return kindRateLimited
	case e.Status >= 500:
		return kindFailing
	}
	return kindUnexpected
}

// Error returns one line: the operation, what happened, and what to do.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	what, todo := e.explain()
	b.WriteString(what)
	if todo != "" {
		b.WriteString(": " + todo)
	}
	return b.String()
}

func (e *Error) explain() (what, todo string) {
	k := e.effectiveKind()
	again, later := "try again", "try again later"
	if e.Op == OpExchange {
		// The code is single-use and short-lived: there is nothing to retry.
		again, later = "run the login again", "run the login again later"
	}
	status := fmt.Sprintf("HTTP %d", e.Status)
	switch k {
	case kindRejected:
		detail := e.pixivSays("")
		switch {
		case errors.Is(e.Err, ErrPasswordGrantRetired):
			return "Pixiv retired the password grant in February 2021" + detail,
				"log in with the browser instead"
		case e.Op == OpExchange:
			return "Pixiv rejected the code" + detail,
				"the code has expired or was used"
		case e.Op == OpPassword:
			return "Pixiv rejected the username or password" + detail,
				"check them, or log in with the browser"
		case e.Op == OpRefresh:
			return "Pixiv rejected the refresh token" + detail, "it was revoked, has expired, or is not a refresh token"
		}
		return "Pixiv rejected the request" + detail, "a person must log in again"
	case kindBlocked:
		if e.Status >= 500 {
			return "Pixiv is unavailable" + e.pixivSays(status, e.tries(), "an HTML page — Cloudflare?"), later
		}
		return "Pixiv blocked the request or is unavailable" + e.pixivSays(status, e.tries(), "an HTML page — Cloudflare?"),
			later + " or from another network"
	case kindRateLimited:
		detail := status
		if e.RetryAfter > 0 {
			detail += ", retry after " + e.RetryAfter.String()
		}
		return "Pixiv is limiting requests" + e.pixivSays(detail, e.tries()), "wait, then " + again
	case kindFailing:
		return "Pixiv is failing" + e.pixivSays(status, e.tries()), later
	case kindEmpty:
		return "Pixiv sent an empty answer (" + status + ")", later
	case kindMalformed:
		return "Pixiv sent a malformed answer (" + status + ", not token JSON)", later
	case kindNoToken:
		return "Pixiv's answer holds no access token" + e.pixivSays(status),
			later + "; if it persists, Pixiv may have changed its token endpoint"
	case kindNetwork:
		what := describeNetwork(e.Err)
		if tries := e.tries(); tries != "" {
			what += ", " + tries
		}
		return what, NetworkTodo(e.Err, again)
	case kindCanceled:
		return "canceled before Pixiv answered", ""
	}
	return "Pixiv answered with an unexpected " + status + e.pixivSays(""),
		later + "; if it persists, Pixiv may have changed its token endpoint"
}

// pixivSays is " (first, Pixiv's message, code N, oauth_error, last)"
// without the parts that are empty, or "" when all are.
func (e *Error) pixivSays(first string, last ...string) string {
	code := ""
	if e.Code != 0 {
		code = fmt.Sprintf("code %d", e.Code)
	}
	var parts []string
	for _, p := range append([]string{first, e.Message, code, e.OAuth}, last...) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (e *Error) tries() string {
	if e.Tries > 1 {
		return fmt.Sprintf("after %d tries", e.Tries)
	}
	return ""
}

// describeNetwork says why no answer came, naming the host, from the
// network error alone: its text holds the URL and addresses, never the body.
func describeNetwork(err error) string {
	err = networkCause(err)
	host := pixiv.OAuthHost
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
	switch {
	case err == nil:
		return "no answer from " + host
	case errors.Is(err, context.DeadlineExceeded):
		return host + " did not answer in time (deadline exceeded)"
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return "cannot reach " + host + " through the proxy (" + innermost(opErr.Err) + ")"
	case errors.As(err, &netErr) && netErr.Timeout():
		return host + " did not answer in time (timeout)"
	case errors.As(err, &dnsErr):
		return "cannot resolve " + host + " (" + dnsErr.Err + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		if addr, ok := refusedLoopback(err); ok {
			return "cannot reach " + host + ": nothing listens at " + addr + " on this machine (connection refused)"
		}
		return "cannot reach " + host + " (connection refused)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return host + " closed the connection before answering"
	case isTLSError(err):
		return "cannot reach " + host + " securely (" + innermost(err) + ")"
	}
	return "cannot reach " + host + " (" + innermost(err) + ")"
}

// NetworkTodo says what to do about err, the network error of a request to
// Pixiv that got no answer, ending with "then " and again: start the
// server when nothing listens on this machine's loopback address (a test
// double that is not running), trust the proxy's CA when TLS failed, else
// check the network or proxy. The token client's errors and the
// browserless login's give the same advice.
func NetworkTodo(err error, again string) string {
	if addr, ok := refusedLoopback(err); ok {
		return "start the server that should listen at " + addr + " (a test double?), then " + again
	}
	if proxyRefused(err) {
		return "give the proxy's username and password in its URL (http://USER:PASSWORD@HOST:PORT, best in $HTTPS_PROXY), then " + again
	}
	if isTLSError(err) {
		return "check the network or proxy (a proxy that intercepts TLS needs its CA trusted, in the system's store or $SSL_CERT_FILE), then " + again
	}
	return "check the network or proxy, then " + again
}

// refusedLoopback reports whether err is a connection refused by this
// machine itself, and the address dialled: nothing listens there, which no
// retry a few seconds later will change (a test double that is not
// running, say).
func refusedLoopback(err error) (addr string, ok bool) {
	var opErr *net.OpError
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &opErr) || opErr.Addr == nil {
		return "", false
	}
	host, _, splitErr := net.SplitHostPort(opErr.Addr.String())
	if ip := net.ParseIP(host); splitErr != nil || ip == nil || !ip.IsLoopback() {
		return "", false
	}
	return opErr.Addr.String(), true
}

// unavailable is the Err of a request that got no answer: it is
// ErrUnavailable and, for errors.As, the network error itself.
func unavailable(cause error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, cause)
}

// networkCause undoes unavailable.
func networkCause(err error) error {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			if e != ErrUnavailable {
				return e
			}
		}
	}
	if err == ErrUnavailable {
		return nil
	}
	return err
}

func isTLSError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
		record           tls.RecordHeaderError
		alert            tls.AlertError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verification) ||
		errors.As(err, &record) || errors.As(err, &alert)
}

// isCertificateError reports whether err is a certificate that does not
// check out: a retry would meet the same certificate. A TLS alert from the
// server, by contrast, is a handshake that failed this once.
func isCertificateError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verification)
}

// innermost is the text of the network error without the url.Error and
// net.OpError framing, which repeat the method, URL and addresses.
func innermost(err error) string {
	for {
		switch e := err.(type) {
		case *url.Error:
			err = e.Err
		case *net.OpError:
			err = e.Err
		default:
			return err.Error()
		}
	}
}
