module github.com/conntab/conntab

go 1.26.8

require (
	github.com/prometheus/procfs v0.23.0
	golang.org/x/sys v0.49.0
)
