// Package escape writes text that is not conntab's own (process names,
// command lines, cgroups, user names from /etc/passwd, service names from
// /etc/services, the text of errors that quote them) so that it can do no
// harm where it is shown. A process chooses its own name (prctl
// PR_SET_NAME, or the file it is run as) and anyone can set it: it may
// hold any byte but NUL.
//
// # What is escaped
//
// The same characters in every format:
//
//   - the C0 controls (U+0000 to U+001F), DEL (U+007F) and the C1
//     controls (U+0080 to U+009F): a terminal acts on them (ESC and CSI
//     start escape sequences that move the cursor, recolour, retitle the
//     window or write to the clipboard);
//   - every Unicode format character (category Cf): the bidirectional
//     controls U+202A to U+202E and U+2066 to U+2069, which make a
//     terminal or a spreadsheet that applies bidi show other text than the
//     name (U+202E turns "a<U+202E>txt.exe" into "aexe.txt"), the zero-width
//     characters U+200B to U+200F and U+2060 to U+2064, U+FEFF, the soft
//     hyphen U+00AD and the tag characters U+E0000 to U+E007F, which hide
//     text or make two different names look the same;
//   - every other rune Go does not call graphic (strconv.IsGraphic, the
//     same as unicode.IsGraphic): the line and paragraph separators U+2028
//     and U+2029, private-use, surrogate and unassigned code points, whose
//     look no one can predict;
//   - bytes that are not UTF-8, which a terminal may take as the start of
//     a sequence.
//
// Graphic UTF-8 (letters, marks, digits, punctuation, symbols, emoji
// without their joiners, and spaces such as U+00A0, which conntab's own
// reports use to keep words together) is kept as it is: a name in Chinese
// stays readable.
//
// # Text: AppendSafe
//
// The listing, the reports, the dashboard and error messages use Go's
// spelling of each escape, so that what is shown can be read back exactly
// (strconv.Unquote, once the text is put in double quotes and its double
// quotes escaped):
//
//	\n \t \r                       newline, tab, carriage return
//	\xNN                           other C0 controls and DEL (\x1b for ESC),
//	                               and each byte that is not UTF-8 (\xff)
//	\uNNNN                         a rune up to U+FFFF: C1 (\u009b for CSI),
//	                               format characters (\u202e, \u2066, \u200b, \ufeff)
//	\UNNNNNNNN                     a rune beyond U+FFFF (\U000e0001)
//	\\                             a backslash, so that an escape cannot be forged
//
// IsSafe reports whether AppendSafe would leave a string as it is, so
// that the common case (a plain ASCII name) costs no copy. Everything
// AppendSafe writes is printable ASCII or graphic UTF-8 (strconv.IsGraphic),
// and holds no Cf character.
//
// # JSON: AppendJSONString
//
// JSON is for programs, so it stays exact: json.Unmarshal gives back the
// very string for any UTF-8 input. The characters above are written as
// \uNNNN (a UTF-16 surrogate pair beyond U+FFFF, \udb40\udc01 for
// U+E0001), which every JSON reader decodes, so that JSON printed on a
// terminal (jq, less) is as harmless as the listing; ", \ and \n \t \r are
// escaped as JSON asks. A byte that is not UTF-8 has no JSON spelling: it
// is written as the text \xNN (the JSON \\xNN), so the output is always
// valid UTF-8 and valid JSON, and the byte stays visible.
//
// # CSV: AppendCSVField
//
// A CSV file is opened in a spreadsheet, which applies bidi and runs
// formulas. A field is escaped as AppendSafe escapes it, then:
//
//   - quoted as RFC 4180 says (its double quotes doubled) when it holds a
//     comma, a double quote or a semicolon (the list separator of many
//     locales, which a spreadsheet may split on);
//   - when it starts with =, +, -, @ (or a tab or CR, which cannot happen
//     once escaped), as OWASP's advice against CSV injection says: quoted,
//     with a single quote put before it. A process named "=1+1" is written
//     "'=1+1/PID/FD" and shown as text, not computed. A program reading the
//     CSV sees the quote; JSON is the exact format.
//
// Only text fields go through AppendCSVField; the numbers conntab writes
// itself (ports, queues, inodes, timers, which may be negative) are left
// as they are.
//
// # Where
//
// Every place that shows text that is not conntab's own goes through this
// package: render's columns and CSV (AppendSafe, AppendCSVField), render's
// JSON (AppendJSONString), the dashboard's cells and its detail pane
// (process name, command line, cgroup, container), the ports and
// listeners reports, and the filter's error, which quotes what the user
// typed.
package escape
