package collect

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/conntab/conntab/model"
)

// The kernel prints /proc/net/tcp from its hash tables a page at a time:
// every read(2) stops the walk and the next one restarts it, skipping to
// where the last one stopped by counting sockets into the bucket. A socket
// added to that bucket meanwhile shifts the count, and rows already
// printed are printed again: under churn some TIME_WAIT rows come two or
// three times (TestProcRepeatsUnderChurn sees several in a hundred), and a
// connection that closed between two reads shows as FIN_WAIT1 or
// ESTABLISHED, then as TIME_WAIT. sock_diag has the same restarts, and
// netlink's copies are told apart by cookie (dumpResult,
// dropCrossDuplicates); /proc has no cookie, so its rows are told apart by
// what they print.

// dropProcRepeats removes from the rows of one /proc/net file every row
// that a later row of the same socket supersedes, keeping the order of the
// rest. Two rows are of the same socket when they have the same protocol,
// family and endpoints, and the same inode, or one of them has none: a
// TIME_WAIT, request or orphaned socket (inode 0) is the connection a
// socket with an inode had before, or has since. Rows with distinct
// inodes stay apart: listeners or UDP sockets that share a port with
// SO_REUSEPORT. The later row wins: the kernel prints the rows in the
// order it walks them, so the later one is the newer look at the socket,
// as a connection moves from ESTABLISHED to TIME_WAIT (or a TIME_WAIT
// connection is reused by a new one).
//
// hashes[i] is procTupleHash(&socks[i]), taken as the row was parsed:
// reading 130k rows back from memory costs more than looking at them.
// Repeats are rare, so a bit set of the hashes finds the few rows that may
// repeat (a few in a hundred share a bit), and only those are sorted by
// hash and compared.
func dropProcRepeats(socks []model.Socket, hashes []uint64) []model.Socket {
	if len(socks) < 2 {
		return socks
	}
	setBits := uint(12)
	for 1<<setBits < 16*len(socks) {
		setBits++
	}
	// set[2w] has a bit for every hash seen, set[2w+1] for every one seen
	// twice: both in one cache line.
	set := make([]uint64, 2*(1<<setBits)/64)
	suspects := 0
	for _, full := range hashes {
		h := full >> (64 - setBits)
		w, b := 2*(h/64), uint64(1)<<(h%64)
		if set[w]&b != 0 {
			set[w+1] |= b
			suspects++
		}
		set[w] |= b
	}
	if suspects == 0 {
		return socks
	}
	// A candidate is its hash's top bits and its index, in one word that
	// sorts by hash, then by index.
	idxBits := uint(bits.Len(uint(len(socks) - 1)))
	cands := make([]uint64, 0, 2*suspects)
	for i, full := range hashes {
		if h := full >> (64 - setBits); set[2*(h/64)+1]&(1<<(h%64)) != 0 {
			cands = append(cands, full>>idxBits<<idxBits|uint64(i))
		}
	}
	drop := procSuperseded(socks, cands, idxBits)
	if len(drop) == 0 {
		return socks
	}
	slices.Sort(drop)
	out, d := socks[:0], 0
	for i := range socks {
		if d < len(drop) && drop[d] == i {
			d++
			continue
		}
		out = append(out, socks[i])
	}
	return out
}

// procSuperseded returns the indexes of the candidates a later row
// supersedes. Candidates are grouped by hash; a group holds the copies of
// one tuple (a row and its repeats, or listeners sharing a port), and,
// seldom, rows whose hashes only agree in their top bits.
func procSuperseded(socks []model.Socket, cands []uint64, idxBits uint) []int {
	slices.Sort(cands)
	index := func(c uint64) int { return int(c & (1<<idxBits - 1)) }
	var drop []int
	for len(cands) > 0 {
		n := 1
		for n < len(cands) && cands[n]>>idxBits == cands[0]>>idxBits {
			n++
		}
		group := cands[:n]
		cands = cands[n:]
		for k, c := range group {
			a := &socks[index(c)]
			for _, later := range group[k+1:] {
				b := &socks[index(later)]
				if procSameTuple(a, b) && (a.Inode == b.Inode || a.Inode == 0 || b.Inode == 0) {
					drop = append(drop, index(c))
					break
				}
			}
		}
	}
	return drop
}

// procSameTuple reports whether a and b have the same protocol, family and
// endpoints.
func procSameTuple(a, b *model.Socket) bool {
	return a.Local == b.Local && a.Remote == b.Remote && a.Proto == b.Proto && a.Family == b.Family
}

// procTupleHash hashes a socket's protocol, family and endpoints.
func procTupleHash(s *model.Socket) uint64 {
	la, ra := s.Local.Addr(), s.Remote.Addr()
	h := uint64(s.Proto)<<40 | uint64(s.Family)<<32 | uint64(s.Local.Port())<<16 | uint64(s.Remote.Port())
	if la.Is4() && ra.Is4() {
		l, r := la.As4(), ra.As4()
		h = procMix(h ^ (uint64(binary.LittleEndian.Uint32(l[:]))<<32 | uint64(binary.LittleEndian.Uint32(r[:]))))
	} else {
		l, r := la.As16(), ra.As16()
		h = procMix(h ^ binary.LittleEndian.Uint64(l[:8]))
		h = procMix(h ^ binary.LittleEndian.Uint64(l[8:]))
		h = procMix(h ^ binary.LittleEndian.Uint64(r[:8]))
		h = procMix(h ^ binary.LittleEndian.Uint64(r[8:]))
	}
	return procMix(h)
}

// procMix is splitmix64's finaliser: every bit of x moves every bit of the
// result.
func procMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
