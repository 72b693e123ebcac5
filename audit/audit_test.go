package audit

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/google/go-cmp/cmp"
)

const auditFixtures = "../testdata/audit"

func TestDefaultAuditRules(t *testing.T) {
	r := DefaultAuditRules()
	// The ports the issue names as usually local, each with a description.
	for _, port := range []uint16{3306, 5432, 6379, 11211, 27017, 9200, 2375} {
		if what, ok := r.Local(model.ProtoTCP, port); !ok || what == "" {
			t.Errorf("%d/tcp: Local = %q, %v; want a local service", port, what, ok)
		}
	}
	if _, ok := r.Local(model.ProtoTCP, 22); ok {
		t.Error("22/tcp is local; ssh is meant to be reached")
	}
	if _, ok := r.Local(model.ProtoUDP, 5432); ok {
		t.Error("5432/udp is local; only the TCP port is PostgreSQL's")
	}
	for _, tt := range []struct {
		port uint16
		p    model.Proto
		comm string
		want bool
	}{
		{22, model.ProtoTCP, "sshd", true},
		{22, model.ProtoTCP, "dropbear", true},
		{22, model.ProtoTCP, "nc", false},
		{22, model.ProtoTCP, "systemd", true}, // socket activation
		{22, model.ProtoTCP, "docker-proxy", true},
		{53, model.ProtoUDP, "systemd-resolve", true}, // systemd-resolved, cut to 15 bytes
		{53, model.ProtoUDP, "systemd-resolv", false}, // 14 bytes: not a cut name
		{6379, model.ProtoTCP, "redis-server", true},
		{6379, model.ProtoTCP, "python3", false},
		{12345, model.ProtoTCP, "anything", false}, // not judged: Expected is nil
	} {
		if got := r.Expects(tt.p, tt.port, tt.comm); got != tt.want {
			t.Errorf("Expects(%d/%s, %q) = %v, want %v", tt.port, tt.p, tt.comm, got, tt.want)
		}
	}
	if r.Expected(model.ProtoTCP, 12345) != nil {
		t.Error("12345/tcp has expected programs")
	}
}

