package exchange

import (
	"context"
	"time"
)

// NoWait makes c record its waits between tries in *waits instead of
// sleeping them, for the tests of package exchange_test.
func NoWait(c *Client, waits *[]time.Duration) {
	c.sleep = func(ctx context.Context, d time.Duration) error {
		if waits != nil {
			*waits = append(*waits, d)
		}
		return ctx.Err()
	}
}
