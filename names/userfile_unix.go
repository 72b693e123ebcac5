//go:build unix

package names

import (
	"os"
	"syscall"
)

// openNonblocking opens path for reading without waiting: a FIFO with no
// writer opens at once (and is then refused), where a plain open blocks
// until a writer comes. On a regular file O_NONBLOCK changes nothing.
func openNonblocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
