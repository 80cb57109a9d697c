package capture

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestForwarderServesItsUserOnly: the forwarder adds the person's proxy
// credentials to the tunnels it opens, for this user's processes; another
// user's connection is closed unanswered (Linux, where the test runs as
// root and can be another user).
func TestForwarderServesItsUserOnly(t *testing.T) {
	srv := pixivtest.New()
	defer srv.Close()
	proxy := pixivtest.NewProxy(srv.Addr())
	defer proxy.Close()
	proxy.RequireAuth("user", "secret")
	u, err := url.Parse(strings.Replace(proxy.URL(), "://", "://user:secret@", 1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := startAuthForwarder(u)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	addr := f.ln.Addr().(*net.TCPAddr)
	connect := "CONNECT " + pixiv.OAuthHost + ":443 HTTP/1.1\r\nHost: " + pixiv.OAuthHost + ":443\r\n\r\n"

	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(connect)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("this user's CONNECT: %v, %v", resp, err)
	}

	if runtime.GOOS != "linux" || os.Getuid() != 0 {
		t.Skip("another user's connection is told apart on Linux, by a test that can be another user (root)")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to connect as another user")
	}
	cmd := exec.Command(bash, "-c", `exec 3<>/dev/tcp/127.0.0.1/`+strconv.Itoa(addr.Port)+` && echo connected && printf '%s' "$CONNECT" >&3 && cat <&3`)
	cmd.Env = []string{"CONNECT=" + connect}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	// The forwarder closes the connection: cat fails, or reads nothing.
	out, _ := cmd.CombinedOutput()
	if !strings.HasPrefix(string(out), "connected\n") || strings.Contains(string(out), "HTTP/") {
		t.Errorf("another user's connection was not made, or was answered: %q", out)
	}
	if n := len(proxy.Requests()); n != 1 {
		t.Errorf("the proxy saw %d requests, want this user's 1", n)
	}
}
