package render

import (
	"encoding/json"
	"io"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
)

// PortsDocument writes r as the JSON of `conntab ports --json`: one
// PortsJSON document.
func PortsDocument(w io.Writer, r *analyze.PortsReport) error {
	return writeDocument(w, NewPortsJSON(r))
}

// ListenersDocument writes r as the JSON of `conntab listeners --json`:
// one ListenersJSON document.
func ListenersDocument(w io.Writer, r *audit.ListenerReport) error {
	return writeDocument(w, NewListenersJSON(r))
}

// writeDocument writes v as one indented JSON document, arrows and
// ampersands as they are (docs/json.md): a person reads it too.
func writeDocument(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
