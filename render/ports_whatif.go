package render

import (
	"bufio"
	"fmt"
	"math"
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// WhatIfPool is one pool as read and as a what-if would judge it: the
// same pool (local address, remote endpoint) in both reports. Before or
// After is nil for a pool only one of them has: a range that no longer
// holds a socket's local port takes that socket out of every pool.
type WhatIfPool struct {
	Before, After *analyze.PoolReport
}

// PairPools pairs the pools of the report as read with the what-if's,
// in the order of the report as read, then the what-if's new ones.
func PairPools(before, after *analyze.PortsReport) []WhatIfPool {
	type key struct {
		local, remote string
	}
	k := func(p *analyze.PoolReport) key { return key{p.Local.String(), p.Remote.String()} }
	idx := make(map[key]int, len(after.Pools))
	for i := range after.Pools {
		idx[k(&after.Pools[i])] = i
	}
	used := make([]bool, len(after.Pools))
	pairs := make([]WhatIfPool, 0, len(before.Pools))
	for i := range before.Pools {
		pr := WhatIfPool{Before: &before.Pools[i]}
		if j, ok := idx[k(pr.Before)]; ok {
			pr.After, used[j] = &after.Pools[j], true
		}
		pairs = append(pairs, pr)
	}
	for j := range after.Pools {
		if !used[j] {
			pairs = append(pairs, WhatIfPool{After: &after.Pools[j]})
		}
	}
	return pairs
}

// PortsWhatIfText writes the what-if section of `conntab ports
// --what-if`: the settings changed, U, each pool's usable and free ports,
// utilisation, sustainable rate and severity as read and as they would
// be, and the what-if's findings.
func PortsWhatIfText(w *bufio.Writer, before, after *analyze.PortsReport, changes []analyze.Change, o PortsTextOptions) {
	p := textPrinter{w: w, width: o.Width}
	w.WriteString("\nWHAT IF\n")
	for _, c := range changes {
		p.para(fmt.Sprintf("%s %s → %s", c.Setting, orNone(c.From), orNone(c.To)), "  ", "    ")
	}
	p.para("Nothing was changed on the host: the same sockets, judged again.", "  ", "  ")
	p.para(fmt.Sprintf("U"+nbsp+"="+nbsp+"%d → %d usable per destination", before.Usable, after.Usable), "  ", "    ")
	w.WriteByte('\n')
	header := []string{"LOCAL → REMOTE", "IN USE", "USABLE", "FREE", "UTIL %", "SUSTAINS /s", "SEVERITY"}
	right := []bool{false, true, true, true, true, true, false}
	pairs := PairPools(before, after)
	shown := pairs[:min(len(pairs), o.Top)]
	rows := make([][]string, 0, len(shown))
	for _, pr := range shown {
		rows = append(rows, whatIfRow(pr))
	}
	writeAligned(w, header, right, rows)
	if more := len(pairs) - len(shown); more > 0 {
		p.para(fmt.Sprintf("… %d more pools (--top shows more)", more), "", "")
	}
	w.WriteByte('\n')
	if len(after.Findings) == 0 {
		p.para(fmt.Sprintf("Under these settings no pool is past %v%% of its usable ports, and nothing else would be found.", o.Thresholds.PortsNotice), "", "")
		return
	}
	writeFindings(&p, after.Findings)
}

// whatIfRow is one pool's row: each figure as read → as it would be, or
// one figure where they agree.
func whatIfRow(pr WhatIfPool) []string {
	field := func(f func(*analyze.PoolReport) string) string {
		b, a := "gone", "gone"
		if pr.Before != nil {
			b = f(pr.Before)
		}
		if pr.After != nil {
			a = f(pr.After)
		}
		if a == b {
			return a
		}
		return b + " → " + a
	}
	subject := pr.Before
	if subject == nil {
		subject = pr.After
	}
	return []string{
		safe(subject.Subject()),
		field(func(p *analyze.PoolReport) string { return strconv.Itoa(p.InUse) }),
		field(func(p *analyze.PoolReport) string { return strconv.Itoa(p.Usable) }),
		field(func(p *analyze.PoolReport) string { return strconv.Itoa(p.Free()) }),
		field(func(p *analyze.PoolReport) string { return strconv.FormatFloat(p.Utilisation()*100, 'f', 1, 64) }),
		field(sustains),
		field(func(p *analyze.PoolReport) string { return severityMark(p.Severity, "-") }),
	}
}

// sustains is a pool's SUSTAINS /s cell.
func sustains(p *analyze.PoolReport) string {
	if math.IsInf(p.MaxRate, 1) {
		return "∞ tw_reuse"
	}
	return string(model.AppendRate(nil, p.MaxRate))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// WhatIfJSON is the "what_if" member of the ports document: the settings
// changed, and the whole report again under them.
type WhatIfJSON struct {
	Changes []ChangeJSON `json:"changes"`
	Report  PortsJSON    `json:"report"`
}

// ChangeJSON is one setting a what-if changes.
type ChangeJSON struct {
	Setting string `json:"setting"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// NewWhatIfJSON is the what-if's JSON.
func NewWhatIfJSON(after *analyze.PortsReport, changes []analyze.Change) *WhatIfJSON {
	j := &WhatIfJSON{Report: NewPortsJSON(after), Changes: make([]ChangeJSON, len(changes))}
	for i, c := range changes {
		j.Changes[i] = ChangeJSON(c)
	}
	return j
}
