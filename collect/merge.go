package collect

import "github.com/conntab/conntab/model"

// lifecycle orders TCP states by how far along a connection's life they
// are. A socket that changed state between two dumps that walk different
// states is reported by both; the later state is the newer report.
var lifecycle = [...]uint8{
	model.StateBoundInactive: 0,
	model.StateClose:         0,
	model.StateListen:        1,
	model.StateSynSent:       2,
	model.StateSynRecv:       2,
	model.StateNewSynRecv:    2,
	model.StateEstablished:   3,
	model.StateCloseWait:     4,
	model.StateFinWait1:      4,
	model.StateLastAck:       5,
	model.StateFinWait2:      5,
	model.StateClosing:       5,
	model.StateTimeWait:      6,
	model.StateUnconn:        0,
}

func lifecycleRank(s model.State) uint8 {
	if int(s) < len(lifecycle) {
		return lifecycle[s]
	}
	return 0
}

// dropCrossDuplicates removes the older copy of every socket (by cookie)
// that socks holds twice, keeping the order of the rest. Duplicates are
// rare, so a bit set finds the few cookies that may repeat, and only those
// are looked at again.
func dropCrossDuplicates(socks []model.Socket) []model.Socket {
	bits := uint(16)
	for 1<<bits < 16*len(socks) {
		bits++
	}
	seen := make([]uint64, 1<<bits/64)
	var suspects map[uint64]int // cookie -> index of the copy to keep
	for i := range socks {
		c := socks[i].Cookie
		if c == 0 {
			continue
		}
		h := (c * 0x9e3779b97f4a7c15) >> (64 - bits)
		if seen[h/64]&(1<<(h%64)) == 0 {
			seen[h/64] |= 1 << (h % 64)
			continue
		}
		if suspects == nil {
			suspects = map[uint64]int{}
		}
		suspects[c] = -1
	}
	if suspects == nil {
		return socks
	}
	var drop map[int]bool
	for i := range socks {
		c := socks[i].Cookie
		keep, ok := suspects[c]
		if !ok {
			continue
		}
		if keep < 0 {
			suspects[c] = i
			continue
		}
		if drop == nil {
			drop = map[int]bool{}
		}
		if lifecycleRank(socks[i].State) >= lifecycleRank(socks[keep].State) {
			drop[keep] = true
			suspects[c] = i
		} else {
			drop[i] = true
		}
	}
	if drop == nil {
		return socks
	}
	out := socks[:0]
	for i := range socks {
		if !drop[i] {
			out = append(out, socks[i])
		}
	}
	return out
}

// slicesDeleteFunc is slices.DeleteFunc for sockets, taking a pointer so
// that 120-byte sockets are not copied to be looked at.
func slicesDeleteFunc(socks []model.Socket, del func(*model.Socket) bool) []model.Socket {
	out := socks[:0]
	for i := range socks {
		if !del(&socks[i]) {
			out = append(out, socks[i])
		}
	}
	return out
}
