package tui

import (
	"cmp"
	"strings"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// sockCol is a column of the Sockets view: the listing's column (one
// definition for both front ends) with what a screen adds: width limits,
// when it gives way on a narrow screen, and how it sorts.
type sockCol struct {
	render.Column
	colSpec
	cmp func(a, b *model.Socket, l *render.Labeler) int
}

// colSpec is how a column takes room on screen: its title, its width's
// least, wanted (what it grows to before the others do) and most, and
// drop, which orders the columns that go first when the screen is too
// narrow (higher goes earlier; 0 stays).
type colSpec struct {
	title                string
	min, want, max, drop int
	right                bool
	// short, when set, is the column with its cells' short spellings
	// (gridRow.short): gridLayout takes it when the long spellings would
	// cost another column its place.
	short *colSpec
}

// sockColumns returns the Sockets view's columns.
func sockColumns() []sockCol {
	byName := listingColumns()
	col := func(name, title string, min, want, max, drop int, f func(a, b *model.Socket, l *render.Labeler) int) sockCol {
		c := byName[name]
		return sockCol{Column: c, colSpec: colSpec{title: title, min: min, want: want, max: max, drop: drop, right: c.Right}, cmp: f}
	}
	return []sockCol{
		col("Netid", "Proto", 5, 5, 5, 0, func(a, b *model.Socket, _ *render.Labeler) int {
			return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Family, b.Family))
		}),
		col("State", "State", 11, 11, 14, 0, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.State, b.State) }),
		col("Recv-Q", "Recv-Q", 6, 6, 8, 5, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.RecvQ, b.RecvQ) }),
		col("Send-Q", "Send-Q", 6, 6, 8, 6, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.SendQ, b.SendQ) }),
		col("Local Address:Port", "Local", 15, 21, 47, 0, func(a, b *model.Socket, _ *render.Labeler) int { return a.Local.Compare(b.Local) }),
		col("Peer Address:Port", "Peer", 15, 21, 47, 0, func(a, b *model.Socket, _ *render.Labeler) int { return a.Remote.Compare(b.Remote) }),
		col("Service", "Service", 10, 12, 14, 3, func(a, b *model.Socket, l *render.Labeler) int {
			return strings.Compare(l.Service(a), l.Service(b))
		}),
		col("Class", "Class", 7, 7, 7, 8, func(a, b *model.Socket, l *render.Labeler) int {
			return cmp.Or(cmp.Compare(l.Port(a.Proto, a.Local.Port()).Class, l.Port(b.Proto, b.Local.Port()).Class),
				cmp.Compare(l.Port(a.Proto, a.Remote.Port()).Class, l.Port(b.Proto, b.Remote.Port()).Class))
		}),
		col("Process", "Process", 12, 16, 24, 2, func(a, b *model.Socket, l *render.Labeler) int {
			return compareOwners(l.OwnersOf(a), l.OwnersOf(b))
		}),
		col("Timer", "Timer", 16, 16, 20, 7, func(a, b *model.Socket, _ *render.Labeler) int {
			return cmp.Or(cmp.Compare(a.Timer.Kind, b.Timer.Kind), cmp.Compare(a.Timer.Expires, b.Timer.Expires))
		}),
	}
}

// listingColumns are every column of the listing, by name: the cells the
// dashboard's tables share with conntab list.
func listingColumns() map[string]render.Column {
	byName := map[string]render.Column{}
	for _, c := range render.Columns(render.ColumnSet{Timers: true, Processes: true, Classes: true}) {
		byName[c.Name] = c
	}
	return byName
}

func compareOwners(a, b []model.Owner) int {
	switch {
	case len(a) == 0 || len(b) == 0:
		return cmp.Compare(len(a), len(b))
	}
	return cmp.Or(strings.Compare(a[0].Comm, b[0].Comm), cmp.Compare(a[0].PID, b[0].PID))
}
