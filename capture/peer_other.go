//go:build !linux

package capture

import "net"

// otherUsersConn reports whether c comes from a process of another user;
// only Linux can tell (peer_linux.go), and elsewhere no connection is taken
// for another's.
func otherUsersConn(net.Conn) bool { return false }
