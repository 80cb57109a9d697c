//go:build !linux

package main

import "os"

// maxRSS is unknown here: the memory target is measured on Linux.
func maxRSS(*os.ProcessState) int64 { return 0 }
