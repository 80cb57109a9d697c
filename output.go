package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
)

// printResult writes a command's result to stdout in one write, after
// masking secrets: under GitHub Actions each secret gets an ::add-mask::
// workflow command on stderr before it appears on stdout, so that the log
// hides it while stdout stays parseable.
func (o *options) printResult(out []byte, secrets ...string) error {
	o.mask(secrets...)
	_, err := o.stdout.Write(out)
	return err
}

// mask writes ::add-mask:: for each secret, under GitHub Actions only. The
// value is escaped as workflow command data.
func (o *options) mask(secrets ...string) {
	if !o.githubActions {
		return
	}
	for _, s := range secrets {
		if s != "" {
			fmt.Fprintf(o.stderr, "::add-mask::%s\n", escapeWorkflowData(s))
		}
	}
}

// escapeWorkflowData escapes a workflow command's data as the runner
// unescapes it.
func escapeWorkflowData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// printToken prints t in the chosen format: json the token object, env the
// two exports, text a labelled block, or the access token alone when bare
// (the token command's text, for $(pixivauth token)).
func (o *options) printToken(t *exchange.Token, bare bool) error {
	out, secrets := formatToken(t, o.format, bare, time.Now())
	return o.printResult(out, secrets...)
}

// formatToken renders t at now, and returns with it the secrets it holds.
func formatToken(t *exchange.Token, format string, bare bool, now time.Time) (out []byte, secrets []string) {
	var b bytes.Buffer
	secrets = []string{t.AccessToken, t.RefreshToken}
	switch format {
	case formatJSON:
		writeJSON(&b, printedOf(t, now))
	case formatEnv:
		fmt.Fprintf(&b, "export PIXIV_ACCESS_TOKEN=%s\nexport PIXIV_REFRESH_TOKEN=%s\n",
			shellQuote(t.AccessToken), shellQuote(t.RefreshToken))
	default:
		if bare {
			return []byte(t.AccessToken + "\n"), secrets[:1]
		}
		fmt.Fprintf(&b, "access_token:  %s\nrefresh_token: %s\nexpires_at:    %s (in %s)\nuser:          %s\n",
			t.AccessToken, t.RefreshToken, t.Expiry.UTC().Format(time.RFC3339),
			t.ExpiresIn(now).Round(time.Second), describeUser(t.User))
	}
	return b.Bytes(), secrets
}

// printedToken is the token object of the CLI contract, as --json prints
// it: the cached token plus expires_in, the seconds of life left when it
// was printed.
type printedToken struct {
	AccessToken  string        `json:"access_token"`
	RefreshToken string        `json:"refresh_token"`
	ExpiresIn    int64         `json:"expires_in"`
	ExpiresAt    time.Time     `json:"expires_at"`
	TokenType    string        `json:"token_type"`
	Scope        string        `json:"scope"`
	User         exchange.User `json:"user"`
}

// printedOf is the object to print for t at now.
func printedOf(t *exchange.Token, now time.Time) printedToken {
	return printedToken{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		ExpiresIn:    int64(t.ExpiresIn(now) / time.Second),
		ExpiresAt:    t.Expiry.UTC().Truncate(time.Second),
		TokenType:    t.TokenType,
		Scope:        t.Scope,
		User:         t.User,
	}
}

// writeJSON writes v as indented JSON, leaving <, > and & as they are (a
// user's name can hold them).
func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only plain structs are encoded
}

// shellQuote quotes s for a POSIX shell: in single quotes, where a single
// quote inside closes the quoting, adds an escaped quote and reopens it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// describeUser names a Pixiv user for a person:
// "Name (@account, id 123, premium)".
func describeUser(u exchange.User) string {
	premium := "not premium"
	if u.IsPremium {
		premium = "premium"
	}
	return fmt.Sprintf("%s (@%s, id %s, %s)", u.Name, u.Account, u.ID, premium)
}
