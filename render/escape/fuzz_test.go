package escape

import "testing"

// The fuzz tests check, whatever the input, that no output format lets a
// control byte (C0, DEL, C1), a byte that is not UTF-8 or a format
// character (Cf) through: each writes printable UTF-8 only (checkShown).
// And each its own property: the text reads back exactly
// (strconv.Unquote) and IsSafe agrees with AppendSafe; JSON is valid and
// reads back exactly for UTF-8 input; a CSV field never opens as a formula
// nor holds a separator outside quotes.

func FuzzAppendSafe(f *testing.F) {
	for _, s := range readSeeds(f, "hostile.txt") {
		f.Add(s)
	}
	f.Fuzz(checkText)
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range readSeeds(f, "hostile.txt") {
		f.Add(s)
	}
	f.Fuzz(checkJSON)
}

func FuzzAppendCSVField(f *testing.F) {
	for _, s := range readSeeds(f, "hostile.txt") {
		f.Add(s)
	}
	f.Fuzz(checkCSV)
}
