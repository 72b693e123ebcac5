package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// listenersSnapshot is a host whose ephemeral range is 40000-40199, with
// the listeners of the issue (0.0.0.0:6379, 127.0.0.1:5432, a dual-stack
// :22 held by a program that is not sshd, a UDP wildcard socket, a
// listener in the range), an nginx whose workers share :443, a full accept
// queue, a listener no process was seen holding, and a process whose name
// is an escape sequence.
func listenersSnapshot() *model.Snapshot {
	const ns = 4026532000
	sock := func(p model.Proto, local string, v6only model.V6Only) model.Socket {
		ap := netip.MustParseAddrPort(local)
		s := model.Socket{Proto: p, Family: model.FamilyInet, State: model.StateListen, Local: ap,
			Remote: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), NetNS: ns, SendQ: 4096}
		if ap.Addr().Is6() {
			s.Family, s.Remote, s.V6Only = model.FamilyInet6, netip.AddrPortFrom(netip.IPv6Unspecified(), 0), v6only
		}
		if p == model.ProtoUDP {
			s.State, s.SendQ = model.StateUnconn, 0
		}
		return s
	}
	full := sock(model.ProtoTCP, "0.0.0.0:8080", 0)
	full.RecvQ, full.SendQ = 511, 511
	nobody := sock(model.ProtoTCP, "[::1]:631", model.V6OnlyOn)
	nobody.UID = 7
	socks := []model.Socket{
		sock(model.ProtoTCP, "0.0.0.0:6379", 0),
		sock(model.ProtoTCP, "127.0.0.1:5432", 0),
		sock(model.ProtoTCP, "[::]:22", model.V6OnlyOff),
		sock(model.ProtoUDP, "0.0.0.0:5000", 0),
		sock(model.ProtoTCP, "0.0.0.0:40100", 0),
		sock(model.ProtoTCP, "[::]:443", model.V6OnlyOn),
		full,
		nobody,
		sock(model.ProtoTCP, "10.0.0.5:9000", 0),
		{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, NetNS: ns,
			Local: netip.MustParseAddrPort("127.0.0.1:5432"), Remote: netip.MustParseAddrPort("127.0.0.1:40001")},
	}
	var owners []model.Owner
	own := func(i int, pid int32, comm string) {
		socks[i].Inode = uint64(1000 + i)
		owners = append(owners, model.Owner{Inode: socks[i].Inode, PID: pid, FD: 3, Comm: comm})
	}
	own(0, 201, "redis-server")
	own(1, 202, "postgres")
	own(2, 203, "nc")
	own(3, 204, "\x1b]0;pwned\x07udpd")
	own(4, 205, "app")
	for pid := int32(300); pid < 305; pid++ {
		own(5, pid, "nginx")
	}
	own(6, 206, "java")
	own(8, 208, "app")
	socks[7].Inode = 1007 // held by a process that could not be seen
	return &model.Snapshot{
		Sockets: socks, Taken: portsTaken, Source: model.SourceNetlink, NetNS: ns,
		Owners: model.NewOwners(owners, 1),
		Host: model.HostFacts{
			Ephemeral: model.PortRange{Lo: 40000, Hi: 40199},
			Settings:  model.NetSettings{Read: true, UnprivilegedPortStart: 1024, Somaxconn: 4096},
		},
	}
}

func listenersReport(snap *model.Snapshot) *audit.ListenerReport {
	users := map[uint32]string{0: "root", 7: "lp"}
	l := names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap,
		UserName: func(uid uint32) (string, bool) { n, ok := users[uid]; return n, ok }}
	return audit.Audit(snap, l, audit.DefaultAuditRules())
}

func TestListenersGolden(t *testing.T) {
	r := listenersReport(listenersSnapshot())
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeListenersText(w, r, listenersText{netns: "blue", width: maxTextWidth, root: false})
	w.Flush()
	golden(t, "listeners.txt", b.Bytes())
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Error("a control character from a process name reached the text")
	}

	b.Reset()
	if err := writeListenersJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "listeners.json", b.Bytes())
	var j render.ListenersJSON
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if len(j.Listeners) != 9 || j.Severity != "warn" {
		t.Errorf("%d listeners, severity %q; want 9, warn", len(j.Listeners), j.Severity)
	}

	// A quiet host, read from /proc.
	snap := listenersSnapshot()
	snap.Sockets = snap.Sockets[1:2]
	snap.Source = model.SourceProc
	b.Reset()
	w.Reset(&b)
	writeListenersText(w, listenersReport(snap), listenersText{width: maxTextWidth, root: true})
	w.Flush()
	golden(t, "listeners_clean.txt", b.Bytes())
}

func TestListenersCheck(t *testing.T) {
	if got := processStatus(listenersVerdict(listenersReport(listenersSnapshot()))); got != 3 {
		t.Errorf("the synthetic host: exit %d, want 3", got)
	}
	snap := listenersSnapshot()
	snap.Sockets = snap.Sockets[2:3] // :22 held by nc: a notice
	if got := processStatus(listenersVerdict(listenersReport(snap))); got != 0 {
		t.Errorf("a notice alone: exit %d, want 0", got)
	}
	if err := listenersVerdict(listenersReport(listenersSnapshot())); err == nil || errorText(err) != "conntab: listeners: warn\n" {
		t.Errorf("verdict %v", err)
	}
}

func TestListenersUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"listeners", "--source", "kernel"}, `"kernel"`},
		{[]string{"listeners", "--rules"}, "--rules"},
		{[]string{"listeners", "--rules", "testdata/audit/malformed.txt"}, `"local 6379          # no protocol"`},
		{[]string{"listeners", "--rules", "testdata/audit/none.txt"}, "none.txt"},
		{[]string{"listeners", "--check=yes"}, "--check"},
		{[]string{"listeners", "stray"}, `"stray"`},
	})
}

func TestListenersHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"listeners", "-h"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: conntab listeners", "--check", "--rules FILE", "port numbers are not authentication"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"help"}, &out, &out); err != nil || !strings.Contains(out.String(), "conntab listeners [flags]") {
		t.Errorf("conntab help does not name listeners (err %v)", err)
	}
}

// The audit of this host, as anyone may run it.
func TestListenersLive(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"listeners", "--json", "--check"}, &out, &errb)
	if s := processStatus(err); s != 0 && s != 3 && s != 4 {
		t.Fatalf("exit %d (%v)\n%s", s, err, errb.String())
	}
	var j render.ListenersJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if j.Taken.IsZero() || j.Source == "" || j.UnprivilegedPortStart == nil {
		t.Errorf("taken %v, source %q, ip_unprivileged_port_start %v", j.Taken, j.Source, j.UnprivilegedPortStart)
	}
}
