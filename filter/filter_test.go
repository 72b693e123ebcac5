package filter

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// positions leaves out where a filter's parts were in the text parsed:
// the canonical spelling puts them elsewhere.
var positions = cmp.Options{cmpopts.IgnoreFields(Filter{}, "Input"), cmpopts.IgnoreFields(Port{}, "Col")}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func sock(p model.Proto, f model.Family, st model.State, local, remote string) model.Socket {
	return model.Socket{Proto: p, Family: f, State: st, Local: ap(local), Remote: ap(remote)}
}

const (
	tcp, udp    = model.ProtoTCP, model.ProtoUDP
	inet, inet6 = model.FamilyInet, model.FamilyInet6
)

// fixedSockets is shaped like nstest.BuildKnownSet's namespace, with fixed
// client ports, and a few more for the predicates of conntab's own.
func fixedSockets() []model.Socket {
	socks := []model.Socket{
		sock(tcp, inet, model.StateListen, "127.0.0.1:8001", "0.0.0.0:0"),
		sock(tcp, inet6, model.StateListen, "[::1]:8002", "[::]:0"),
		sock(tcp, inet6, model.StateListen, "[::]:8003", "[::]:0"),
		sock(tcp, inet, model.StateListen, "127.0.0.1:8004", "0.0.0.0:0"),
		sock(tcp, inet, model.StateEstablished, "127.0.0.1:40001", "127.0.0.1:8001"),
		sock(tcp, inet, model.StateEstablished, "127.0.0.1:8001", "127.0.0.1:40001"),
		sock(tcp, inet, model.StateEstablished, "127.0.0.1:40002", "127.0.0.1:8003"),
		sock(tcp, inet6, model.StateEstablished, "127.0.0.1:8003", "127.0.0.1:40002"),
		sock(tcp, inet, model.StateTimeWait, "127.0.0.1:40003", "127.0.0.1:8001"),
		sock(tcp, inet, model.StateFinWait2, "127.0.0.1:40004", "127.0.0.1:8001"),
		sock(tcp, inet, model.StateCloseWait, "127.0.0.1:8001", "127.0.0.1:40004"),
		sock(tcp, inet6, model.StateFinWait2, "[::1]:40005", "[::1]:8003"),
		sock(tcp, inet6, model.StateCloseWait, "[::1]:8003", "[::1]:40005"),
		sock(tcp, inet, model.StateEstablished, "127.0.0.1:40006", "127.0.0.1:8004"),
		sock(tcp, inet, model.StateEstablished, "127.0.0.1:8004", "127.0.0.1:40006"),
		sock(tcp, inet, model.StateSynSent, "127.0.0.1:40007", "127.0.0.1:8004"),
		sock(tcp, inet, model.StateBoundInactive, "127.0.0.1:8005", "0.0.0.0:0"),
		sock(udp, inet, model.StateUnconn, "127.0.0.1:5300", "0.0.0.0:0"),
		sock(udp, inet6, model.StateUnconn, "[::1]:5301", "[::]:0"),
		sock(udp, inet, model.StateEstablished, "127.0.0.1:40008", "127.0.0.1:5300"),
		// Beyond the known set.
		sock(udp, inet, model.StateUnconn, "0.0.0.0:53", "0.0.0.0:0"),
		sock(tcp, inet, model.StateSynRecv, "10.1.2.3:443", "10.9.9.9:50123"),
		sock(tcp, inet, model.StateLastAck, "10.1.2.3:22", "192.0.2.7:61000"),
		sock(tcp, inet6, model.StateEstablished, "[2001:db8::1]:33000", "[2001:db8::2]:5432"),
	}
	socks[6].UID = 1000
	socks[23].UID = 1000
	// Owners (see fixedOwners): nginx holds the 8001 listener and its
	// accepted socket; curl the client; the TIME_WAIT was curl's.
	socks[0].Inode, socks[5].Inode, socks[4].Inode = 100, 101, 102
	for i := range socks {
		socks[i].Cookie = uint64(i + 1)
	}
	return socks
}

