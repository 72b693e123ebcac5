//go:build !unix

package names

import "os"

// openNonblocking opens path for reading. Outside Unix there are no FIFOs
// to block on: the checks around it refuse what is not a regular file.
func openNonblocking(path string) (*os.File, error) {
	return os.Open(path)
}