func TestLoadAuditRules(t *testing.T) {
	r, err := LoadAuditRules(filepath.Join(auditFixtures, "site.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Local(model.ProtoTCP, 9200); ok {
		t.Error("9200/tcp still local after public")
	}
	if _, ok := r.Local(model.ProtoTCP, 6380); !ok {
		t.Error("6380/tcp not local after local")
	}
	if _, ok := r.Local(model.ProtoTCP, 6379); !ok {
		t.Error("6379/tcp lost: a file extends the built-in rules")
	}
	if !r.Expects(model.ProtoTCP, 22, "sshd-company") || !r.Expects(model.ProtoTCP, 22, "sshd") {
		t.Error("22/tcp: the file's program and the built-in one are not both expected")
	}
	if !r.Expects(model.ProtoTCP, 1234, "inetd") || !r.Expects(model.ProtoTCP, 1234, "systemd") {
		t.Error("expect *: inetd and systemd not both expected on any port")
	}
	// The kernel keeps 15 bytes of a name: those match, fewer do not.
	if !r.Expects(model.ProtoTCP, 8443, "a-very-long-pro") || r.Expects(model.ProtoTCP, 8443, "a-very-long-pr") {
		t.Error("a program name longer than 15 bytes does not match its cut comm alone")
	}
	if _, err := LoadAuditRules(filepath.Join(auditFixtures, "missing.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}

func TestParseAuditRulesErrors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(auditFixtures, "malformed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseAuditRules(strings.NewReader(string(b)))
	if r != nil || err == nil {
		t.Fatalf("ParseAuditRules(malformed) = %v, %v; want no rules and an error", r, err)
	}
	if !errors.Is(err, ErrAuditSyntax) {
		t.Errorf("err does not match ErrAuditSyntax: %v", err)
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *names.LineError
		if errors.As(e, &le) {
			lines = append(lines, le.Line)
			// Each error quotes its line.
			if !strings.Contains(e.Error(), strings.TrimSpace(le.Text[:min(len(le.Text), 10)])) {
				t.Errorf("error %q does not quote its line", e)
			}
		}
	}
	// Ten lines reported one by one (the eleventh as a count).
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !cmp.Equal(lines, want) {
		t.Errorf("bad lines reported %v, want %v\n%v", lines, want, err)
	}
	if !strings.Contains(err.Error(), "1 more bad lines") {
		t.Errorf("the lines past ten are not counted: %v", err)
	}
	// The escape in the last line never reaches the error unquoted.
	if strings.Contains(err.Error(), "\x1b") {
		t.Errorf("raw escape in error: %q", err)
	}
}

func FuzzParseAuditRules(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(auditFixtures, "*"))
	if len(files) == 0 {
		f.Fatal("no seeds in " + auditFixtures)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		for line := range strings.Lines(string(b)) {
			f.Add(line)
		}
	}
	f.Add(auditTxt)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 2048 {
			return
		}
		r, err := ParseAuditRules(strings.NewReader(in))
		if err != nil {
			if r != nil {
				t.Fatalf("rules returned with error %v", err)
			}
			if !errors.Is(err, ErrAuditSyntax) && !strings.Contains(err.Error(), "token too long") {
				t.Fatalf("error is no ErrAuditSyntax: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\x1b\x00\r") {
				t.Fatalf("error holds a raw control character: %q", err)
			}
			return
		}
		for k, what := range r.local {
			if k.port == 0 || (k.proto != model.ProtoTCP && k.proto != model.ProtoUDP) || !names.Printable(what) {
				t.Fatalf("local %v %q", k, what)
			}
		}
		for k, progs := range r.expect {
			if k.port == 0 || len(progs) == 0 {
				t.Fatalf("expect %v %q", k, progs)
			}
			for _, p := range progs {
				if checkProgram(p) != "" {
					t.Fatalf("program %q kept", p)
				}
			}
		}
	})
}

// auditHost is a host with the ephemeral range 40000-40199, 40150
// reserved, ports below 1024 privileged, somaxconn 4096.
func auditHost() *model.HostFacts {
	return &model.HostFacts{
		Ephemeral: model.PortRange{Lo: 40000, Hi: 40199}, Reserved: []model.PortRange{{Lo: 40150, Hi: 40150}},
		Settings: model.NetSettings{Read: true, UnprivilegedPortStart: 1024, Somaxconn: 4096},
	}
}

// auditSnap is a snapshot of socks, each held by the process named in
// comms (by index; "" for none seen).
func auditSnap(socks []model.Socket, comms []string) *model.Snapshot {
	snap := &model.Snapshot{Sockets: socks, Source: model.SourceNetlink, Host: *auditHost()}
	var owners []model.Owner
	for i := range snap.Sockets {
		snap.Sockets[i].Inode = uint64(100 + i)
		if i < len(comms) && comms[i] != "" {
			owners = append(owners, model.Owner{Inode: uint64(100 + i), PID: int32(1000 + i), FD: 3, Comm: comms[i]})
		}
	}
	snap.Owners = model.NewOwners(owners, 0)
	return snap
}

func listen(local string, v6only model.V6Only) model.Socket {
	ap := netip.MustParseAddrPort(local)
	s := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen, Local: ap, Remote: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), SendQ: 128}
	if ap.Addr().Is6() {
		s.Family, s.Remote, s.V6Only = model.FamilyInet6, netip.AddrPortFrom(netip.IPv6Unspecified(), 0), v6only
	}
	return s
}

