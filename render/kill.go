package render

import (
	"fmt"
	"io"

	"github.com/conntab/conntab/model"
)

// KillReport says what `conntab kill` did to each of socks, whose
// closing returned errs (nil: closed): on w, one line a socket closed or
// already gone, and through log (nil for none), a line a socket closed
// with who asked. gone tells a socket already gone from a failure. It
// returns the failures, for the command's error.
func KillReport(w io.Writer, socks []model.Socket, errs []error, gone func(error) bool, log func(string), asker string) (failed []error) {
	for i := range errs {
		s := &socks[i]
		what := fmt.Sprintf("%s %s %s -> %s (inode %d)", s.Proto, s.State, s.Local, s.Remote, s.Inode)
		switch {
		case errs[i] == nil:
			fmt.Fprintf(w, "conntab kill: closed %s\n", what)
			if log != nil {
				log(fmt.Sprintf("closed %s, asked by %s", what, asker))
			}
		case gone(errs[i]):
			fmt.Fprintf(w, "conntab kill: %s was already gone\n", what)
		default:
			failed = append(failed, errs[i])
		}
	}
	return failed
}
