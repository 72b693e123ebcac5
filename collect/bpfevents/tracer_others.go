//go:build !linux || !(amd64 || arm64)

package bpfevents

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// Tracer reads failure and state-change events from eBPF programs; there
// are none on this platform.
type Tracer struct{}

// Open says ErrUnavailable: the programs attach to Linux's functions.
func Open(opts Options) (*Tracer, error) {
	if opts.Disable {
		return nil, fmt.Errorf("%w: disabled (Options.Disable)", ErrUnavailable)
	}
	return nil, fmt.Errorf("%w on %s/%s", ErrUnavailable, runtime.GOOS, runtime.GOARCH)
}

// Close does nothing.
func (t *Tracer) Close() error { return nil }

// SetDeadline does nothing.
func (t *Tracer) SetDeadline(d time.Time) {}

// Read says the Tracer is closed.
func (t *Tracer) Read() (Event, error) {
	return Event{}, fmt.Errorf("bpfevents: %w", os.ErrClosed)
}

// Lost says ErrUnavailable.
func (t *Tracer) Lost() (Lost, error) { return Lost{}, ErrUnavailable }

// Histograms says ErrUnavailable.
func (t *Tracer) Histograms() ([]Histogram, error) { return nil, ErrUnavailable }

// Missing says nothing: Open never succeeds here.
func (t *Tracer) Missing() []string { return nil }
