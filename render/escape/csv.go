package escape

// AppendCSVField appends s as one CSV field for a spreadsheet to open:
// escaped as AppendSafe escapes it, quoted as RFC 4180 says when it holds
// a comma, a semicolon or a double quote (each double quote doubled), and,
// when it would start with a character a spreadsheet reads as the start of
// a formula (= + - @, or a tab or CR, which AppendSafe has escaped
// already), quoted with a single quote put before it: the spreadsheet then
// shows it as text (OWASP's advice against CSV injection).
//
// It is for text that is not conntab's own. Numbers conntab writes are
// not fields to neutralise: a negative number must stay a number.
func AppendCSVField(dst []byte, s string) []byte {
	start := len(dst)
	dst = AppendSafe(dst, s)
	formula := len(dst) > start && startsFormula(dst[start])
	quotes, quote := 0, formula
	for _, c := range dst[start:] {
		switch c {
		case '"':
			quotes++
			quote = true
		case ',', ';':
			quote = true
		}
	}
	if !quote {
		return dst
	}
	extra := 2 + quotes
	if formula {
		extra++
	}
	// Grow dst, then move the field right from its end backwards,
	// doubling the quotes, so that no byte is overwritten before it is
	// read.
	end := len(dst)
	for range extra {
		dst = append(dst, 0)
	}
	w := len(dst) - 1
	dst[w] = '"'
	for r := end - 1; r >= start; r-- {
		w--
		dst[w] = dst[r]
		if dst[r] == '"' {
			w--
			dst[w] = '"'
		}
	}
	if formula {
		w--
		dst[w] = '\''
	}
	dst[w-1] = '"'
	return dst
}

// startsFormula reports whether a field starting with c opens as a
// formula in a spreadsheet (OWASP, CSV injection).
func startsFormula(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
