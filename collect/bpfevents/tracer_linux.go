//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// Tracer holds the attached programs and reads their records. Read is
// for one goroutine at a time; Close may be called from another, and
// makes a blocked Read return.
type Tracer struct {
	objs  eventsObjects
	links []link.Link
	rd    *ringbuf.Reader
	rec   ringbuf.Record
	// boot is the wall time at CLOCK_MONOTONIC zero.
	boot time.Time
	// missing says what Open could not attach but did without.
	missing []string
	// poll is Options.Latency; deadline is SetDeadline's, in Unix ns
	// (0: none).
	poll     time.Duration
	deadline atomic.Int64
	// raw, if set, is handed every record's bytes before decoding (tests
	// keep them as fuzz seeds).
	raw func([]byte)
}

// attach attaches the tracepoint programs, which Open cannot do without,
// and the sock_ops program that times successful port searches, which
// it can.
func (t *Tracer) attach() error {
	p := &t.objs.eventsPrograms
	for _, a := range []struct {
		prog   *ebpf.Program
		target string
	}{
		{p.SetState, "tp_btf/inet_sock_set_state"},
		{p.SysExit, "tp_btf/sys_exit"},
	} {
		l, err := link.AttachTracing(link.TracingOptions{Program: a.prog})
		if err != nil {
			return fmt.Errorf("%w: attaching %s%s: %w", ErrUnavailable, a.target, privilegeHint(err), err)
		}
		t.links = append(t.links, l)
	}
	root, err := cgroup2Root("/proc/self/mountinfo")
	if err != nil {
		t.missing = append(t.missing, "port-search times of successful connects: "+err.Error())
		return nil
	}
	l, err := link.AttachCgroup(link.CgroupOptions{Path: root, Attach: ebpf.AttachCGroupSockOps, Program: p.SearchDone})
	if err != nil {
		t.missing = append(t.missing, fmt.Sprintf("port-search times of successful connects: attaching sock_ops to %s: %v", root, err))
		return nil
	}
	t.links = append(t.links, l)
	return nil
}

// Missing says what Open could not attach and did without, one sentence
// each (nil when everything is attached): a caller says it once.
func (t *Tracer) Missing() []string { return t.missing }

// Open loads the programs and attaches them. It fails with ErrUnavailable,
// saying why, when the kernel or the process's privileges do not allow it.
// Loading relocates the programs against the kernel's BTF: it costs tens
// of milliseconds once.
func Open(opts Options) (*Tracer, error) {
	if opts.Disable {
		return nil, fmt.Errorf("%w: disabled (Options.Disable)", ErrUnavailable)
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return nil, fmt.Errorf("%w: the kernel has no BTF: %w", ErrUnavailable, err)
	}
	ring := opts.RingBytes
	if ring == 0 {
		ring = DefaultRingBytes
	}
	if err := checkRingBytes(ring, os.Getpagesize()); err != nil {
		return nil, err
	}
	spec, err := loadEvents()
	if err != nil {
		return nil, fmt.Errorf("bpfevents: the embedded object: %w", err)
	}
	spec.Maps[eventsMapEvents].MaxEntries = uint32(ring)
	if err := spec.Variables[eventsVarWantNetns].Set(opts.NetNS); err != nil {
		return nil, fmt.Errorf("bpfevents: setting the namespace: %w", err)
	}
	t := &Tracer{poll: opts.Latency}
	if opts.Latency > 0 {
		if err := spec.Variables[eventsVarWakeBytes].Set(uint64(ring / 4)); err != nil {
			return nil, fmt.Errorf("bpfevents: setting the wakeup mark: %w", err)
		}
	}
	if err := spec.LoadAndAssign(&t.objs, nil); err != nil {
		return nil, fmt.Errorf("%w: loading the programs%s: %w", ErrUnavailable, privilegeHint(err), err)
	}
	if err := t.attach(); err != nil {
		t.Close()
		return nil, err
	}
	if t.rd, err = ringbuf.NewReader(t.objs.Events); err != nil {
		t.Close()
		return nil, fmt.Errorf("%w: reading the ring buffer: %w", ErrUnavailable, err)
	}
	t.boot = bootTime()
	return t, nil
}

