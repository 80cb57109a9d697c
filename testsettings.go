package main

import (
	"fmt"
	"os"
	"time"
)

// Test settings shorten waits that are fixed for a user, for the tests that
// run the built binary against a Pixiv double. Like --insecure, they are
// accepted only together with --pixiv-server, which must be a loopback
// address: a run against Pixiv can never be changed by them, and setting
// one without --pixiv-server is a usage error. Each takes a Go duration
// ("2s", "10ms").
const (
	// envTestStall is how long a headless login may stay on a page it has
	// nothing to do on before it ends as stalled (normally 15 s).
	envTestStall = "PIXIVAUTH_TEST_STALL"
	// envTestBackoff is the wait before the first retry of a token
	// request, doubled with every try (normally 500 ms). A Retry-After
	// that the double sends is still waited out.
	envTestBackoff = "PIXIVAUTH_TEST_BACKOFF"
)

// testSettings are the test settings of a run; zero values mean the normal
// waits.
type testSettings struct {
	stall, backoff time.Duration
}

// readTestSettings reads the test settings from the environment, for a run
// whose --pixiv-server is server (already checked to be loopback).
func readTestSettings(server string) (testSettings, error) {
	var ts testSettings
	for _, s := range []struct {
		name string
		d    *time.Duration
	}{{envTestStall, &ts.stall}, {envTestBackoff, &ts.backoff}} {
		v := os.Getenv(s.name)
		if v == "" {
			continue
		}
		if server == "" {
			return testSettings{}, usageErrorf("$%s is a test setting, accepted only together with --%s", s.name, optPixivServer)
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return testSettings{}, usageErrorf("$%s must be a positive duration such as 2s", s.name)
		}
		*s.d = d
	}
	return ts, nil
}

// String names the settings in force, for -v.
func (ts testSettings) String() string {
	return fmt.Sprintf("stall %s, backoff %s", ts.stall, ts.backoff)
}
