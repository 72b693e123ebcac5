package main

import (
	"bufio"
	"fmt"
	"io"
)

// What the commands that print a report share: how they write it and
// how they end.

// writeReport writes what write writes to stdout through one buffer; an
// error says it was the what that could not be written.
func writeReport(stdout io.Writer, what string, write func(w *bufio.Writer) error) error {
	w := bufio.NewWriterSize(stdout, 64<<10)
	err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("writing the %s: %w", what, err)
	}
	return nil
}

// ending is what a report's command returns once it has written: the
// writing's error, else the reading's (a check on a partial reading
// cannot vouch for the host: the error wins over the verdict), else,
// with --check, its verdict.
func ending(writeErr, collectErr error, check bool, verdict func() error) error {
	switch {
	case writeErr != nil:
		return writeErr
	case collectErr != nil || !check:
		return collectErr
	}
	return verdict()
}
