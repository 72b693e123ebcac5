// Package escape keeps text that conntab did not write (process names,
// user names, service names, anything read from the kernel or a file)
// from steering a terminal or breaking a format.
//
// AppendSafe is for text meant for a terminal: control characters, DEL,
// C1 controls and bytes that are not UTF-8 become visible escapes (\n,
// \t, \x1b, \xff) and a backslash is doubled, so the escaped text reads
// back unambiguously. IsSafe is the quick test that lets plain ASCII
// skip it. AppendJSONString is for JSON: control characters become JSON
// escapes (\n, \u001b) and a byte that is not UTF-8 is kept visible as
// the text \xNN, so the output is always valid JSON and loses nothing.
package escape
