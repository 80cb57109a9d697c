//go:build linux

package capture

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pixivauth/pixivauth/internal/testenv"
)

// TestForwarderRefusesOtherUsers: another user's connection to the
// forwarder, which holds the person's proxy credentials, is closed
// unanswered. The test becomes another user (uid 65534), so it needs root,
// as the tests run on these machines.
func TestForwarderRefusesOtherUsers(t *testing.T) {
	testenv.Need(t, os.Getuid() == 0, "connecting as another user needs root")
	bash, err := exec.LookPath("bash")
	testenv.Need(t, err == nil, "bash is needed to connect as another user")
	f, proxy, connect := startTestForwarder(t)
	port := strconv.Itoa(f.ln.Addr().(*net.TCPAddr).Port)
	cmd := exec.Command(bash, "-c", `exec 3<>/dev/tcp/127.0.0.1/`+port+` && echo connected && printf '%s' "$CONNECT" >&3 && cat <&3`)
	cmd.Env = []string{"CONNECT=" + connect}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	// The forwarder closes the connection: cat fails, or reads nothing.
	out, _ := cmd.CombinedOutput()
	if !strings.HasPrefix(string(out), "connected\n") || strings.Contains(string(out), "HTTP/") {
		t.Errorf("another user's connection was not made, or was answered: %q", out)
	}
	if n := len(proxy.Requests()); n != 0 {
		t.Errorf("the proxy saw %d requests, want none", n)
	}
}
