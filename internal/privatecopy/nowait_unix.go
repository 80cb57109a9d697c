//go:build unix

package privatecopy

import "syscall"

// openNoWait opens a FIFO without waiting for a writer; it changes nothing
// for a regular file.
const openNoWait = syscall.O_NONBLOCK
