package collect

import (
	"github.com/conntab/conntab/model"
)

// reuse appends the kept bound-only sockets of the families whose dump
// was split but skipped the walk, so a snapshot lists them all the same.
// A family dumped whole (it shrank below the split) had them read afresh.
func (b *boundCache) reuse(socks []model.Socket, jobs []*dumpJob) []model.Socket {
	for f, kept := range b.socks {
		split, walked := false, false
		for _, j := range jobs {
			if j.proto == model.ProtoTCP && j.family == f {
				split = split || j.mask == estBit
				walked = walked || j.mask&boundBit != 0
			}
		}
		switch {
		case !split:
			delete(b.socks, f)
		case !walked:
			socks = append(socks, kept...)
			b.age[f]++
		}
	}
	return socks
}
