package watch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/conntab/conntab/collect/bpfevents"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/render/escape"
)

// Destroys is a subscription to the kernel's destroy messages
// (collect.Destroys).
type Destroys interface {
	// Each hands every message to emit until ctx ends; lost is called
	// for each overflow that dropped some, bad for each that did not
	// decode.
	Each(ctx context.Context, emit func(s model.Socket, info *model.TCPInfo), lost func(), bad func(error)) error
	Close() error
}

// Config is what Run watches, and how it writes.
type Config struct {
	// Collect reads one sample of the namespace's sockets
	// (collect.Collector.Collect), with their processes when asked.
	Collect func(context.Context) (*model.Snapshot, error)
	// Destroys subscribes to the kernel's destroy messages of the same
	// namespace (collect.Collector.OpenDestroys). nil, or an error, leaves
	// closes to the samples, and Run says so.
	Destroys func() (Destroys, error)
	// Interval is the time between samples.
	Interval time.Duration
	// Failures opens the kernel's eBPF records (OpenFailures) for the
	// namespace of inode netns, 0 for every one, state changes waiting
	// in the ring buffer up to latency. nil, or an error, leaves
	// connect() and bind() failures unseen and opens to the samples, and
	// Run says so once.
	Failures func(netns uint32, latency time.Duration) (Failures, error)
	// Container names a failing process's container (cached per pid);
	// nil names none.
	Container func(pid int32) string
	// Match selects the events written, by their socket; nil writes all.
	Match func(*model.Socket) bool
	// Labeler names services and port classes in the JSON; Run sets its
	// Host and Snapshot to each sample's.
	Labeler *render.Labeler
	JSON    bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// destroyed is one destroy message as it arrived.
type destroyed struct {
	s    model.Socket
	info *model.TCPInfo
	at   time.Time
}

// Run writes the events of the namespace to stdout, one per line, until
// ctx ends (nil) or stdout is closed (nil: a reader that left, as head
// does), and says on stderr, once, where its events come from. The first
// sample is the baseline: sockets already open make no event.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Labeler == nil {
		cfg.Labeler = new(render.Labeler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	d, destroyErr := openDestroys(cfg)
	t := &Tracker{Destroys: d != nil}
	snap, err := cfg.Collect(ctx)
	if snap == nil {
		if d != nil {
			d.Close()
		}
		return err
	}
	if d != nil && snap.Source != model.SourceNetlink {
		// Destroy messages name sockets by cookie, which /proc has not.
		d.Close()
		d, t.Destroys, destroyErr = nil, false, errors.New("the samples come from /proc, which has no cookies to match them by")
	}
	cfg.Labeler.Host, cfg.Labeler.Snapshot = &snap.Host, snap
	t.Sample(snap, cfg.Now())
	f, failErr := openFailures(cfg, snap)
	if failErr != nil {
		fmt.Fprintln(stderr, "conntab: connect() and bind() failures cannot be seen: "+string(escape.AppendSafe(nil, failErr.Error())))
	}
	t.Traced = f != nil
	fmt.Fprintln(stderr, sourcesNotice(snap.Source, cfg.Interval, destroyErr, f != nil))
	w := &writer{cfg: &cfg, out: bufio.NewWriterSize(stdout, 64<<10)}
	var lost, bad counter
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := readDestroys(rctx, &cfg, d, stderr, &lost, &bad)
	if d != nil {
		defer d.Close()
	}
	recs := readFailures(rctx, f)
	if f != nil {
		defer f.Close()
	}
	err = loop(ctx, &cfg, t, w, msgs, recs)
	if f != nil {
		sayLost(f, stderr)
	}
	if n := lost.load(); n > 0 {
		fmt.Fprintf(stderr, "conntab: the kernel dropped destroy messages %d times (conntab fell behind): those closes were found by the samples, seen \"gone\" or \"time-wait\"\n", n)
	}
	if n := bad.load(); n > 0 {
		fmt.Fprintf(stderr, "conntab: %d destroy messages did not decode and were skipped\n", n)
	}
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

// readDestroys reads d's messages on a goroutine of its own until ctx
// ends, into the channel it returns (nil without d).
func readDestroys(ctx context.Context, cfg *Config, d Destroys, stderr io.Writer, lost, bad *counter) <-chan destroyed {
	if d == nil {
		return nil
	}
	msgs := make(chan destroyed, 1<<14)
	go func() {
		defer close(msgs)
		_ = d.Each(ctx, func(s model.Socket, info *model.TCPInfo) {
			select {
			case msgs <- destroyed{s, info, cfg.Now()}:
			case <-ctx.Done():
			}
		}, func() {
			if lost.add() == 1 {
				fmt.Fprintln(stderr, "conntab: the kernel dropped destroy messages (conntab fell behind): the samples will find those closes, seen \"gone\" or \"time-wait\"; the count comes at the end")
			}
		}, func(error) { bad.add() })
	}()
	return msgs
}

// errNotAsked: the caller gave no way to the destroy messages
// (--samples-only).
var errNotAsked = errors.New("not asked for")

// openDestroys subscribes to the destroy messages, if cfg can.
func openDestroys(cfg Config) (Destroys, error) {
	if cfg.Destroys == nil {
		return nil, errNotAsked
	}
	return cfg.Destroys()
}

// sourcesNotice says where the events come from.
func sourcesNotice(src model.Source, interval time.Duration, destroyErr error, traced bool) string {
	samples := fmt.Sprintf("conntab: opens and state changes from samples every %s (%s)", interval, src)
	if traced {
		samples += ", TCP connections' opens as they happen from the kernel's inet_sock_set_state tracepoint, connect() and bind() failures from its sys_exit tracepoint"
	}
	why := ", as asked"
	switch {
	case destroyErr == nil:
		return samples + "; closes from the kernel's sock_diag destroy messages, with their final tcp_info"
	case !errors.Is(destroyErr, errNotAsked):
		why = ", since the kernel's destroy messages cannot be had (" + string(escape.AppendSafe(nil, destroyErr.Error())) + ")"
	}
	return samples + "; closes from the samples alone" + why + ": a close is seen up to " + interval.String() +
		" late, as \"gone\" or \"time-wait\", without its final counters"
}

// loop takes a sample every interval and writes its events, then those
// of the destroy messages that arrived while it was taken: a message
// always follows the sample read before its socket was freed.
func loop(ctx context.Context, cfg *Config, t *Tracker, w *writer, msgs <-chan destroyed, recs <-chan bpfevents.Event) error {
	containers := containerCache{name: cfg.Container}
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.finish(t, msgs, recs, containers.lookup)
		case m, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			// The kernel wrote the socket's records before it freed it.
			if err := w.drainTraced(t, recs, containers.lookup); err != nil {
				return err
			}
			if err := w.destroy(t, m); err != nil {
				return err
			}
			if err := w.drain(t, msgs); err != nil {
				return err
			}
		case r, ok := <-recs:
			if !ok {
				recs = nil
				continue
			}
			if err := w.traced(t, r, containers.lookup); err != nil {
				return err
			}
		case <-tick.C:
			snap, err := cfg.Collect(ctx)
			if ctx.Err() != nil {
				return w.finish(t, msgs, recs, containers.lookup)
			}
			if snap == nil {
				return err
			}
			cfg.Labeler.Host, cfg.Labeler.Snapshot = &snap.Host, snap
			if err := w.write(t.Sample(snap, cfg.Now())); err != nil {
				return err
			}
			if err := w.drain(t, msgs); err != nil {
				return err
			}
		}
	}
}
