package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pixivauth/pixivauth/auth"
	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/reason"
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
		Action: bind(readRefresh, p.runRefresh),
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
		Action: bind(readCommon, p.runToken),
	}
}

func checkCommand(p *program) *cli.Command {
	flags := append(timeoutDefault(commonFlags(reportFormats), "2m; with --login, 60s"), refreshTokenFileFlag(),
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
		Action: bind(readCheck, p.runCheck),
	}
}

// runRefresh is the refresh command.
func (p *program) runRefresh(ctx context.Context, ro refreshOpts) error {
	o, err := p.setup(ctx, ro.commonOpts, tokenFormats)
	if err != nil {
		return err
	}
	rt, source, err := p.refreshTokenInput(ro)
	if err != nil {
		return err
	}
	if rt == "" {
		cached, err := o.cachedToken()
		if err != nil {
			return err
		}
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
	return o.deliver(t, false, o.saveToken(ctx, t))
}

// token is the token command. Ten of them started at once with an expired
// cache make one refresh: auth.Token refreshes under the profile's lock,
// and all but the first find the fresh token when they re-read the cache.
func (p *program) runToken(ctx context.Context, co commonOpts) error {
	o, err := p.setup(ctx, co, tokenFormats)
	if err != nil {
		return err
	}
	if err := noArguments("token", co.args, "to refresh a given token: pixivauth refresh TOKEN"); err != nil {
		return err
	}
	envToken, _, err := p.secretFrom(opt{}, "", opt{}, "", envRefreshToken)
	if err != nil {
		return err
	}
	ctx, cancel := o.withTimeout()
	defer cancel()
	res, err := auth.Token(ctx, auth.TokenConfig{
		Client:       o.exchangeClient(),
		Profile:      o.profile,
		RefreshToken: envToken,
		Logf:         o.stepLogf(),
	})
	switch {
	case errors.Is(err, reason.NoToken):
		return needsPersonf("no token: $%s is not set, and %s; log in with `pixivauth login`",
			envRefreshToken, o.noCacheReason())
	case res.Token == nil:
		return err
	}
	err = o.saveErr(err)
	if res.Refreshed && o.profile == nil {
		err = errors.Join(err, o.notSaved("the tokens"))
	}
	return o.deliver(res.Token, true, err)
}

// runCheck is the check command. A failure leaves stdout empty, --json
// or not, as the CLI contract says; the exit status tells what failed.
func (p *program) runCheck(ctx context.Context, co checkOpts) error {
	o, err := p.setup(ctx, co.commonOpts, reportFormats)
	if err != nil {
		return err
	}
	return p.checkWith(o, co)
}

func (p *program) checkWith(o *options, co checkOpts) error {
	if co.login {
		return p.checkLogin(o, co.loginOpts)
	}
	rt, source, err := p.refreshTokenInput(co.refreshOpts)
	if err != nil {
		return err
	}
	if rt == "" {
		cached, err := o.cachedToken()
		if err != nil {
			return err
		}
		if cached == nil {
			return needsPersonf("no token: %s; give one as an argument, with --%s or $%s, or log in with `pixivauth login`",
				o.noCacheReason(), optRefreshTokenFile, envRefreshToken)
		}
		rt, source = cached.RefreshToken, "the profile's cache"
	}
	o.logf("refreshing with the refresh token from %s", source)
	ctx, cancel := o.withTimeout()
	defer cancel()
	// check prints a report, not the tokens, so tokens it could not save
	// would be lost: it takes the profile's lock before it refreshes (no
	// longer than --timeout allows) and saves under it. A lock it cannot get
	// for another reason (no config dir) leaves saveToken to say why.
	var lock *store.Locked
	if o.profile != nil {
		l, err := o.profile.Lock(ctx)
		if errors.Is(err, reason.CacheBusy) {
			return err
		}
		if err == nil {
			lock = l
			defer l.Unlock()
		}
	}
	start := time.Now()
	t, err := o.exchangeClient().Refresh(ctx, rt)
	if err != nil {
		return err
	}
	latency := time.Since(start)
	if missing := incomplete(t, time.Now()); missing != "" {
		// A smoke test exists to notice this: the token endpoint
		// answered, but not as Pixiv does. Such a token does not
		// replace the cache's.
		return reason.Mark(fmt.Errorf("the token endpoint's answer holds an access token but %s: if it persists, Pixiv may have changed its token endpoint", missing), reason.Failing)
	}
	var saveErr error
	if lock != nil {
		if err := lock.SaveToken(t); err != nil {
			saveErr = o.saveErr(&auth.SaveError{Err: err})
		} else {
			o.logf("saved the tokens in profile %q", o.profile.Name())
		}
	} else {
		saveErr = o.saveToken(ctx, t)
	}
	if err := o.printCheck(t, latency); err != nil {
		return err
	}
	var notSaved *saveError
	if errors.As(saveErr, &notSaved) {
		// check prints a report, not the tokens.
		notSaved.lead = "the check passed, but its new tokens could not be saved"
	}
	return saveErr
}

// incomplete says what a fresh token lacks of what Pixiv's answer always
// holds (a user, a lifetime), or "" when it lacks nothing.
func incomplete(t *exchange.Token, now time.Time) string {
	var missing []string
	if t.User.ID == "" {
		missing = append(missing, "no user")
	}
	if t.ExpiresIn(now) <= 0 {
		missing = append(missing, "no lifetime (expires_in)")
	}
	return strings.Join(missing, " and ")
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
		fmt.Fprintf(&b, "ok: %s; token valid until %s (%s); Pixiv answered in %s\n",
			describeUser(r.User), r.ExpiresAt.Format(time.RFC3339),
			t.ExpiresIn(time.Now()).Round(time.Second), milliseconds(latency))
	}
	return o.printResult(b.Bytes())
}

