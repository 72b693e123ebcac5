package watch

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
)

// fakeDestroys hands on what the test sends.
type fakeDestroys struct{ msgs chan model.Socket }

func (f *fakeDestroys) Each(ctx context.Context, emit func(model.Socket, *model.TCPInfo), _ func(), _ func(error)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-f.msgs:
			emit(s, &model.TCPInfo{BytesAcked: 7})
		}
	}
}

func (f *fakeDestroys) Close() error { return nil }

// syncBuffer is a buffer two goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRunOrdersDestroysAfterTheirSample: a destroy message that arrives
// while a sample holding its socket is read comes after that sample's
// open, and closes it, as it happened; the stream ends with the context.
func TestRunOrdersDestroysAfterTheirSample(t *testing.T) {
	d := &fakeDestroys{msgs: make(chan model.Socket)}
	a := tcp(1, cli, srv, est)
	calls := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	collect := func(context.Context) (*model.Snapshot, error) {
		calls++
		switch calls {
		case 1:
			return snap(0), nil
		case 2:
			// The socket is freed while the dump that holds it is read.
			d.msgs <- tcp(1, cli, srv, model.StateClose)
			time.Sleep(20 * time.Millisecond) // the message is in Run's queue
			return &model.Snapshot{Sockets: []model.Socket{a}, Taken: time.Now(), Read: time.Now(), Source: model.SourceNetlink}, nil
		}
		cancel()
		return snap(0), nil
	}
	var out, errb syncBuffer
	cfg := Config{Collect: collect, Destroys: func() (Destroys, error) { return d, nil }, Interval: 10 * time.Millisecond}
	if err := Run(ctx, cfg, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], " open ") || !strings.Contains(lines[1], " close ") ||
		!strings.Contains(lines[1], "acked=7") || !strings.Contains(lines[1], "seen=destroy") || !strings.Contains(lines[1], "lifetime=") {
		t.Errorf("got\n%s\nwant an open, then its close from the destroy message with its lifetime", out.String())
	}
	if !strings.Contains(errb.String(), "closes from the kernel's sock_diag destroy messages") {
		t.Errorf("stderr: %q", errb.String())
	}
}