// fixedOwners is a snapshot of fixedSockets with processes.
func fixedOwners() *model.Snapshot {
	socks := fixedSockets()
	return &model.Snapshot{
		Sockets: socks,
		Owners: model.NewOwners([]model.Owner{
			{Inode: 100, PID: 10, FD: 6, Comm: "nginx"},
			{Inode: 101, PID: 10, FD: 7, Comm: "nginx"},
			{Inode: 102, PID: 20, FD: 3, Comm: "curl"},
		}, 0),
		Former: map[model.TupleKey][]model.Owner{socks[8].Key(): {{PID: 21, FD: 3, Comm: "curl", Former: true}}},
	}
}

func labeler() *names.Labeler {
	return &names.Labeler{Services: names.DefaultServices(), Host: &model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}},
		Snapshot: fixedOwners()}
}

func selected(socks []model.Socket, keep func(*model.Socket) bool) []string {
	var out []string
	for i := range socks {
		if keep(&socks[i]) {
			s := &socks[i]
			out = append(out, s.Proto.String()+" "+s.State.String()+" "+s.Local.String()+" "+s.Remote.String())
		}
	}
	return out
}

func TestCases(t *testing.T) {
	if len(cases) < 60 {
		t.Fatalf("%d cases, want at least 60", len(cases))
	}
	socks := fixedSockets()
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			if seen[c.expr] {
				t.Fatalf("case %q twice", c.expr)
			}
			seen[c.expr] = true
			f, err := Parse(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.Compile(labeler())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(selected(socks, c.want), selected(socks, m.Match)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// The canonical spelling reads back to the same filter, and selects the
// same sockets.
func TestStringRoundTrip(t *testing.T) {
	for _, c := range cases {
		f, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(f.String())
		if err != nil {
			t.Fatalf("%q -> %q: %v", c.expr, f.String(), err)
		}
		if diff := cmp.Diff(f, again, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }), positions); diff != "" {
			t.Errorf("%q -> %q (-first +again)\n%s", c.expr, f.String(), diff)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"state time-wait ( dport = :443 or sport = :https )": "state time-wait dport = :443 or sport = :https",
		"sport gt :1024 dport != 80 || proto udp":            "(sport > :1024 and dport != :80) or proto udp",
		"a1 or b1": "",
		"sport = :1 or sport = :2 and sport = :3":       "(sport = :1 or sport = :2) and sport = :3",
		"not (sport = :1 or sport = :2)":                "not (sport = :1 or sport = :2)",
		"not (a1)":                                      "",
		"exclude listening":                             "exclude listening",
		"state connected":                               "state connected",
		"src 10.1.2.3/8:*":                              "src 10.0.0.0/8",
		"dst [::ffff:10.0.0.1]:22":                      "dst [::ffff:10.0.0.1]:22",
		"sport = :1 or (sport = :2 or sport = :3)":      "sport = :1 or (sport = :2 or sport = :3)",
		"(sport = :1 or sport = :2) and not sport = :3": "(sport = :1 or sport = :2) and not sport = :3",
	} {
		f, err := Parse(in)
		if want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %q, want an error", in, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := f.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tt := range []struct {
		in, msg string
		col     int
	}{
		{"dport =", `expected a port after "dport ="`, 8},
		{"dport = :99999", `bad port "99999"`, 9},
		{"state bogus", `unknown state "bogus"`, 7},
		{"state", `expected a state after "state"`, 6},
		{"sport = :22)", `unexpected ")" with no "(" open`, 12},
		{"((sport = :22)", `expected ")" to close the "(" at column 1`, 15},
		{"sport = :22 and", "expected an expression, found the end", 16},
		{"frobnicate", `unknown word "frobnicate"`, 1},
		{"sport = :22 state listening", `"state" must come before the expression`, 13},
		{"src 10.0.0.0/33", `address "10.0.0.0/33"`, 5},
		{"src [::1:80", `"[" without "]"`, 5},
		{"proto sctp", `unknown protocol "sctp"`, 7},
		{"class private", `unknown port class "private"`, 7},
		{"uid root", `bad user id "root"`, 5},
		{"pid root", `bad process id "root"`, 5},
		{"process", `expected a process name after "process"`, 8},
		{"sport = :ssh and ( )", `expected an expression, found ")"`, 20},
		{"dport = :", `expected a port number or service name after ":"`, 9},
		{"not", "expected an expression, found the end", 4},
	} {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("err = %v, want a SyntaxError", err)
			}
			if !strings.Contains(se.Msg, tt.msg) || se.Col != tt.col {
				t.Errorf("error %q at column %d, want %q at column %d", se.Msg, se.Col, tt.msg, tt.col)
			}
			if !strings.HasSuffix(se.Caret(), "\n"+strings.Repeat(" ", tt.col-1)+"^") {
				t.Errorf("caret:\n%s", se.Caret())
			}
		})
	}
}