// milliseconds is d in whole milliseconds, or with a tenth under 10 ms: a
// double on loopback answers in less than one, which is not "0 ms".
func milliseconds(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// cachedToken is the profile's cached token, or nil when there is none or
// no profile. A cache that cannot be read (a file where the config dir
// should be) is an error, not "none".
func (o *options) cachedToken() (*exchange.Token, error) {
	if o.profile == nil {
		return nil, nil
	}
	t, err := o.profile.LoadToken()
	if errors.Is(err, store.ErrNoToken) {
		return nil, nil
	}
	return t, err
}

// noCacheReason says why no cached token was found.
func (o *options) noCacheReason() string {
	switch {
	case o.profile != nil:
		return fmt.Sprintf("profile %q holds none", o.profile.Name())
	case o.storeErr != nil:
		return "no config dir: " + o.storeErr.Error()
	}
	return "with --pixiv-server no profile is read unless --config-dir DIR is given" + o.envDirNote()
}

// saveToken caches t in the profile, waiting for its lock no longer than
// ctx allows. A failure, a profile of another user's among them, is a
// saveError: the tokens are printed all the same.
func (o *options) saveToken(ctx context.Context, t *exchange.Token) error {
	if o.profile == nil {
		return o.notSaved("the tokens")
	}
	if err := o.saveErr(auth.Save(ctx, o.profile, t, nil)); err != nil {
		return err
	}
	o.logf("saved the tokens in profile %q", o.profile.Name())
	return nil
}

// saveErr turns auth's SaveError into the CLI's saveError (exit 1); other
// errors pass as they are.
func (o *options) saveErr(err error) error {
	var save *auth.SaveError
	if errors.As(err, &save) {
		return &saveError{err: save.Err}
	}
	return err
}

// notSaved explains why something was not saved without a profile: a
// failure if no config dir could be found, by design with --pixiv-server.
func (o *options) notSaved(what string) error {
	if o.storeErr != nil {
		return &saveError{err: o.storeErr}
	}
	verb := "were" // the tokens
	if !strings.HasSuffix(what, "s") {
		verb = "was" // the session
	}
	fmt.Fprintf(o.stderr, "%s: %s %s not saved: with --pixiv-server, only a --config-dir given on the command line keeps anything%s\n", programName, what, verb, o.envDirNote())
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
