package render

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// NamespacePorts is one namespace's ports report in a report of several
// (conntab ports -N all): the report, judged on the namespace's own port
// range and settings, and what names the namespace (nil when nothing is
// known of it but the report's NetNS).
type NamespacePorts struct {
	NS     *model.Namespace
	Report *analyze.PortsReport
}

// Name is how the report names the namespace: namespaceName's.
func (n *NamespacePorts) Name() string { return namespaceName(n.NS, n.Report.NetNS) }

// PortsSeverity is the worst severity of the namespaces' reports: what
// --check judges.
func PortsSeverity(nss []NamespacePorts) analyze.Severity {
	var s analyze.Severity
	for i := range nss {
		s = max(s, nss[i].Report.Severity())
	}
	return s
}

// PortsNamespacesText writes the reports of several namespaces as the
// text of `conntab ports -N all`: a header; NAMESPACES, one row each with
// its own range and its fullest pool; POOLS, the most severe, then
// fullest, of every namespace's, each naming its namespace; then the
// findings of them all, most severe first, each subject led by its
// namespace's name. The names are escaped. o.NetNS is unused.
func PortsNamespacesText(w *bufio.Writer, nss []NamespacePorts, o PortsTextOptions) {
	p := textPrinter{w: w, width: o.Width}
	var taken time.Time
	if len(nss) > 0 {
		taken = nss[0].Report.Taken
	}
	head := fmt.Sprintf("conntab ports: %d network %s, %s", len(nss), plural(len(nss), "namespace", "namespaces"),
		taken.Format("2006-01-02 15:04:05 MST"))
	if o.Source != 0 {
		head += ", read from " + o.Source.String()
	}
	if o.Samples > 0 {
		head += ", " + glue("2", "samples", string(model.AppendDuration(nil, o.Samples)), "apart")
	}
	p.para(head, "", "  ")
	writeNamespacesTable(&p, nss)
	writeNamespacePools(&p, nss, o)

	var fs []analyze.Finding
	for i := range nss {
		fs = appendNamedFindings(fs, nss[i].Name(), nss[i].Report.Findings)
	}
	sortFindings(fs)
	w.WriteByte('\n')
	if len(fs) == 0 {
		p.para(fmt.Sprintf("No pool of any namespace is past %v%% of its usable ports, and nothing else was found.", o.Thresholds.PortsNotice), "", "")
		return
	}
	writeFindings(&p, fs)
}

// writeNamespacesTable writes one row per namespace: its name, inode,
// ephemeral range, U, TIME_WAIT, pools, its fullest pool's use and its
// worst finding.
func writeNamespacesTable(p *textPrinter, nss []NamespacePorts) {
	p.w.WriteString("\nNAMESPACES\n")
	rows := make([][]string, 0, len(nss))
	for i := range nss {
		r := nss[i].Report
		rng, fullest := "?", "-"
		if r.Ephemeral.Size() > 0 {
			rng = r.Ephemeral.String()
		}
		if len(r.Pools) > 0 {
			top := slices.MaxFunc(r.Pools, func(a, b analyze.PoolReport) int { return cmp.Compare(a.Utilisation(), b.Utilisation()) })
			fullest = strconv.FormatFloat(top.Utilisation()*100, 'f', 1, 64)
		}
		rows = append(rows, []string{
			safe(nss[i].Name()), strconv.FormatUint(uint64(r.NetNS), 10), rng, strconv.Itoa(r.Usable),
			strconv.Itoa(r.TimeWait), strconv.Itoa(len(r.Pools)), fullest, severityMark(r.Severity(), "-"),
		})
	}
	writeAligned(p.w, []string{"NAMESPACE", "NETNS", "RANGE", "USABLE", "TIME_WAIT", "POOLS", "FULLEST %", "WORST"},
		[]bool{false, true, false, true, true, true, true, false}, rows)
}

