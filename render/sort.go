package render

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"

	"github.com/conntab/conntab/model"
)

// sortSockets sorts socks in place in the order keys ask (--sort). Ties
// go by peer, then local endpoint, as the dashboard breaks them, then as
// read, so the same sockets always come out in the same order.
//
// A Socket is some 120 bytes and a comparison by text would look names
// up, so sortSockets first writes every socket's key as a few words
// (sortWords; text, a service or a process's name, becomes its rank
// among the texts) and leaves out the words every socket shares (an
// IPv4 endpoint's last two, say). When three words or fewer are left, as
// with IPv4 endpoints, it sorts records of those words and the socket's
// index by radix, a byte at a time, skipping bytes every socket shares;
// otherwise it compares the keys. Then it moves each socket once to its
// place.
func sortSockets(socks []model.Socket, keys []SortKey, l *Labeler) {
	if len(keys) == 0 || len(socks) < 2 {
		return
	}
	words, w := sortWords(socks, keys, l)
	var varying []int // the words, by position, that differ between sockets
	for k := range w {
		for i := 1; i < len(socks); i++ {
			if words[i*w+k] != words[k] {
				varying = append(varying, k)
				break
			}
		}
	}
	recs := make([]sortRec, len(socks))
	if len(varying) <= len(recs[0].k) {
		for i := range recs {
			recs[i].i = int32(i)
			for j, k := range varying {
				recs[i].k[len(recs[i].k)-len(varying)+j] = words[i*w+k]
			}
		}
		permute(socks, radixSort(recs, len(varying)))
		return
	}
	for i := range recs {
		recs[i].i = int32(i)
	}
	slices.SortFunc(recs, func(a, b sortRec) int {
		x := words[int(a.i)*w : int(a.i)*w+w]
		y := words[int(b.i)*w : int(b.i)*w+w]
		if c := slices.Compare(x, y); c != 0 {
			return c
		}
		return int(a.i - b.i)
	})
	permute(socks, recs)
}

// sortRec is a socket's place in the sort: its key (the words of it that
// vary, at the end), and its index.
type sortRec struct {
	k [3]uint64
	i int32
}

// radixSort sorts recs by k, stably, and returns them sorted: recs or a
// slice of its own. Only the last used words of k may differ. It counts
// every byte of them in one pass, then moves the records once for each
// byte, from the least significant up, but for the bytes that are the
// same in every key.
func radixSort(recs []sortRec, used int) []sortRec {
	const most = 8 * len(sortRec{}.k)
	digits := 8 * used
	digit := func(r *sortRec, d int) byte { return byte(r.k[len(r.k)-1-d/8] >> (8 * (d % 8))) }
	var counts [most][256]int32
	for i := range recs {
		for d := range digits {
			counts[d][digit(&recs[i], d)]++
		}
	}
	src, dst := recs, make([]sortRec, len(recs))
	for d := range digits {
		c := &counts[d]
		if int(c[digit(&src[0], d)]) == len(src) {
			continue
		}
		var next [256]int32
		sum := int32(0)
		for b, n := range c {
			next[b], sum = sum, sum+n
		}
		for i := range src {
			b := digit(&src[i], d)
			dst[next[b]] = src[i]
			next[b]++
		}
		src, dst = dst, src
	}
	return src
}

// permute puts socks[recs[k].i] at k for every k, moving each socket
// once (a cycle at a time), without a second slice of sockets.
func permute(socks []model.Socket, recs []sortRec) {
	const done = -1
	for start := range recs {
		if recs[start].i == done {
			continue
		}
		held := socks[start]
		k := start
		for {
			from := int(recs[k].i)
			recs[k].i = done
			if from == start {
				socks[k] = held
				break
			}
			socks[k] = socks[from]
			k = from
		}
	}
}

// sortWords writes the sort key of each socket as w words: the keys'
// columns, each complemented when it sorts down, then the peer and the
// local endpoint, unless a key sorts by them already.
func sortWords(socks []model.Socket, keys []SortKey, l *Labeler) (words []uint64, w int) {
	type part struct {
		c    *namedColumn
		desc bool
	}
	var parts []part
	for _, k := range keys {
		if c, err := lookupColumn(k.Column); err == nil {
			parts = append(parts, part{c, k.Desc})
		}
	}
	for _, name := range []string{"remote", "local"} {
		if !slices.ContainsFunc(keys, func(k SortKey) bool { return k.Column == name }) {
			c, _ := lookupColumn(name)
			parts = append(parts, part{c, false})
		}
	}
	for _, p := range parts {
		if p.c.text != nil {
			w++
		}
		w += p.c.words
	}
	words = make([]uint64, len(socks)*w)
	at := 0
	for _, p := range parts {
		n := p.c.words
		if p.c.text != nil {
			for i, rank := range textRanks(socks, p.c.text, l) {
				words[i*w+at] = rank
			}
			n++
			at++
		}
		if p.c.put != nil {
			for i := range socks {
				p.c.put(words[i*w+at:i*w+at+p.c.words], &socks[i], l)
			}
			at += p.c.words
		}
		if p.desc {
			for i := range socks {
				for k := i*w + at - n; k < i*w+at; k++ {
					words[k] = ^words[k]
				}
			}
		}
	}
	return words, w
}

// textRanks is, for each socket, the rank of its text among the
// sockets' texts, in byte order: few distinct texts (services, users,
// programs) are sorted once, not compared at every step.
func textRanks(socks []model.Socket, text func(*model.Socket, *Labeler) string, l *Labeler) []uint64 {
	texts := make([]string, len(socks))
	rank := map[string]uint64{}
	for i := range socks {
		texts[i] = text(&socks[i], l)
		rank[texts[i]] = 0
	}
	distinct := make([]string, 0, len(rank))
	for t := range rank {
		distinct = append(distinct, t)
	}
	slices.SortFunc(distinct, strings.Compare)
	for r, t := range distinct {
		rank[t] = uint64(r)
	}
	ranks := make([]uint64, len(socks))
	for i, t := range texts {
		ranks[i] = rank[t]
	}
	return ranks
}

// endpointWords is how many words putEndpoint writes.
const endpointWords = 3

// putEndpoint writes ap as three words that compare as
// netip.AddrPort.Compare does: an IPv4 address before any IPv6 one, then
// the address, then the port (sockets' addresses have no zone). The
// family takes the first word's top 2 bits; an IPv4 endpoint fits in the
// rest of it; an IPv6 one's 128-bit address and port are one 144-bit
// number across the rest of the three.
func putEndpoint(dst []uint64, ap netip.AddrPort) {
	a, port := ap.Addr(), uint64(ap.Port())
	switch {
	case a.Is4():
		b := a.As4()
		dst[0] = 1<<62 | uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | port
		dst[1], dst[2] = 0, 0
	case a.Is6():
		b := a.As16()
		hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
		dst[0] = 2<<62 | hi>>2
		dst[1] = hi<<62 | lo>>2
		dst[2] = lo<<62 | port
	default:
		dst[0], dst[1], dst[2] = 0, 0, port
	}
}

// signedWord is v as a word that compares as v does.
func signedWord(v int64) uint64 { return uint64(v) ^ 1<<63 }
