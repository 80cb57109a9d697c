package capture

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pixivauth/pixivauth/exchange"
	"github.com/pixivauth/pixivauth/pixivtest"
	"github.com/pixivauth/pixivauth/session"
)

func TestZZTrace(t *testing.T) {
	f := newFixture(t)
	ex := &exchange.Client{HTTPClient: f.srv.Client()}
	f.opts.Cookies = []session.Cookie{fromHTTP(f.srv.NewSession(pixivtest.DemoAccount().ID))}
	for i := 0; i < 3; i++ {
		v := exchange.NewVerifier()
		opts := f.opts
		opts.LoginURL = exchange.LoginURL(v)
		start := time.Now()
		opts.Logf = func(format string, args ...any) {
			fmt.Printf("%6.1f log %s\n", float64(time.Since(start).Microseconds())/1000, fmt.Sprintf(format, args...))
		}
		opts.Progress = func(s Step) {
			fmt.Printf("%6.1f step %s\n", float64(s.Time.Sub(start).Microseconds())/1000, s.Name)
		}
		n0 := len(f.srv.Requests())
		if _, err := loginOnce(context.Background(), opts, ex, v); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.srv.Requests()[n0:] {
			fmt.Printf("%6.1f req %s %s %s\n", float64(r.Time.Sub(start).Microseconds())/1000, r.Method, r.Host, r.Path)
		}
		fmt.Printf("%6.1f done\n", float64(time.Since(start).Microseconds())/1000)
	}
}
