package main

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/store"
)

const optRefreshTokenFile = "refresh-token-file"

func refreshTokenFileFlag() cli.Flag {
	return &cli.StringFlag{Name: optRefreshTokenFile,
		Usage: "read the refresh token from `FILE` (- for stdin)"}
}

const refreshTokenSources = `The refresh token is the first of: the argument ("-" reads it from stdin),
--refresh-token-file, $PIXIV_REFRESH_TOKEN, the profile's cache.`

func refreshCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:      "refresh",
		Usage:     "exchange a refresh token for fresh tokens; print and save them",
		ArgsUsage: "[REFRESH_TOKEN|-]",
		Description: refreshTokenSources + `

EXAMPLES:
   pixivauth refresh "$REFRESH_TOKEN" --json
   pass show pixiv/refresh-token | pixivauth refresh - --format env`,
		Flags:  append(commonFlags(tokenFormats), refreshTokenFileFlag()),
		Action: p.refresh,
	}
}

func tokenCommand(p *program) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "print a valid access token, refreshing it when less than a minute is left",
		Description: `Prints the cached access token while it has more than 60 s of life left;
otherwise refreshes it, under the profile's lock (so parallel runs refresh
once), with $PIXIV_REFRESH_TOKEN or else the cached refresh token, and saves
it. Text is the access token alone; json the token object; env the exports.

EXAMPLES:
   pixivauth token
   eval "$(pixivauth token --format env)"
   PIXIV_REFRESH_TOKEN=... pixivauth token --json     (a fresh CI runner)`,
		Flags:  commonFlags(tokenFormats),
		Action: p.token,
	}
}

func checkCommand(p *program) *cli.Command {
	flags := append(commonFlags(reportFormats), refreshTokenFileFlag(),
		&cli.BoolFlag{Name: optLogin, Usage: "run a headless login with the stored session instead of a refresh"})
	flags = append(flags, browserFlags()...)
	flags = append(flags, sessionFlags()...)
	return &cli.Command{
		Name:      "check",
		Usage:     "refresh once and print a one-line report: the CI smoke test",
		ArgsUsage: "[REFRESH_TOKEN|-]",
		Description: refreshTokenSources + `
It prints the user, whether premium, the new token's expiry and how long
Pixiv took to answer; json is {"ok","user","expires_at","latency_ms"}.
With --login it logs in headless with the stored session (or --cookies)
instead, proving the session still works.

EXAMPLES:
   PIXIV_REFRESH_TOKEN=${{ secrets.PIXIV_REFRESH_TOKEN }} pixivauth check --json
   pixivauth check --login`,
		Flags:  flags,
		Action: p.check,
	}
}

// refresh is the refresh command.
func (p *program) refresh(c *cli.Context) error {
	o, err := p.setup(c, tokenFormats)
	if err != nil {
		return err
	}
	rt, source, err := p.refreshTokenInput(c)
	if err != nil {
		return err
	}
	if rt == "" {
		cached := o.cachedToken()
		if cached == nil {
			return usageErrorf("no refresh token: give one as an argument, with --%s or $%s (%s)",
				optRefreshTokenFile, envRefreshToken, o.noCacheReason())
		}
		rt, source = cached.RefreshToken, "the profile's cache"
	}
	o.logf("refreshing with the refresh token from %s", source)
	ctx, cancel := o.withTimeout()
	defer cancel()
	t, err := o.exchangeClient().Refresh(ctx, rt)
	if err != nil {
		return err
	}
	_, saveErr := o.saveToken(t, false)
	return o.deliver(t, false, saveErr)
}

// token is the token command. Ten of them started at once with an expired
// cache make one refresh: each takes the profile's lock in turn, and all but
// the first find a fresh token when they re-read the cache.
func (p *program) token(c *cli.Context) error {
	o, err := p.setup(c, tokenFormats)
	if err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usageErrorf("token takes no arguments (to refresh a given token: pixivauth refresh TOKEN)")
	}
	envToken, _, err := p.secretFrom(c, "", "", envRefreshToken)
	if err != nil {
		return err
	}
	// A cached access token is used only if it came from the refresh token
	// that wins: $PIXIV_REFRESH_TOKEN, when set, names the account.
	usable := func(t *exchange.Token) bool {
		return t.Valid(time.Now(), exchange.ExpiryLeeway) && (envToken == "" || t.RefreshToken == envToken)
	}
	cached := o.cachedToken()
	if usable(cached) {
		o.logf("the cached access token has %s left", cached.ExpiresIn(time.Now()).Round(time.Second))
		return o.printToken(cached, true)
	}

	ctx, cancel := o.withTimeout()
	defer cancel()
	var saveErr error
	if o.profile != nil {
		unlock, err := o.profile.Lock(ctx)
		switch {
		case err == nil:
			defer unlock()
			// Another pixivauth may have refreshed while this one waited.
			if cached = o.cachedToken(); usable(cached) {
				o.logf("another pixivauth refreshed the token meanwhile")
				return o.printToken(cached, true)
			}
		case ctx.Err() != nil:
			return fmt.Errorf("waiting for the lock of profile %q: %w", o.profile.Name(), ctx.Err())
		default:
			// No lock, no cache: refresh all the same, and say so at the end.
			saveErr = &saveError{err}
		}
	}
	rt, source := envToken, "$"+envRefreshToken
	if rt == "" && cached != nil {
		rt, source = cached.RefreshToken, "the profile's cache"
	}
	if rt == "" {
		return needsPersonf("no token: %s and $%s is not set; log in with `pixivauth login`",
			o.noCacheReason(), envRefreshToken)
	}
	o.logf("refreshing with the refresh token from %s", source)
	t, err := o.exchangeClient().Refresh(ctx, rt)
	if err != nil {
		return err
	}
	if saveErr == nil {
		_, saveErr = o.saveToken(t, o.profile != nil)
	}
	return o.deliver(t, true, saveErr)
}

