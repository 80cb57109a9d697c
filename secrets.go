package main

import (
	"io"
	"os"
	"strings"
	"unicode"
)

// Environment variables that carry secrets. They are read here, not
// through urfave/cli's EnvVars, because the option or file that names the
// same secret wins over them.
const (
	envRefreshToken = "PIXIV_REFRESH_TOKEN"
	envPassword     = "PIXIV_PASSWORD"
	envPHPSESSID    = "PIXIV_PHPSESSID"
	envTOTPSecret   = "PIXIV_TOTP_SECRET"
)

// secretEnvVars are the environment variables that carry secrets.
var secretEnvVars = [...]string{envRefreshToken, envPassword, envPHPSESSID, envTOTPSecret}

// secretEnv holds the secret variables of the environment pixivauth was
// started with, by name (takeSecretEnv).
type secretEnv map[string]string

// proxyEnvVars are the proxy variables pixivauth reads, in its order
// (setProxy); a browser would also read $HTTP_PROXY (browserProxyEnvVars).
var (
	proxyEnvVars        = []string{"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}
	browserProxyEnvVars = append([]string{"HTTP_PROXY", "http_proxy"}, proxyEnvVars...)
)

// takeSecretEnv reads the variables that carry secrets and removes them
// from this process's environment, so that no process pixivauth starts
// inherits them: not the browser, nor the helpers it starts, nor a
// browser's --version. A process's environment is readable in
// /proc/PID/environ by the user's other programs, and goes into crash
// reports. A proxy variable whose URL holds a password is taken too (the
// browser is given its proxy on its command line, without the password:
// see capture's proxy forwarder). main calls it once, before anything can
// start a process.
func takeSecretEnv() secretEnv {
	env := secretEnv{}
	for _, name := range secretEnvVars {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
			os.Unsetenv(name)
		}
	}
	for _, name := range browserProxyEnvVars {
		if v, ok := os.LookupEnv(name); ok && strings.Contains(v, "@") {
			env[name] = v
			os.Unsetenv(name)
		}
	}
	return env
}

// maxSecretFile bounds what is read as one secret or session file: a token
// is 43 characters and a session a few kilobytes.
const maxSecretFile = 1 << 20

// checkSecret trims the whitespace around a secret (the newline of a file,
// of `echo`, of a secret store) and a leading byte order mark (a file saved
// by a Windows editor), and refuses what cannot be one: an empty value, or
// one with whitespace, a control character or another invisible character
// (a zero-width space) inside, which is a paste gone wrong. what names where
// it came from, never the value.
func checkSecret(what, value string) (string, error) {
	value = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(value), "\ufeff"))
	if value == "" {
		return "", usageErrorf("%s is empty", what)
	}
	for _, r := range value {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "", usageErrorf("%s contains whitespace, a control character or an invisible character inside it", what)
		}
	}
	return value, nil
}

// readInput reads a file named by an option, or stdin for "-", whole.
// Failing to read it is a usage error: the command line named something
// that is not there.
func (p *program) readInput(what, path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		if p.stdinTaken != "" {
			return nil, usageErrorf("%s and %s cannot both read stdin", p.stdinTaken, what)
		}
		p.stdinTaken = what
		r = p.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("%s: %v", what, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
	switch {
	case err != nil:
		return nil, usageErrorf("%s: %v", what, err)
	case len(data) > maxSecretFile:
		return nil, usageErrorf("%s is larger than %d bytes, more than a secret or one site's cookies hold: give the right file (a cookie export of pixiv.net's cookies only)", what, maxSecretFile)
	}
	return data, nil
}

// readSecretFile reads one secret from a file, or from stdin for "-".
func (p *program) readSecretFile(what, path string) (string, error) {
	data, err := p.readInput(what, path)
	if err != nil {
		return "", err
	}
	return checkSecret(what, string(data))
}

// secretFrom reads a secret that can be given, in this order of
// precedence, as the value of the option valueOpt (named valueName), in the
// file named by fileOpt (fileName; "-" for stdin), or in the environment
// variable envVar. It returns "" when none of them is set, and names the
// source for -v. The option and the file together are a usage error: one
// of them would be ignored.
func (p *program) secretFrom(value opt, valueName string, file opt, fileName string, envVar string) (secret, source string, err error) {
	switch {
	case value.set && file.set:
		return "", "", usageErrorf("--%s and --%s give the same secret: give one of them", valueName, fileName)
	case value.set:
		source = "--" + valueName
		secret, err = checkSecret(source, value.value)
		if err == nil {
			p.warnArgvSecret(valueName, fileName, envVar)
		}
	case file.set:
		source = "--" + fileName
		secret, err = p.readSecretFile(source, file.value)
	default:
		v, ok := p.deps.secretEnv[envVar]
		if !ok {
			return "", "", nil
		}
		source = "$" + envVar
		secret, err = checkSecret(source, v)
	}
	return secret, source, err
}

// refreshTokenInput is the refresh token the command line gives: the
// argument ("-" reads stdin), else --refresh-token-file, else
// $PIXIV_REFRESH_TOKEN. It returns "" for none; the profile's cache comes
// after all of them.
func (p *program) refreshTokenInput(o refreshOpts) (token, source string, err error) {
	switch len(o.args) {
	case 0:
		return p.secretFrom(opt{}, "", o.refreshTokenFile, optRefreshTokenFile, envRefreshToken)
	case 1:
	default:
		return "", "", usageErrorf("%s takes one refresh token, not %d arguments%s", o.command, len(o.args), afterDashes(o.args))
	}
	if arg := o.args[0]; arg != "-" {
		token, err = checkSecret("the refresh token argument", arg)
		return token, "the argument", err
	}
	token, err = p.readSecretFile("the refresh token on stdin", "-")
	return token, "stdin", err
}