func TestNeedsProcesses(t *testing.T) {
	for in, want := range map[string]bool{
		"state listening":               false,
		"sport = :22 or process sshd":   true,
		"not ( pid 1 and sport = :22 )": true,
		"uid 0 service ssh":             false,
	} {
		f, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if f.NeedsProcesses() != want {
			t.Errorf("%q: NeedsProcesses = %v, want %v", in, !want, want)
		}
	}
}

// An unknown service name, found when the filter is compiled, points at
// the port as Parse's errors point, in a port predicate or an address.
func TestUnknownServiceAtCompile(t *testing.T) {
	for _, tt := range []struct {
		in  string
		col int
	}{
		{"dport = :no-such-service", 9},
		{"state listening  sport :no-such-service", 24},
		{"dst 10.0.0.1:no-such-service", 13},
		{"src [::1]:no-such-service or sport = :22", 10},
	} {
		f, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Compile(labeler())
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), `"no-such-service"`) {
			t.Fatalf("%q: err = %v, want a SyntaxError naming the service", tt.in, err)
		}
		want := tt.in + "\n" + strings.Repeat(" ", tt.col-1) + "^"
		if se.Col != tt.col || se.Caret() != want {
			t.Errorf("%q: column %d, caret\n%s\nwant column %d:\n%s", tt.in, se.Col, se.Caret(), tt.col, want)
		}
	}
}

// An escape sequence in a filter never reaches the terminal raw.
func TestCaretEscapes(t *testing.T) {
	_, err := Parse("src \x1b[31m")
	var se *SyntaxError
	if !errors.As(err, &se) || strings.ContainsRune(se.Caret(), 0x1b) {
		t.Fatalf("caret %q keeps the escape", se.Caret())
	}
}

func TestStatesPushDown(t *testing.T) {
	for in, want := range map[string]model.StateSet{
		"state listening":                      model.NewStateSet(model.StateListen),
		"state time-wait state established":    model.NewStateSet(model.StateTimeWait, model.StateEstablished),
		"exclude time-wait":                    model.AllStateSet &^ model.NewStateSet(model.StateTimeWait),
		"state bucket":                         model.NewStateSet(model.StateSynRecv, model.StateNewSynRecv, model.StateTimeWait),
		"state connected exclude syn-sent":     connectedSet &^ model.NewStateSet(model.StateSynSent),
		"state listening sport = :22 or dport": 0,
	} {
		f, err := Parse(in)
		if want == 0 {
			if err == nil {
				t.Errorf("Parse(%q) succeeded", in)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := f.States, f.HasStates; !ok || got != want {
			t.Errorf("%q: states %v (%v), want %v", in, got, ok, want)
		}
	}
	if f, err := Parse("sport = :22"); err != nil || f.HasStates {
		t.Error("a filter without state clauses says it selects states")
	}
}

// BenchmarkMatch evaluates a five-clause filter over 130k sockets.
func BenchmarkMatch(b *testing.B) {
	base := fixedSockets()
	socks := make([]model.Socket, 130_000)
	for i := range socks {
		socks[i] = base[i%len(base)]
		socks[i].Local = netip.AddrPortFrom(socks[i].Local.Addr(), uint16(1024+i%60000))
	}
	f, err := Parse("state connected ( dport = :443 or sport = :https ) and src 127.0.0.0/8 and not dst 10.0.0.0/8 and class ephemeral")
	if err != nil {
		b.Fatal(err)
	}
	m, err := f.Compile(labeler())
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for i := range socks {
			if m.Match(&socks[i]) {
				n++
			}
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/1e6, "ms/130k")
	_ = slices.Clip(socks)
}
