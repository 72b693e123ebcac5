package escape

import "testing"

// benchNames are what the listing escapes row after row: process and
// service names, nearly all short ASCII.
var benchNames = map[string][]string{
	"ascii":   {"postgres", "nginx: worker", "python3", "http", "postgresql", "redis-server", "root", "systemd-resolve"},
	"utf8":    {"café-srv", "数据库", "naïve", "Grüße"},
	"hostile": {"\x1b[31mevil\x07", "a\u202etxt.exe", "a\u2066b\u2069c", "ad\u200bmin", "\xff\xfe\x9b[2J"},
}

func BenchmarkAppendSafe(b *testing.B) {
	for _, kind := range []string{"ascii", "utf8", "hostile"} {
		b.Run(kind, func(b *testing.B) {
			names := benchNames[kind]
			buf := make([]byte, 0, 256)
			for b.Loop() {
				for _, s := range names {
					buf = AppendSafe(buf[:0], s)
				}
			}
		})
	}
}

func BenchmarkIsSafe(b *testing.B) {
	for _, kind := range []string{"ascii", "utf8", "hostile"} {
		b.Run(kind, func(b *testing.B) {
			names := benchNames[kind]
			n := 0
			for b.Loop() {
				for _, s := range names {
					if IsSafe(s) {
						n++
					}
				}
			}
			_ = n
		})
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	for _, kind := range []string{"ascii", "utf8", "hostile"} {
		b.Run(kind, func(b *testing.B) {
			names := benchNames[kind]
			buf := make([]byte, 0, 256)
			for b.Loop() {
				for _, s := range names {
					buf = AppendJSONString(buf[:0], s)
				}
			}
		})
	}
}
