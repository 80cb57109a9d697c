package capture

import (
	"bytes"
	"strings"
	"sync"
)

// outputFilter takes the browser's own output, which can hold URLs with
// codes in them, and passes it on line by line with query values removed,
// only when a log is wanted. It never reaches the terminal unfiltered.
type outputFilter struct {
	logf func(format string, args ...any)
	mu   sync.Mutex
	buf  bytes.Buffer
	tail []string // the last lines, redacted, for an error that needs them
}

// lastLines is how many lines of output a start error can quote.
const lastLines = 3

// Tail returns the last lines the browser printed, query values removed.
func (o *outputFilter) Tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.tail, " | ")
}

func (o *outputFilter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	for {
		line, err := o.buf.ReadString('\n')
		if err != nil {
			// Keep the unfinished line for the next write.
			o.buf.Reset()
			o.buf.WriteString(line)
			return len(p), nil
		}
		line = RedactQuery(strings.TrimSpace(line))
		if line == "" || noise(line) {
			continue
		}
		o.tail = append(o.tail, line)
		if len(o.tail) > lastLines {
			o.tail = o.tail[1:]
		}
		if o.logf != nil {
			o.logf("browser: %s", line)
		}
	}
}

// noise is output that every Chromium prints on a server and that says
// nothing about a failure: no D-Bus, Debian's wrapper script.
func noise(line string) bool {
	for _, n := range []string{"dbus/", "unexpected operator", "/cpufreq/", "zygote_linux.cc", "zygote_communication_linux.cc"} {
		if strings.Contains(line, n) {
			return true
		}
	}
	return false
}
