//go:build !linux

package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "bench: not supported on %s/%s: the fixture is a Linux network namespace\n", runtime.GOOS, runtime.GOARCH)
	os.Exit(1)
}