// privilegeHint names the capabilities when err is a refusal.
func privilegeHint(err error) string {
	if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM) {
		return " (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN; a lockdown kernel refuses even root)"
	}
	return ""
}

// bootTime is the wall time at which CLOCK_MONOTONIC read zero.
func bootTime() time.Time {
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Time{}
	}
	return now.Add(-time.Duration(ts.Nano()))
}

// Close detaches the programs and releases them.
func (t *Tracer) Close() error {
	var errs []error
	if t.rd != nil {
		errs = append(errs, t.rd.Close())
	}
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	t.links = nil
	errs = append(errs, t.objs.Close())
	return errors.Join(errs...)
}

// SetDeadline makes Read return os.ErrDeadlineExceeded once d has passed
// with nothing to read; the zero time waits for ever.
func (t *Tracer) SetDeadline(d time.Time) {
	var ns int64
	if !d.IsZero() {
		ns = d.UnixNano()
	}
	t.deadline.Store(ns)
	t.rd.SetDeadline(d)
}

// Read returns the next record, waiting for one. After Close it returns
// an error matching os.ErrClosed; a record that does not decode is an
// ErrDecode quoting it, and the next Read goes on with the next record.
func (t *Tracer) Read() (Event, error) {
	if err := t.next(); err != nil {
		return Event{}, err
	}
	if t.raw != nil {
		t.raw(t.rec.RawSample)
	}
	e, err := Decode(t.rec.RawSample)
	if err != nil {
		return Event{}, err
	}
	if !t.boot.IsZero() {
		e.Time = t.boot.Add(e.Mono)
	}
	return e, nil
}

// next reads the next record into t.rec, polling every t.poll for
// records that did not wake the reader.
func (t *Tracer) next() error {
	for {
		if t.poll > 0 {
			d := time.Now().Add(t.poll)
			if user := t.deadline.Load(); user != 0 && user < d.UnixNano() {
				d = time.Unix(0, user)
			}
			t.rd.SetDeadline(d)
		}
		err := t.rd.ReadInto(&t.rec)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ringbuf.ErrClosed):
			return fmt.Errorf("bpfevents: %w", os.ErrClosed)
		case errors.Is(err, os.ErrDeadlineExceeded):
			if user := t.deadline.Load(); t.poll > 0 && (user == 0 || time.Now().UnixNano() < user) {
				continue
			}
			return fmt.Errorf("bpfevents: reading: %w", err)
		default:
			return fmt.Errorf("bpfevents: reading: %w", err)
		}
	}
}

// Lost reads the counters of what the programs could not hand over.
func (t *Tracer) Lost() (Lost, error) {
	var l Lost
	for slot, dst := range []*uint64{&l.Histogram, &l.ConnectError, &l.BindError, &l.State} {
		var perCPU []uint64
		if err := t.objs.Lost.Lookup(uint32(slot), &perCPU); err != nil {
			return Lost{}, fmt.Errorf("bpfevents: reading the lost counters: %w", err)
		}
		for _, n := range perCPU {
			*dst += n
		}
	}
	return l, nil
}

// Histograms reads the port-search histogram of every destination seen.
func (t *Tracer) Histograms() ([]Histogram, error) {
	var (
		key eventsDest
		val eventsHist
		out []Histogram
	)
	it := t.objs.SearchesHist.Iterate()
	for it.Next(&key, &val) {
		h := Histogram{
			NetNS:  key.Netns,
			Family: model.Family(key.Family),
			Dest:   netip.AddrPortFrom(addr(model.Family(key.Family), key.Daddr[:]), key.Dport),
			Slots:  val.Slots,
			Count:  val.Count,
			Sum:    time.Duration(val.SumNs),
		}
		out = append(out, h)
	}
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("bpfevents: reading the histograms: %w", err)
	}
	return out, nil
}
