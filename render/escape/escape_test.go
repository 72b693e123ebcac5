package escape

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHostileText: text that is not conntab's own never reaches the
// output raw, and JSON stays valid.
func TestHostileText(t *testing.T) {
	for _, s := range []string{"\x1b]0;owned\x07", "a\x1b[2Jb", "\xff\xfe", "tab\there", "c1\u009b31m", "ok-name", `q"u\o`} {
		safe := string(AppendSafe(nil, s))
		for _, c := range []byte(safe) {
			if c < 0x20 || c == 0x7f {
				t.Errorf("AppendSafe(%q) = %q keeps control byte %#x", s, safe, c)
			}
		}
		if strings.Contains(safe, "\u009b") {
			t.Errorf("AppendSafe(%q) = %q keeps a C1 control", s, safe)
		}
		j := AppendJSONString(nil, s)
		if !json.Valid(j) {
			t.Errorf("AppendJSONString(%q) = %s is not valid JSON", s, j)
		}
	}
}
