package escape

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendSafe appends s as text a terminal can be trusted with: printable
// ASCII and graphic UTF-8 as they are, everything else as a visible
// escape (doc.go lists them). Nothing it writes moves the cursor, changes
// the colours or the direction of the text, or hides.
func AppendSafe(dst []byte, s string) []byte {
	// The fast path: process and service names are nearly always plain
	// ASCII, copied in one go.
	i := plainPrefix(s)
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return dst
	}
	return appendSafeFrom(dst, s, i)
}

// appendSafeFrom is AppendSafe from s[i], which is not plainASCII.
func appendSafeFrom(dst []byte, s string, i int) []byte {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			dst = appendASCIIEscape(dst, c)
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				dst = appendByteEscape(dst, c)
			case !graphic(r):
				dst = appendRuneEscape(dst, r)
			default:
				dst = append(dst, s[i:i+n]...)
			}
			i += n
		}
		j := i + plainPrefix(s[i:])
		dst = append(dst, s[i:j]...)
		i = j
	}
	return dst
}

// IsSafe reports whether AppendSafe would leave s as it is, so that a
// caller can skip the copy.
func IsSafe(s string) bool {
	i := 0
	for i < len(s) && plainASCII(s[i]) {
		i++
	}
	return i == len(s) || isSafeFrom(s[i:])
}

// isSafeFrom is IsSafe past the plain ASCII prefix.
func isSafeFrom(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			if !plainASCII(s[i]) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !graphic(r) {
			return false
		}
		i += n
	}
	return true
}

// plainPrefix is the length of s's longest prefix of plainASCII bytes.
func plainPrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !plainASCII(s[i]) {
			return i
		}
	}
	return len(s)
}

// graphic is strconv.IsGraphic (letters, marks, numbers, punctuation,
// symbols, spaces), answered at once for the blocks names are most often
// written in, which hold nothing else (a test checks every rune): Latin
// (but the soft hyphen, a format character), IPA, the combining marks,
// Cyrillic, the CJK ideographs and Hangul.
func graphic(r rune) bool {
	switch {
	case r >= 0xa0 && r < 0x370:
		return r != 0xad
	case r >= 0x400 && r < 0x530, r >= 0x4e00 && r < 0xa000, r >= 0xac00 && r < 0xd7a4:
		return true
	}
	return strconv.IsGraphic(r)
}

// plainASCII reports whether c is printable ASCII that AppendSafe keeps:
// all of it but the backslash, which starts an escape.
func plainASCII(c byte) bool { return c >= 0x20 && c < 0x7f && c != '\\' }

// appendASCIIEscape escapes an ASCII byte that is not plainASCII: the
// backslash, the C0 controls and DEL.
func appendASCIIEscape(dst []byte, c byte) []byte {
	switch c {
	case '\\':
		return append(dst, '\\', '\\')
	case '\n':
		return append(dst, '\\', 'n')
	case '\t':
		return append(dst, '\\', 't')
	case '\r':
		return append(dst, '\\', 'r')
	}
	return appendByteEscape(dst, c)
}

// appendByteEscape writes one byte as \xNN: a control byte, or a byte
// that is not UTF-8.
func appendByteEscape(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
}

// appendRuneEscape writes a rune that is UTF-8 but not printable as
// \uNNNN, or \UNNNNNNNN beyond the Basic Multilingual Plane, as Go spells
// them.
func appendRuneEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		dst = append(dst, '\\', 'U')
		for shift := 28; shift >= 0; shift -= 4 {
			dst = append(dst, hexDigits[r>>shift&15])
		}
		return dst
	}
	return appendU4(append(dst, '\\'), r)
}

// appendU4 writes u and r as four hex digits.
func appendU4(dst []byte, r rune) []byte {
	return append(dst, 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}