// check is the check command. With --json a failure is reported on stdout
// too, as {"ok":false,…}, once the options are read.
func (p *program) check(c *cli.Context) error {
	o, err := p.setup(c, reportFormats)
	if err != nil {
		return err
	}
	err = p.runCheck(c, o)
	var save *saveError
	if err != nil && o.format == formatJSON && !errors.As(err, &save) {
		o.reportFailure(err)
	}
	return err
}

func (p *program) runCheck(c *cli.Context, o *options) error {
	if c.Bool(optLogin) {
		return p.checkLogin(c, o)
	}
	rt, source, err := p.refreshTokenInput(c)
	if err != nil {
		return err
	}
	if rt == "" {
		cached := o.cachedToken()
		if cached == nil {
			return needsPersonf("no token: %s; give one as an argument, with --%s or $%s, or log in with `pixivauth login`",
				o.noCacheReason(), optRefreshTokenFile, envRefreshToken)
		}
		rt, source = cached.RefreshToken, "the profile's cache"
	}
	o.logf("refreshing with the refresh token from %s", source)
	ctx, cancel := o.withTimeout()
	defer cancel()
	start := time.Now()
	t, err := o.exchangeClient().Refresh(ctx, rt)
	if err != nil {
		return err
	}
	latency := time.Since(start)
	_, saveErr := o.saveToken(t, false)
	if err := o.printCheck(t, latency); err != nil {
		return err
	}
	return saveErr
}

// checkReport is check's JSON.
type checkReport struct {
	OK        bool          `json:"ok"`
	User      exchange.User `json:"user"`
	ExpiresAt time.Time     `json:"expires_at"`
	LatencyMS int64         `json:"latency_ms"`
}

// printCheck prints check's one line: who, premium, the new token's expiry,
// and how long Pixiv took.
func (o *options) printCheck(t *exchange.Token, latency time.Duration) error {
	var b bytes.Buffer
	r := checkReport{OK: true, User: t.User, ExpiresAt: t.Expiry.UTC().Truncate(time.Second), LatencyMS: latency.Milliseconds()}
	if o.format == formatJSON {
		writeJSON(&b, r)
	} else {
		fmt.Fprintf(&b, "ok: %s; token valid until %s (%s); Pixiv answered in %d ms\n",
			describeUser(r.User), r.ExpiresAt.Format(time.RFC3339),
			t.ExpiresIn(time.Now()).Round(time.Second), r.LatencyMS)
	}
	return o.printResult(b.Bytes())
}

// cachedToken is the profile's cached token, or nil when there is none or
// no profile, or it cannot be read (with a warning: the command goes on as
// if there were none).
func (o *options) cachedToken() *exchange.Token {
	if o.profile == nil {
		return nil
	}
	t, err := o.profile.LoadToken()
	if err != nil {
		if !errors.Is(err, store.ErrNoToken) {
			o.warnf("cannot read the token cache: %v", err)
		}
		return nil
	}
	return t
}

// noCacheReason says why no cached token was found.
func (o *options) noCacheReason() string {
	switch {
	case o.profile != nil:
		return fmt.Sprintf("profile %q holds none", o.profile.Name())
	case o.storeErr != nil:
		return "no config dir: " + o.storeErr.Error()
	}
	return "no profile is read with --pixiv-server and no --config-dir"
}

// saveToken caches t in the profile; locked says the caller holds the
// profile's lock. It reports whether t was saved. A profile that holds
// another user's token keeps it, with a warning that names --profile: that
// is not a failure. Any other failure is a saveError.
func (o *options) saveToken(t *exchange.Token, locked bool) (saved bool, err error) {
	if o.profile == nil {
		return false, o.notSaved("the tokens")
	}
	if locked {
		err = o.profile.SaveTokenLocked(t)
	} else {
		err = o.profile.SaveToken(t)
	}
	switch {
	case errors.Is(err, store.ErrOtherUser):
		o.warnf("%v", err)
		return false, nil
	case err != nil:
		return false, &saveError{err}
	}
	o.logf("saved the tokens in profile %q", o.profile.Name())
	return true, nil
}

// notSaved explains why something was not saved without a profile: a
// failure if no config dir could be found, by design with --pixiv-server.
func (o *options) notSaved(what string) error {
	if o.storeErr != nil {
		return &saveError{o.storeErr}
	}
	fmt.Fprintf(o.stderr, "%s: %s not saved: with --pixiv-server, only a --config-dir keeps anything\n", programName, what)
	return nil
}

// deliver prints tokens that Pixiv has issued, then returns saveErr: the
// tokens reach the user even when they could not be saved, since they
// cannot be asked for again.
func (o *options) deliver(t *exchange.Token, bare bool, saveErr error) error {
	if err := o.printToken(t, bare); err != nil {
		return err
	}
	return saveErr
}