func TestAudit(t *testing.T) {
	full := listen("0.0.0.0:8080", 0)
	full.RecvQ, full.SendQ = 128, 128
	past := listen("127.0.0.1:8081", 0)
	past.RecvQ, past.SendQ = 5, 4
	udp := model.Socket{Proto: model.ProtoUDP, Family: model.FamilyInet6, State: model.StateUnconn, Local: netip.MustParseAddrPort("[::]:5000"),
		Remote: netip.MustParseAddrPort("[::]:0"), V6Only: model.V6OnlyOff}
	udpClient := udp // an unbound UDP socket (port 0): not a listener
	udpClient.Local = netip.MustParseAddrPort("[::]:0")
	est := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
		Local: netip.MustParseAddrPort("127.0.0.1:6379"), Remote: netip.MustParseAddrPort("127.0.0.1:40001")}
	memcacheUDP := model.Socket{Proto: model.ProtoUDP, Family: model.FamilyInet, State: model.StateUnconn, Local: netip.MustParseAddrPort("0.0.0.0:11211"),
		Remote: netip.MustParseAddrPort("0.0.0.0:0")}
	socks := []model.Socket{
		listen("0.0.0.0:6379", 0),           // 0 exposed; redis-server: expected
		listen("127.0.0.1:5432", 0),         // 1 loopback: fine
		listen("[::]:22", model.V6OnlyOff),  // 2 dual-stack, held by nc: unexpected
		udp,                                 // 3 UDP wildcard: fine
		listen("0.0.0.0:40100", 0),          // 4 in the range
		listen("0.0.0.0:40150", 0),          // 5 in the range but reserved: fine
		full,                                // 6 queue at its backlog
		past,                                // 7 queue past its backlog
		listen("[::]:3306", model.V6OnlyOn), // 8 exposed (IPv6 only), held by nothing seen
		listen("10.0.0.5:27017", 0),         // 9 one address: not "all interfaces"
		listen("0.0.0.0:22", 0),             // 10 sshd: fine
		est, udpClient,                      // 11, 12 not listeners
		memcacheUDP,                              // 13 exposed UDP
		listen("[::]:2375", model.V6OnlyUnknown), // 14 exposed, maybe dual-stack
	}
	comms := []string{"redis-server", "postgres", "nc", "conntab.test", "conntab.test", "conntab.test", "srv", "srv", "", "mongod", "sshd", "", "", "memcached", "dockerd"}
	snap := auditSnap(socks, comms)
	l := names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap}
	r := Audit(snap, l, DefaultAuditRules())

	type row struct {
		Listener, Scope string
		Privileged      bool
		Findings        []string
	}
	var got []row
	for _, ln := range r.Listeners {
		var fs []string
		for _, f := range ln.Findings {
			fs = append(fs, f.Severity.String()+" "+f.Kind.String())
		}
		got = append(got, row{ln.Socket.Proto.String() + " " + ln.Socket.Local.String(), ln.Scope.String(), ln.Privileged, fs})
	}
	want := []row{
		{"tcp [::]:2375", "all (IPv6, IPv4?)", false, []string{"warn exposed"}},
		{"tcp [::]:3306", "all (IPv6 only)", false, []string{"warn exposed"}},
		{"tcp 0.0.0.0:6379", "all (IPv4)", false, []string{"warn exposed"}},
		{"tcp 0.0.0.0:8080", "all (IPv4)", false, []string{"warn accept-queue"}},
		{"tcp 127.0.0.1:8081", "loopback", false, []string{"warn accept-queue"}},
		{"udp 0.0.0.0:11211", "all (IPv4)", false, []string{"warn exposed"}},
		{"tcp [::]:22", "all (dual-stack)", true, []string{"notice unexpected-program"}},
		{"tcp 0.0.0.0:40100", "all (IPv4)", false, []string{"notice port-in-range"}},
		{"tcp 0.0.0.0:22", "all (IPv4)", true, nil},
		{"tcp 127.0.0.1:5432", "loopback", false, nil},
		{"tcp 10.0.0.5:27017", "one address", false, nil},
		{"tcp 0.0.0.0:40150", "all (IPv4)", false, nil},
		{"udp [::]:5000", "all (dual-stack)", false, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listeners (-want +got)\n%s", diff)
	}
	if r.Severity() != analyze.SeverityWarn || len(r.Findings) != 8 {
		t.Errorf("report severity %v with %d findings, want warn with 8", r.Severity(), len(r.Findings))
	}
	if r.Unowned != 1 || !r.Processes || r.UnprivilegedPortStart != 1024 {
		t.Errorf("Unowned %d, Processes %v, UnprivilegedPortStart %d; want 1, true, 1024", r.Unowned, r.Processes, r.UnprivilegedPortStart)
	}
	// The unexpected program is named with its pid, and the advice says
	// how to teach the rules about it.
	f := r.Listeners[6].Findings[0]
	for _, want := range []string{"22/tcp (ssh)", "sshd or dropbear", "nc (pid 1002)", "Port numbers are not authentication"} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("finding text lacks %q: %s", want, f.Text)
		}
	}
	if !strings.Contains(f.Advice[1].Do, `"expect 22/tcp nc"`) {
		t.Errorf("advice %q does not give the rules line", f.Advice[1].Do)
	}
	if !strings.Contains(r.Listeners[2].Findings[0].Text, "every IPv4 address") {
		t.Errorf("exposed text does not say the scope: %s", r.Listeners[2].Findings[0].Text)
	}

	// Without processes, no program is judged; without settings, no port
	// is privileged; from /proc, no queue is judged (no backlog).
	snap.Owners = nil
	snap.Host.Settings = model.NetSettings{}
	snap.Source = model.SourceProc
	r = Audit(snap, names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap}, DefaultAuditRules())
	for _, ln := range r.Listeners {
		for _, f := range ln.Findings {
			if f.Kind == analyze.FindUnexpectedProgram || f.Kind == analyze.FindAcceptQueue {
				t.Errorf("%s: %s without processes or backlog", ln.Socket.Local, f.Kind)
			}
		}
		if ln.Privileged {
			t.Errorf("%s privileged with no setting read", ln.Socket.Local)
		}
	}
	if r.Processes || r.Unowned != len(r.Listeners) {
		t.Errorf("Processes %v, Unowned %d of %d", r.Processes, r.Unowned, len(r.Listeners))
	}
}

