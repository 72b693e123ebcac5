package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/model"
)

// TestReadSockstat reads the captured sockstat files, and counts nothing
// where there are none.
func TestReadSockstat(t *testing.T) {
	all := readSockstat(filepath.Join("..", "testdata", "proc", "captured", "net")).estimate([]model.Proto{procTCP, procUDP}, []model.Family{procIn4, procIn6}, model.AllStateSet)
	if want := 29 + 29/8 + 64; all != want {
		t.Errorf("estimate = %d, want %d", all, want)
	}
	if n := readSockstat(t.TempDir()).estimate([]model.Proto{procTCP}, []model.Family{procIn4}, model.AllStateSet); n != 0 {
		t.Errorf("estimate without sockstat = %d, want 0", n)
	}
}

// procRoot makes a fake procfs root holding net/<name> for each file.
func procRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(root, "net", name)
		var err error
		if content == "<dir>" {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadProc(t *testing.T) {
	captured := filepath.Join("..", "testdata", "proc", "captured")
	all := slices.Concat(procCapturedWant["tcp"], procCapturedWant["tcp6"], procCapturedWant["udp"], procCapturedWant["udp6"])
	good := procHeader4 + procListenLine(0, 80, 7)
	tests := []struct {
		name    string
		cfg     Config
		want    []model.Socket
		wantErr []error // each must match with errors.Is
	}{
		{name: "captured", cfg: Config{ProcRoot: captured}, want: all},
		{
			name: "udp6 then tcp",
			cfg:  Config{ProcRoot: captured, Protos: []model.Proto{procUDP, procTCP}, Families: []model.Family{procIn6}},
			want: slices.Concat(procCapturedWant["udp6"], procCapturedWant["tcp6"]),
		},
		{
			name: "listening",
			cfg:  Config{ProcRoot: captured, States: model.ListeningStateSet},
			want: slices.DeleteFunc(slices.Clone(all), func(s model.Socket) bool { return !model.ListeningStateSet.Has(s.State) }),
		},
		{
			name: "no IPv6",
			cfg:  Config{ProcRoot: procRoot(t, map[string]string{"tcp": good, "udp": "   sl  local_address\n"})},
			want: []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
		},
		{
			name:    "no tcp",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp6": good, "udp": good, "udp6": good})},
			wantErr: []error{os.ErrNotExist},
		},
		{
			name:    "tcp6 unreadable",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp": good, "tcp6": "<dir>"}), Protos: []model.Proto{procTCP}},
			want:    []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
			wantErr: []error{syscall.EISDIR},
		},
		{
			name:    "malformed tcp, good udp",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp": good + "junk\n", "udp": "   sl  local_address\n"}), Families: []model.Family{procIn4}},
			want:    []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
			wantErr: []error{ErrDecode},
		},
		{
			name:    "unknown protocol",
			cfg:     Config{ProcRoot: captured, Protos: []model.Proto{132}},
			wantErr: []error{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New(tc.cfg)
			var snap model.Snapshot
			err := c.readProc(&snap)
			if diff := cmp.Diff(tc.want, snap.Sockets, procCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			if (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("readProc error = %v, want error: %v", err, tc.wantErr != nil)
			}
			for _, target := range tc.wantErr {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
		})
	}
}

// TestReadProcPermission checks EACCES stays matchable. Root reads any file,
// so it runs unprivileged only.
func TestReadProcPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("skipping: root is never refused a read")
	}
	root := procRoot(t, map[string]string{"tcp": procHeader4})
	if err := os.Chmod(filepath.Join(root, "net", "tcp"), 0); err != nil {
		t.Fatal(err)
	}
	err := New(Config{ProcRoot: root}).readProc(&model.Snapshot{})
	if !errors.Is(err, os.ErrPermission) || !errors.Is(err, syscall.EACCES) {
		t.Errorf("readProc = %v, want EACCES", err)
	}
}

// BenchmarkReadProc reads a fake root with 130k tcp rows into a fresh
// snapshot, with and without a sockstat to size the slice from.
func BenchmarkReadProc(b *testing.B) {
	const rows = 130_000
	in := formatProcNet(procBenchSockets(rows, model.FamilyInet), model.ProtoTCP, model.FamilyInet)
	for _, withSockstat := range []bool{false, true} {
		b.Run(fmt.Sprintf("sockstat=%v", withSockstat), func(b *testing.B) {
			root := b.TempDir()
			if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
				b.Fatal(err)
			}
			files := map[string][]byte{"tcp": in}
			if withSockstat {
				files["sockstat"] = fmt.Appendf(nil, "sockets: used %d\nTCP: inuse %d orphan 0 tw %d alloc %[2]d mem 1\nUDP: inuse 0 mem 0\n", rows, rows*3/4, rows/4)
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(root, "net", name), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			c := New(Config{ProcRoot: root, Protos: []model.Proto{model.ProtoTCP}, Families: []model.Family{model.FamilyInet}})
			b.ReportAllocs()
			for b.Loop() {
				var snap model.Snapshot
				if err := c.readProc(&snap); err != nil || len(snap.Sockets) != rows {
					b.Fatalf("readProc: %d sockets, %v", len(snap.Sockets), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}
