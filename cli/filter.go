package cli

import (
	"strings"
)

// FilterText is the filter a command line gives: args, the arguments
// left after the flags, joined as ss joins them, or the file -F named
// (file, "" for none), read with read (names.ReadUserFile, which refuses
// a FIFO or a device rather than hang on it). Both at once is a usage
// error, and so is a file that cannot be read (FileError).
func FilterText(file string, args []string, read func(path string) ([]byte, error)) (string, error) {
	if file == "" {
		return strings.Join(args, " "), nil
	}
	if len(args) > 0 {
		return "", Usagef("a filter in -F %s and in the arguments (%q): give one", file, strings.Join(args, " "))
	}
	b, err := read(file)
	if err != nil {
		return "", FileError("-F", file, err)
	}
	return strings.TrimSpace(string(b)), nil
}
