package escape

import (
	"github.com/conntab/conntab/internal/modeltest"

	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// readSeeds reads testdata/escape/NAME: one Go string literal a line,
// comments after #.
func readSeeds(tb testing.TB, name string) []string {
	return modeltest.QuotedSeeds(tb, filepath.Join("..", "..", "testdata", "escape", name))
}

func TestAppendSafe(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres", "postgres"},
		{"", ""},
		{`back\slash`, `back\\slash`},
		{"\x1b[31mevil\x07", `\x1b[31mevil\x07`},
		{"tab\there\r\n", `tab\there\r\n`},
		{"\x00\x7f", `\x00\x7f`},
		{"\xff\xfe", `\xff\xfe`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"a\u202etxt.exe", `a\u202etxt.exe`},
		{"a\u2066b\u2069c", `a\u2066b\u2069c`},
		{"ad\u200bmin", `ad\u200bmin`},
		{"\ufeffbom", `\ufeffbom`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"\U000e0001tag", `\U000e0001tag`},
		{"nb\u00a0sp", "nb\u00a0sp"},
		{"ideo\u3000space", "ideo\u3000space"},
		{"line\u2028", `line\u2028`},
		{"\ue000", `\ue000`},
		{"café-srv", "café-srv"},
		{"数据库", "数据库"},
		{"\ufffd", "\ufffd"},
		{"\U0001f600", "\U0001f600"},
		{"=1+1", "=1+1"},
	} {
		got := string(AppendSafe(nil, tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("AppendSafe(%q) (-want +got):\n%s", tt.in, diff)
		}
		if IsSafe(tt.in) != (got == tt.in) {
			t.Errorf("IsSafe(%q) = %v, but AppendSafe gives %q", tt.in, IsSafe(tt.in), got)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres", `"postgres"`},
		{`q"u\o`, `"q\"u\\o"`},
		{"\x1b[31m\n", `"\u001b[31m\n"`},
		{"c1\u009b", `"c1\u009b"`},
		{"a\u202etxt.exe", `"a\u202etxt.exe"`},
		{"a\u2066b\u2069c", `"a\u2066b\u2069c"`},
		{"ad\u200bmin", `"ad\u200bmin"`},
		{"\ufeff", `"\ufeff"`},
		{"\U000e0001", `"\udb40\udc01"`},
		{"line\u2028", `"line\u2028"`},
		{"\xff", `"\\xff"`},
		{"数据库", `"数据库"`},
	} {
		got := string(AppendJSONString(nil, tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("AppendJSONString(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestAppendCSVField(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres", "postgres"},
		{"", ""},
		{"=1+1", `"'=1+1"`},
		{"@SUM(A1)", `"'@SUM(A1)"`},
		{"-2+3", `"'-2+3"`},
		{"+1", `"'+1"`},
		{`=HYPERLINK("x")`, `"'=HYPERLINK(""x"")"`},
		{"x=1+1", "x=1+1"},
		{"\t=1+1", `\t=1+1`},
		{"a,b", `"a,b"`},
		{"a;=1+1", `"a;=1+1"`},
		{`q"u`, `"q""u"`},
		{`""`, `""""""`},
		{"a\u202etxt", `a\u202etxt`},
		{"=\u202e", `"'=\u202e"`},
	} {
		got := string(AppendCSVField([]byte("x,"), tt.in))
		if diff := cmp.Diff("x,"+tt.want, got); diff != "" {
			t.Errorf("AppendCSVField(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestEveryFormatCharacter: no Unicode format character (Cf) is written
// raw, in text, JSON or CSV, and JSON keeps it exactly.
func TestEveryFormatCharacter(t *testing.T) {
	n := 0
	forEachRune(unicode.Cf, func(r rune) {
		n++
		s := "a" + string(r) + "b"
		for name, out := range map[string]string{
			"text": string(AppendSafe(nil, s)),
			"json": string(AppendJSONString(nil, s)),
			"csv":  string(AppendCSVField(nil, s)),
		} {
			if strings.ContainsRune(out, r) {
				t.Errorf("%s: %U written raw: %q", name, r, out)
			}
		}
		if IsSafe(s) {
			t.Errorf("IsSafe(%q) = true", s)
		}
		var back string
		if err := json.Unmarshal(AppendJSONString(nil, s), &back); err != nil || back != s {
			t.Errorf("JSON of %U reads back as %q, %v", r, back, err)
		}
	})
	if n < 150 {
		t.Errorf("only %d format characters in unicode.Cf", n)
	}
}

func forEachRune(tab *unicode.RangeTable, f func(rune)) {
	for _, r16 := range tab.R16 {
		for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
			f(r)
		}
	}
	for _, r32 := range tab.R32 {
		for r := rune(r32.Lo); r <= rune(r32.Hi); r += rune(r32.Stride) {
			f(r)
		}
	}
}

// TestSeeds: every seed keeps the properties the fuzz tests check.
func TestSeeds(t *testing.T) {
	for _, s := range readSeeds(t, "hostile.txt") {
		checkText(t, s)
		checkJSON(t, s)
		checkCSV(t, s)
	}
}

// checkText: AppendSafe writes printable UTF-8 only, which reads back
// exactly with strconv.Unquote, and IsSafe agrees with it.
func checkText(t *testing.T, s string) {
	t.Helper()
	text := string(AppendSafe(nil, s))
	checkShown(t, "AppendSafe", s, text)
	if IsSafe(s) != (text == s) {
		t.Errorf("IsSafe(%q) = %v, but AppendSafe gives %q", s, IsSafe(s), text)
	}
	if back, err := strconv.Unquote(`"` + strings.ReplaceAll(text, `"`, `\"`) + `"`); err != nil || back != s {
		t.Errorf("AppendSafe(%q) = %q reads back as %q, %v", s, text, back, err)
	}
}

// checkJSON: AppendJSONString writes valid JSON of printable UTF-8 only,
// which decodes to s when s is UTF-8.
func checkJSON(t *testing.T, s string) {
	t.Helper()
	j := AppendJSONString(nil, s)
	checkShown(t, "AppendJSONString", s, string(j))
	var back string
	if err := json.Unmarshal(j, &back); err != nil {
		t.Errorf("AppendJSONString(%q) = %s: %v", s, j, err)
	} else if utf8.ValidString(s) && back != s {
		t.Errorf("AppendJSONString(%q) = %s reads back as %q", s, j, back)
	}

	// encoding/json's own output, passed through AppendJSONText, reads
	// back as encoding/json's did.
	enc, err := json.Marshal(map[string]any{"k" + s: []string{s, "\x7f"}})
	if err != nil {
		t.Fatal(err)
	}
	text := AppendJSONText(nil, enc)
	checkShown(t, "AppendJSONText", string(enc), string(text))
	var want, got any
	if err := json.Unmarshal(enc, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, &got); err != nil {
		t.Errorf("AppendJSONText(%s) = %s: %v", enc, text, err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendJSONText(%s) = %s (-want +got):\n%s", enc, text, diff)
	}
}

// checkCSV: AppendCSVField writes printable UTF-8 only, with no separator
// or quote outside quotes, and never the start of a formula.
func checkCSV(t *testing.T, s string) {
	t.Helper()
	field := string(AppendCSVField(nil, s))
	checkShown(t, "AppendCSVField", s, field)
	quoted := len(field) >= 2 && strings.HasPrefix(field, `"`) && strings.HasSuffix(field, `"`)
	if quoted && strings.Contains(strings.ReplaceAll(field[1:len(field)-1], `""`, ""), `"`) ||
		!quoted && strings.ContainsAny(field, ",;\"") {
		t.Errorf("AppendCSVField(%q) = %q: a separator or a lone quote outside quotes", s, field)
	}
	if cell := strings.TrimPrefix(field, `"`); cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		t.Errorf("AppendCSVField(%q) = %q starts a formula", s, field)
	}
}

// checkShown: out is valid UTF-8 made of graphic runes only (no C0,
// DEL, C1, no format character, no line or paragraph separator).
func checkShown(t *testing.T, fn, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s(%q) = %q is not UTF-8", fn, in, out)
		return
	}
	for _, r := range out {
		if !strconv.IsGraphic(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) {
			t.Errorf("%s(%q) = %q holds %U", fn, in, out, r)
			return
		}
	}
}

// TestGraphic: graphic's shortcuts agree with strconv.IsGraphic on every
// rune, and no format character is graphic.
func TestGraphic(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := graphic(r), strconv.IsGraphic(r); got != want {
			t.Errorf("graphic(%U) = %v, strconv.IsGraphic says %v", r, got, want)
		}
		if graphic(r) && unicode.Is(unicode.Cf, r) {
			t.Errorf("graphic(%U) = true for a format character", r)
		}
	}
}

// TestAppendJSONText: what encoding/json leaves raw (format characters,
// C1, DEL) is \u-escaped; the layout is kept.
func TestAppendJSONText(t *testing.T) {
	in := "{\n  \"comm\": \"a\u202etxt\u0085\x7f\",\n  \"ok\": \"数据库\"\n}\n"
	want := "{\n  \"comm\": \"a\\u202etxt\\u0085\\u007f\",\n  \"ok\": \"数据库\"\n}\n"
	if diff := cmp.Diff(want, string(AppendJSONText(nil, []byte(in)))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

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
