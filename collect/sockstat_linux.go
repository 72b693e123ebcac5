package collect

import (
	"os"
	"path/filepath"
)

// readSockstat reads /proc/net/sockstat{,6} in dir. The counts only size
// slices, so a file that cannot be read counts nothing.
func readSockstat(dir string) procSockstat {
	var counts procSockstat
	for _, name := range []string{"sockstat", "sockstat6"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		parseProcSockstat(&counts, b)
	}
	return counts
}
