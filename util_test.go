package main

import "strconv"

func fmtSscan(s string, v *uint64) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	*v = n
	return 1, err
}
