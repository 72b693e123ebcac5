//go:build !linux

package main

import (
	"errors"
	"runtime"
)

func refuseSockDiag() error { return errors.New("no seccomp sandbox on " + runtime.GOOS) }
