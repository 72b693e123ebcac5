package model

// SortInodes sorts a by LSD radix, a byte at a time, skipping the bytes in
// which every value agrees; tmp must be as long as a. It returns the
// result, in whichever of the two buffers holds it, and the other. Socket
// inodes of one host share their high bytes, so a million sort in two or
// three passes over them.
func SortInodes(a, tmp []uint64) (sorted, scratch []uint64) {
	var or, and uint64 = 0, ^uint64(0)
	for _, v := range a {
		or |= v
		and &= v
	}
	differ := or ^ and
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		if (differ>>shift)&0xff == 0 {
			continue
		}
		clear(count[:])
		for _, v := range a {
			count[(v>>shift)&0xff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range a {
			d := (v >> shift) & 0xff
			tmp[count[d]] = v
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a, tmp
}
