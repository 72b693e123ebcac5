package collect

import (
	"slices"

	"github.com/conntab/conntab/model"
)

// boundCache keeps the bound-only sockets of each family's last bind-table
// walk, for the snapshots that skip it (Config.BoundEvery).
type boundCache struct {
	socks map[model.Family][]model.Socket
	// age counts, per family, the snapshots since the last walk.
	age map[model.Family]int
}

// stale reports whether family f's bound-only sockets are due to be read
// again, counting this snapshot.
func (b *boundCache) stale(f model.Family, every int) bool {
	_, ok := b.socks[f]
	return !ok || b.age[f]+1 >= every
}

// keep records a walk's bound-only sockets of family f.
func (b *boundCache) keep(f model.Family, socks []model.Socket) {
	if b.socks == nil {
		b.socks = map[model.Family][]model.Socket{}
		b.age = map[model.Family]int{}
	}
	b.socks[f] = slices.Clone(socks)
	b.age[f] = 0
}
