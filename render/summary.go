package render

import (
	"bufio"
	"fmt"
	"strconv"
	"time"

	"github.com/conntab/conntab/model"
)

// writeSummary writes socket counts per state, by protocol and family.
func writeSummary(w *bufio.Writer, snap *model.Snapshot) {
	const cols = 4 // tcp, tcp6, udp, udp6
	counts := map[model.State]*[cols + 1]int{}
	var total [cols + 1]int
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		col := 0
		if s.Proto == model.ProtoUDP {
			col = 2
		}
		if s.Family == model.FamilyInet6 {
			col++
		}
		c := counts[s.State]
		if c == nil {
			c = new([cols + 1]int)
			counts[s.State] = c
		}
		c[col]++
		c[cols]++
		total[col]++
		total[cols]++
	}
	fmt.Fprintf(w, "%d socket(s), read from %s in %s\n\n", len(snap.Sockets), snap.Source, snap.Duration.Round(time.Microsecond))
	row := func(name string, c *[cols + 1]int) {
		fmt.Fprintf(w, "%-14s", name)
		for _, n := range c {
			fmt.Fprintf(w, " %8s", strconv.Itoa(n))
		}
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %8s\n", "State", "tcp", "tcp6", "udp", "udp6", "total")
	for _, st := range model.AllStates {
		if c := counts[st]; c != nil {
			row(st.String(), c)
		}
	}
	row("total", &total)
}
