package collect

import (
	"slices"

	"github.com/conntab/conntab/model"
)

// boundCache keeps the bound-only sockets of the last bind-table walk, for
// the snapshots that skip it (Config.BoundEvery).
type boundCache struct {
	socks []model.Socket
	// walked is whether a walk's sockets are kept; age counts the
	// snapshots since that walk.
	walked bool
	age    int
}

// stale reports whether the bound-only sockets are due to be read again,
// counting this snapshot.
func (b *boundCache) stale(every int) bool {
	return !b.walked || b.age+1 >= every
}

// keep records a walk's bound-only sockets.
func (b *boundCache) keep(socks []model.Socket) {
	b.socks, b.walked, b.age = slices.Clone(socks), true, 0
}
