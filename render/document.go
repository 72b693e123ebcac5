package render

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/render/escape"
)

// PortsDocument writes r as the JSON of `conntab ports --json`: one
// PortsJSON document.
func PortsDocument(w io.Writer, r *analyze.PortsReport) error {
	return writeDocument(w, NewPortsJSON(r))
}

// PortsWhatIfDocument writes r's document with its "what_if" member:
// after, the report under the settings changes lists.
func PortsWhatIfDocument(w io.Writer, r, after *analyze.PortsReport, changes []analyze.Change) error {
	j := NewPortsJSON(r)
	j.WhatIf = NewWhatIfJSON(after, changes)
	return writeDocument(w, j)
}

// ListenersDocument writes r as the JSON of `conntab listeners --json`:
// one ListenersJSON document.
func ListenersDocument(w io.Writer, r *audit.ListenerReport) error {
	return writeDocument(w, NewListenersJSON(r))
}

// writeDocument writes v as one indented JSON document, arrows and
// ampersands as they are (docs/json.md): a person reads it too.
// encoding/json leaves format characters (U+202E) and C1 controls raw in
// strings, and a document quotes process names: escape.AppendJSONText
// writes them as \u escapes, which decode to the same value.
func writeDocument(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escape.AppendJSONText(make([]byte, 0, b.Len()+64), b.Bytes()))
	return err
}
