//go:build !linux

// Command soak is issue 15's random-fault soak of pixivauth (see main.go).
// It reads the process table from /proc, so it runs on Linux only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "soak: runs on Linux only (it reads /proc)")
	os.Exit(2)
}
