package escape

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string that decodes back to s.
// The runes AppendSafe escapes are \u-escaped here (a pair of surrogates
// beyond the Basic Multilingual Plane), so that JSON printed on a
// terminal is as harmless as the text listing. A byte that is not UTF-8
// has no JSON spelling: it is kept visible as the text \xNN, so the
// output is always valid JSON.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && plainJSON(s[j]) {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			dst = appendJSONASCIIEscape(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = appendByteEscape(append(dst, '\\'), s[i])
		case !graphic(r):
			dst = appendJSONRuneEscape(dst, r)
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// plainJSON reports whether c is printable ASCII that a JSON string holds
// as it is.
func plainJSON(c byte) bool { return c >= 0x20 && c < 0x7f && c != '\\' && c != '"' }

// appendJSONASCIIEscape escapes an ASCII byte that is not plainJSON.
func appendJSONASCIIEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\t':
		return append(dst, '\\', 't')
	case '\r':
		return append(dst, '\\', 'r')
	}
	return appendU4(append(dst, '\\'), rune(c))
}

// appendJSONRuneEscape writes r as \uNNNN, or as the UTF-16 surrogate
// pair \uNNNN\uNNNN that JSON uses beyond U+FFFF.
func appendJSONRuneEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return appendU4(append(appendU4(append(dst, '\\'), hi), '\\'), lo)
	}
	return appendU4(append(dst, '\\'), r)
}

// AppendJSONText appends b, JSON text as encoding/json writes it, with
// the runes AppendJSONString escapes (and DEL, which encoding/json leaves
// raw) written as \u escapes. Outside its strings JSON text is ASCII
// without DEL, so only strings change, and they decode to the same value.
// A byte that is not UTF-8 (encoding/json writes none) becomes \ufffd, as
// encoding/json would have written it.
func AppendJSONText(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				dst = appendU4(append(dst, '\\'), rune(c))
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !graphic(r) || (r == utf8.RuneError && n == 1) {
			dst = appendJSONRuneEscape(dst, r)
		} else {
			dst = append(dst, b[i:i+n]...)
		}
		i += n
	}
	return dst
}
