package escape

import (
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendSafe appends s with every control character, DEL and invalid UTF-8
// byte written as a visible escape (\n, \t, \x1b, \xff), so that text from
// the kernel or from files (a process name, a service name) can never steer
// the terminal it is printed on.
func AppendSafe(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if c == '\\' {
			dst = append(dst, '\\', '\\')
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && n == 1) || isC1(r) {
				dst = appendHexEscape(dst, s[i:i+n])
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		}
		i++
	}
	return dst
}

// isC1 reports whether r is a C1 control (U+0080-U+009F): terminals act
// on these too (U+009B is CSI).
func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

func appendHexEscape(dst []byte, b string) []byte {
	for i := 0; i < len(b); i++ {
		dst = append(dst, '\\', 'x', hexDigits[b[i]>>4], hexDigits[b[i]&15])
	}
	return dst
}

// IsSafe reports whether AppendSafe would leave s as it is.
func IsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// AppendJSONString appends s as a JSON string. Control characters are
// \u-escaped; invalid UTF-8 bytes are kept visible as the text \xNN, so
// the output is always valid JSON and loses nothing.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, '\\', '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		case isC1(r) || r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