// TestAuditHostileComm: a process name with an escape sequence is kept as
// it is in the model (front ends escape it), and never taken as expected.
func TestAuditHostileComm(t *testing.T) {
	snap := auditSnap([]model.Socket{listen("0.0.0.0:22", 0)}, []string{"sshd\x1b[2J"})
	r := Audit(snap, names.Labeler{Host: &snap.Host, Snapshot: snap}, DefaultAuditRules())
	if len(r.Findings) != 1 || r.Findings[0].Kind != analyze.FindUnexpectedProgram || !strings.Contains(r.Findings[0].Text, "sshd\x1b[2J") {
		t.Fatalf("findings %+v", r.Findings)
	}
}

func TestFindingKindWords(t *testing.T) {
	seen := map[string]bool{}
	for k := analyze.FindPool; k <= analyze.FindUnexpectedProgram; k++ {
		name, short := k.String(), k.Short()
		if strings.HasPrefix(name, "finding(") || short == "" || short != strings.ToUpper(short) || seen[short] {
			t.Errorf("kind %d: String %q, Short %q", k, name, short)
		}
		seen[short] = true
	}
	if got := analyze.FindingKind(200).Short(); got != "finding(200)" {
		t.Errorf("unknown kind's Short = %q", got)
	}
}

func TestFindingFlags(t *testing.T) {
	for _, c := range []struct {
		kinds []analyze.FindingKind
		want  string
	}{
		{nil, ""},
		{[]analyze.FindingKind{analyze.FindExposed}, "▲ EXPOSED"},
		{[]analyze.FindingKind{analyze.FindExposed, analyze.FindAcceptQueue, analyze.FindUnexpectedProgram, analyze.FindHeldPort}, "▲ EXPOSED, ▲ QUEUE FULL, • PROGRAM, • IN RANGE"},
	} {
		var fs []analyze.Finding
		for _, k := range c.kinds {
			sev := analyze.SeverityNotice
			if k == analyze.FindExposed || k == analyze.FindAcceptQueue {
				sev = analyze.SeverityWarn
			}
			fs = append(fs, analyze.Finding{Kind: k, Severity: sev})
		}
		if got := FindingFlags(fs); got != c.want {
			t.Errorf("%v: %q, want %q", c.kinds, got, c.want)
		}
	}
}
