// Command benchtable turns `go test -bench` output (read from stdin, any
// -count) into the Markdown table of BENCHMARKS.md: the median of each
// metric over the runs, beside its target.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pixivauth/pixivauth/capture"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(r io.Reader, w io.Writer) error {
	values := map[string]map[string][]float64{} // bench → unit → values
	var order []string
	cpu := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "cpu: "); ok {
			cpu = strings.Join(strings.Fields(c), " ") // some CPUs pad their name
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		if values[name] == nil {
			values[name] = map[string][]float64{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			values[name][fields[i+1]] = append(values[name][fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	med := map[string]map[string]float64{}
	for b, units := range values {
		med[b] = map[string]float64{}
		for u, vs := range units {
			slices.Sort(vs)
			med[b][u] = vs[len(vs)/2]
		}
	}
	browser := "no browser found"
	if path, err := capture.FindBrowser("", false); err == nil {
		if v, err := capture.BrowserVersion(context.Background(), path); err == nil {
			browser = v
		}
	}
	fmt.Fprintf(w, "# pixivauth benchmarks\n\nMade by `make bench` on %s: %s, %d cores (%s/%s), %s, against the Pixiv double on loopback. Each value is the median of the runs (`-count`); the browser benchmarks are one run of a fixed number of whole logins. Reproduce with `make bench`.\n\n",
		time.Now().UTC().Format("2006-01-02"), orUnknown(cpu), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, browser)
	fmt.Fprintln(w, "| benchmark | metric | value | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, b := range order {
		units := make([]string, 0, len(med[b]))
		for u := range med[b] {
			units = append(units, u)
		}
		slices.Sort(units)
		for _, u := range units {
			goal, met := judge(b, u, med)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", strings.TrimPrefix(b, "Benchmark"), u, format(u, med[b][u]), goal, met)
		}
	}
	fmt.Fprint(w, legend)
	return nil
}

const legend = `
What each benchmark measures:

- **CaptureToExchange**: from the DevTools event that carries the callback to the token request reaching the double: how long the single-use code waits on pixivauth. Percentiles over the logins of the run.
- **HeadlessSessionLogin**: a whole headless login with a stored session, from browser start to tokens to browser gone, beside **BrowserStart**: the same headless browser started, a blank page opened, the browser stopped. What remains above that floor is Pixiv's pages and the redirects. Its *-ms metrics split one login by step, each the median time from the start of the login: browser started, login (account selection) page shown, account selected (the click), code captured, tokens in hand, browser gone.
- **SessionLoginCommand**: ` + "`pixivauth login --no-browser`" + ` with a stored session, as a server or CI job runs it, with no browser on PATH: process start, the six requests of the browserless login, the code exchange, token and session saved, tokens printed. Its speed-up is against **HeadlessSessionLogin** of the same run, which has no process start to pay (so the ratio favours the browser). Its peak-MiB is the process's own high-water mark (ru_maxrss; it starts no child).
- **HeadlessSessionLoginCommand**: ` + "`pixivauth login --headless`" + ` with the session an earlier login saved, as a server or scheduled job runs it: process start to tokens printed and process gone. A session login goes over HTTP first and starts the browser only when Pixiv answers with something unexpected, so this is the run a user gets; **HeadlessSessionLogin** is the same login through the browser. Beside it, **BrowserStartCommand**: the browser binary pixivauth would start, run by itself headless to a blank page and gone (` + "`--dump-dom about:blank`" + `).
- **Code**: the browserless login in process, the six requests up to the code.
- **RefreshCommand**: ` + "`pixivauth refresh`" + ` as a script runs it: process start, refresh, cache written, tokens printed.
- **DemoPeakMemory**: pixivauth's own peak resident memory (VmHWM from /proc/self/status) during ` + "`pixivauth demo`" + `, the highest of the runs; the browser's memory is apart.
- **Refresh**: one refresh through exchange.Client, in process.
`

func judge(bench, unit string, med map[string]map[string]float64) (string, string) {
	short := bench[strings.LastIndex(bench, "/")+1:]
	v := med[bench][unit]
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	switch {
	case unit == "capture-to-exchange-p50-ms":
		return "≤ 2 ms", yes(v <= 2)
	case unit == "capture-to-exchange-p99-ms":
		return "≤ 10 ms", yes(v <= 10)
	case unit == "peak-MiB":
		return "≤ 25 MiB", yes(v <= 25)
	case short == "BenchmarkHeadlessSessionLoginCommand" && unit == "ns/op":
		if start := med["BenchmarkBrowserStartCommand"]["ns/op"]; start > 0 {
			ratio := v / start
			return "≤ 1.3× browser start (command)", fmt.Sprintf("%s (%.2f×)", yes(ratio <= 1.3), ratio)
		}
	case short == "BenchmarkSessionLoginCommand" && unit == "ns/op":
		goal := "≤ 50 ms, ≥ 15× faster than HeadlessSessionLogin"
		for b, units := range med {
			if strings.HasSuffix(b, "HeadlessSessionLogin") && units["ns/op"] > 0 && v > 0 {
				ratio := units["ns/op"] / v
				return goal, fmt.Sprintf("%s (%.1f×)", yes(v <= 50e6 && ratio >= 15), ratio)
			}
		}
		return goal, yes(v <= 50e6) + " (no browser figure)"
	case strings.HasSuffix(short, "HeadlessSessionLogin") && unit == "ns/op":
		for b, units := range med {
			if strings.HasSuffix(b, "BrowserStart") && units["ns/op"] > 0 {
				ratio := v / units["ns/op"]
				return "≤ 1.3× browser start", fmt.Sprintf("%s (%.2f×)", yes(ratio <= 1.3), ratio)
			}
		}
	}
	return "", ""
}

func format(unit string, v float64) string {
	if unit == "ns/op" {
		return time.Duration(v).Round(time.Microsecond).String()
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}
