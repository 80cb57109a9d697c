//go:build !unix

package privatecopy

// openNoWait is Unix's O_NONBLOCK; elsewhere an open does not wait on a
// FIFO.
const openNoWait = 0
