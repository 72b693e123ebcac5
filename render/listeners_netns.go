package render

import (
	"bufio"
	"fmt"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
)

// NamespaceListeners is one namespace's listener audit in an audit of
// several (conntab listeners -N all), and what names the namespace (nil
// when nothing is known of it but the report's NetNS).
type NamespaceListeners struct {
	NS     *model.Namespace
	Report *audit.ListenerReport
}

// Name is how the audit names the namespace: namespaceName's.
func (n *NamespaceListeners) Name() string { return namespaceName(n.NS, n.Report.NetNS) }

// ListenersSeverity is the worst severity of the namespaces' audits: what
// --check judges.
func ListenersSeverity(nss []NamespaceListeners) analyze.Severity {
	var s analyze.Severity
	for i := range nss {
		s = max(s, nss[i].Report.Severity())
	}
	return s
}

// ListenersNamespacesText writes the audits of several namespaces as the
// text of `conntab listeners -N all`: a header, one LISTENERS table of
// them all, each row led by its namespace's name, then the findings of
// them all, most severe first, each subject led by its namespace's name.
// Every name is escaped. o.NetNS is unused.
func ListenersNamespacesText(w *bufio.Writer, nss []NamespaceListeners, o ListenersTextOptions) {
	p := textPrinter{w: w, width: o.Width}
	var taken time.Time
	var src model.Source
	unowned, listeners := 0, 0
	for i := range nss {
		r := nss[i].Report
		taken, src = r.Taken, max(src, r.Source)
		unowned, listeners = unowned+r.Unowned, listeners+len(r.Listeners)
	}
	head := fmt.Sprintf("conntab listeners: %d network %s, %s", len(nss), plural(len(nss), "namespace", "namespaces"),
		taken.Format("2006-01-02 15:04:05 MST"))
	if src != 0 {
		head += ", read from " + src.String()
	}
	p.para(head, "", "  ")
	if unowned > 0 {
		s := fmt.Sprintf("%d of %d %s held by no process conntab could see", unowned, listeners, plural(listeners, "listener", "listeners"))
		if !o.Root {
			s += " (other users' processes are seen only as root)"
		}
		p.para(s+": their program is not judged.", "", "  ")
	}

	w.WriteByte('\n')
	var rows [][]string
	var fs []analyze.Finding
	for i := range nss {
		r, name := nss[i].Report, safe(nss[i].Name())
		for k := range r.Listeners {
			rows = append(rows, append([]string{name}, listenerRow(&r.Listeners[k], r.Source, r.UnprivilegedPortStart >= 0)...))
		}
		fs = appendNamedFindings(fs, nss[i].Name(), r.Findings)
	}
	if len(rows) == 0 {
		p.para("LISTENERS: none", "", "  ")
	} else {
		w.WriteString("LISTENERS\n")
		writeAligned(w,
			[]string{"NAMESPACE", "PROTO", "LOCAL", "SCOPE", "CLASS", "SERVICE", "PRIV", "ACCEPT/BACKLOG", "PROCESS", "USER", "FLAGS"},
			[]bool{false, false, false, false, false, false, false, true, false, false, false}, rows)
	}
	sortFindings(fs)
	w.WriteByte('\n')
	if len(fs) == 0 {
		p.para("Nothing found in any namespace: no local-only service on every interface, no unexpected program on a well-known port, no listener in the ephemeral range, no full accept queue.", "", "")
		return
	}
	writeFindings(&p, fs)
}

// ListenersNamespacesJSON is the shape of `conntab listeners --json` over
// several namespaces (-N all, or -N given more than once; docs/json.md):
// each namespace's audit in Namespaces, in inode order, and the worst
// severity of them all.
type ListenersNamespacesJSON struct {
	Taken      time.Time                `json:"taken"`
	Severity   string                   `json:"severity"`
	Namespaces []NamespaceListenersJSON `json:"namespaces"`
}

// NamespaceListenersJSON is one namespace's audit: the ListenersJSON of
// an audit of one namespace (its "netns" the inode), with what names it.
type NamespaceListenersJSON struct {
	NamespaceJSON
	ListenersJSON
}

// NewListenersNamespacesJSON is nss in the ListenersNamespacesJSON shape.
func NewListenersNamespacesJSON(nss []NamespaceListeners) ListenersNamespacesJSON {
	j := ListenersNamespacesJSON{Severity: ListenersSeverity(nss).String(), Namespaces: make([]NamespaceListenersJSON, len(nss))}
	for i := range nss {
		r := nss[i].Report
		if i == 0 {
			j.Taken = r.Taken
		}
		j.Namespaces[i] = NamespaceListenersJSON{newNamespaceJSON(nss[i].NS, r.NetNS), NewListenersJSON(r)}
	}
	return j
}

// ListenersOutput is what `conntab listeners` writes: the audits, one per
// namespace read, and how.
type ListenersOutput struct {
	// Nets are the audits: one, or one per namespace when Several.
	Nets []NamespaceListeners
	// Several says -N asked for more than one namespace (-N all): the
	// audit is ListenersNamespacesText's, or its JSON, even when only one
	// could be read.
	Several bool
	JSON    bool
	Text    ListenersTextOptions
}

// WriteListeners writes o as text or JSON: one namespace's audit as
// ListenersText or ListenersDocument, several as ListenersNamespacesText
// or their ListenersNamespacesJSON.
func WriteListeners(w *bufio.Writer, o *ListenersOutput) error {
	switch {
	case o.Several && o.JSON:
		return writeDocument(w, NewListenersNamespacesJSON(o.Nets))
	case o.Several:
		ListenersNamespacesText(w, o.Nets, o.Text)
	case len(o.Nets) == 0:
	case o.JSON:
		return ListenersDocument(w, o.Nets[0].Report)
	default:
		ListenersText(w, o.Nets[0].Report, o.Text)
	}
	return nil
}
