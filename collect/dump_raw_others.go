//go:build !linux

package collect

import "syscall"

func receiveRaw(syscall.RawConn, chan []byte, chan []byte) error { return ErrUnsupported }
