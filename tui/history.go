package tui

import (
	"strings"

	"github.com/conntab/conntab/model"
)

// historyLen is how many samples the header's trends span.
const historyLen = 60

// history keeps per-state counts of the recent samples, for the header's
// bar and sparklines. It is a ring, oldest first.
type history struct {
	counts [][64]int
	last   [64]int
	total  int
}

// add records snap's counts.
func (h *history) add(snap *model.Snapshot) {
	var c [64]int
	for i := range snap.Sockets {
		c[snap.Sockets[i].State&63]++
	}
	if len(h.counts) == historyLen {
		copy(h.counts, h.counts[1:])
		h.counts = h.counts[:historyLen-1]
	}
	h.counts = append(h.counts, c)
	h.last, h.total = c, len(snap.Sockets)
}

// series returns the counts of state s, oldest first.
func (h *history) series(s model.State) []int {
	out := make([]int, len(h.counts))
	for i, c := range h.counts {
		out[i] = c[s&63]
	}
	return out
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws v in at most width cells, the newest value at the right,
// scaled from zero to the largest value shown.
func sparkline(v []int, width int) string {
	if len(v) > width {
		v = v[len(v)-width:]
	}
	hi := 0
	for _, x := range v {
		hi = max(hi, x)
	}
	var b strings.Builder
	for _, x := range v {
		i := 0
		if hi > 0 {
			i = x * (len(sparks) - 1) / hi
		}
		b.WriteRune(sparks[i])
	}
	return b.String()
}