// writeNamespacePools writes the first o.Top pools of all the namespaces,
// most severe, then fullest, first, each led by its namespace's name.
func writeNamespacePools(p *textPrinter, nss []NamespacePorts, o PortsTextOptions) {
	type pool struct {
		ns   int
		pool *analyze.PoolReport
	}
	var all []pool
	for i := range nss {
		for k := range nss[i].Report.Pools {
			all = append(all, pool{i, &nss[i].Report.Pools[k]})
		}
	}
	p.w.WriteByte('\n')
	if len(all) == 0 {
		p.para("POOLS: none (no TCP connection from a port of any namespace's ephemeral range)", "", "  ")
		return
	}
	slices.SortStableFunc(all, func(a, b pool) int {
		if a.pool.Severity != b.pool.Severity {
			return cmp.Compare(b.pool.Severity, a.pool.Severity)
		}
		return cmp.Compare(b.pool.Utilisation(), a.pool.Utilisation())
	})
	header, right := poolsHeader(o.Samples > 0)
	header, right = append([]string{"NAMESPACE"}, header...), append([]bool{false}, right...)
	shown := all[:min(len(all), o.Top)]
	rows := make([][]string, 0, len(shown))
	more := make([]analyze.PoolReport, 0, len(all)-len(shown))
	for _, sp := range shown {
		rows = append(rows, append([]string{safe(nss[sp.ns].Name())}, poolRow(sp.pool, o.Samples > 0)...))
	}
	for _, sp := range all[len(shown):] {
		more = append(more, *sp.pool)
	}
	p.w.WriteString("POOLS\n")
	writeAligned(p.w, header, right, rows)
	writeMorePools(p, more, len(shown))
}

// PortsNamespacesJSON is the shape of `conntab ports --json` over several
// namespaces (-N all, or -N given more than once; docs/json.md): each
// namespace's report in Namespaces, in inode order, and the worst
// severity of them all.
type PortsNamespacesJSON struct {
	Taken      time.Time            `json:"taken"`
	Severity   string               `json:"severity"`
	Namespaces []NamespacePortsJSON `json:"namespaces"`
}

// NamespacePortsJSON is one namespace's report: the PortsJSON of a report
// of one namespace (its "netns" the inode), with what names it.
type NamespacePortsJSON struct {
	NamespaceJSON
	PortsJSON
}

// NewPortsNamespacesJSON is nss in the PortsNamespacesJSON shape.
func NewPortsNamespacesJSON(nss []NamespacePorts) PortsNamespacesJSON {
	j := PortsNamespacesJSON{Severity: PortsSeverity(nss).String(), Namespaces: make([]NamespacePortsJSON, len(nss))}
	for i := range nss {
		r := nss[i].Report
		if i == 0 {
			j.Taken = r.Taken
		}
		j.Namespaces[i] = NamespacePortsJSON{newNamespaceJSON(nss[i].NS, r.NetNS), NewPortsJSON(r)}
	}
	return j
}

// PortsNamespacesDocument writes nss as one PortsNamespacesJSON document.
func PortsNamespacesDocument(w io.Writer, nss []NamespacePorts) error {
	return writeDocument(w, NewPortsNamespacesJSON(nss))
}

// PortsOutput is what `conntab ports` writes: the reports, one per
// namespace read, and how.
type PortsOutput struct {
	// Nets are the reports: one, or one per namespace when Several.
	Nets []NamespacePorts
	// Several says -N asked for more than one namespace (-N all): the
	// report is PortsNamespacesText's, or its JSON, even when only one
	// could be read.
	Several bool
	// WhatIf is the first report under Changes (--what-if), nil for none;
	// it goes with one namespace only.
	WhatIf  *analyze.PortsReport
	Changes []analyze.Change
	JSON    bool
	Text    PortsTextOptions
}

// WritePorts writes o as text or JSON: the one namespace's report as
// PortsText (with --what-if's beside it) or PortsDocument, several as
// PortsNamespacesText or PortsNamespacesDocument.
func WritePorts(w *bufio.Writer, o *PortsOutput) error {
	switch {
	case o.Several && o.JSON:
		return PortsNamespacesDocument(w, o.Nets)
	case o.Several:
		PortsNamespacesText(w, o.Nets, o.Text)
		return nil
	case len(o.Nets) == 0:
		return nil
	}
	r := o.Nets[0].Report
	switch {
	case o.JSON && o.WhatIf != nil:
		return PortsWhatIfDocument(w, r, o.WhatIf, o.Changes)
	case o.JSON:
		return PortsDocument(w, r)
	}
	PortsText(w, r, o.Text)
	if o.WhatIf != nil {
		PortsWhatIfText(w, r, o.WhatIf, o.Changes, o.Text)
	}
	return nil
}
