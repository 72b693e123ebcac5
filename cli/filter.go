package cli

import (
	"fmt"
	"os"
	"strings"
)

// FilterText is the filter a command line gives: args, the arguments
// left after the flags, joined as ss joins them, or the file -F named
// (file, "" for none). Both at once is a usage error.
func FilterText(file string, args []string) (string, error) {
	if file == "" {
		return strings.Join(args, " "), nil
	}
	if len(args) > 0 {
		return "", Usagef("a filter in -F %s and in the arguments (%q): give one", file, strings.Join(args, " "))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading the filter: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
