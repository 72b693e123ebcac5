// Command ctserver is what the Podman test runs in its container: built
// static (CGO_ENABLED=0) into an otherwise empty root, it listens on
// 0.0.0.0:7777, connects to itself, and holds both until it is killed.
package main

import (
	"net"
	"time"
)

func main() {
	l, err := net.Listen("tcp4", "0.0.0.0:7777")
	if err != nil {
		panic(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			panic(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp4", "127.0.0.1:7777")
	if err != nil {
		panic(err)
	}
	server := <-accepted
	for {
		time.Sleep(time.Hour)
		if c == nil || server == nil { // keeps both alive
			return
		}
	}
}
