package names

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// LineError is a line of a table file (/etc/services, /etc/passwd) that
// could not be read.
type LineError struct {
	// Path is the file's name; empty when the table came from a reader.
	Path string
	// Line is the line number, counting from 1.
	Line int
	// Text is the line as read (cut short when very long).
	Text string
	// Reason says what is wrong with the line.
	Reason string
	// table names the kind of file, for Error when Path is empty; kind is
	// the sentinel the error matches (ErrServicesSyntax, ErrPasswdSyntax).
	table string
	kind  error
}

func (e *LineError) Error() string {
	src := e.Path
	if src == "" {
		src = e.table
	}
	return fmt.Sprintf("%s line %d: %s: %q", src, e.Line, e.Reason, e.Text)
}

// Unwrap makes a LineError match its table's sentinel.
func (e *LineError) Unwrap() error { return e.kind }

// maxLineErrors caps the bad lines a table reports one by one.
const maxLineErrors = 10

// maxQuoted caps how much of a bad line an error quotes.
const maxQuoted = 120

// ReadTable calls parse for each line of r. A line parse gives a reason
// for is bad: the first maxLineErrors become *LineError values, the rest a
// count; a read error ends the table. All of them come back joined.
func ReadTable(r io.Reader, path, table string, kind error, parse func(line string) (reason string)) error {
	var errs []error
	bad, n := 0, 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		reason := parse(line)
		if reason == "" {
			continue
		}
		bad++
		if bad <= maxLineErrors {
			errs = append(errs, &LineError{Path: path, Line: n, Text: quotable(line), Reason: reason, table: table, kind: kind})
		}
	}
	src := path
	if src == "" {
		src = table
	}
	if bad > maxLineErrors {
		errs = append(errs, fmt.Errorf("%s: %d more bad lines", src, bad-maxLineErrors))
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s line %d: %w", src, n+1, err))
	}
	return errors.Join(errs...)
}

// quotable cuts a long line short, on a rune boundary, for an error.
func quotable(line string) string {
	if len(line) <= maxQuoted {
		return line
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return line[:cut] + "..."
}
