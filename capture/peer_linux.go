//go:build linux

package capture

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// otherUsersConn reports whether c, a connection to a listener of this
// process on 127.0.0.1, comes from a process of another user: its socket
// in /proc/net/tcp has another uid. A connection it cannot place is not
// taken for another's.
func otherUsersConn(c net.Conn) bool {
	peer, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || peer.IP.To4() == nil {
		return false
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return false
	}
	defer f.Close()
	ip := peer.IP.To4()
	// The kernel writes an IPv4 address as the hex of its 32 bits in host
	// byte order: little-endian here, so 127.0.0.1 is 0100007F.
	want := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], peer.Port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1] != want {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		return err == nil && uid != os.Getuid()
	}
	return false
}
