package analyze

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
)

func kinds(r *PortsReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Severity.String()+" "+f.Kind.String())
	}
	return out
}

func TestPortsOneSample(t *testing.T) {
	h := modeltest.PortsHost()
	dst := "10.0.0.9:5432"
	snap := &model.Snapshot{Host: h, Source: model.SourceNetlink}
	snap.Sockets = append(modeltest.PoolSockets(h, 60, model.StateEstablished, "10.0.0.2", dst, 0),
		modeltest.PoolSockets(h, 102, model.StateTimeWait, "10.0.0.2", dst, 60)...)
	snap.Sockets = append(snap.Sockets,
		modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40151", "0.0.0.0:0"), // inside the range, odd: no pool had it
		modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:22", "0.0.0.0:0"),
	)
	th := DefaultThresholds()
	r := Ports(snap, Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)

	if r.Usable != 199 || r.Held != 1 || r.Reserved != 0 || r.TimeWait != 102 {
		t.Errorf("Usable, Held, Reserved, TimeWait = %d, %d, %d, %d; want 199, 1, 0, 102", r.Usable, r.Held, r.Reserved, r.TimeWait)
	}
	if len(r.Pools) != 1 {
		t.Fatalf("%d pools, want 1", len(r.Pools))
	}
	p := r.Pools[0]
	// 162 of 199 taken: 81%, warn. Rate: 102 TIME_WAIT / 60 s = 1.7/s;
	// sustainable: (199 - 60 open) / 60 s.
	if p.InUse != 162 || p.Free() != 37 || p.Severity != SeverityWarn || p.RateFromSamples || p.Exhaustion != 0 {
		t.Errorf("InUse, Free, Severity, RateFromSamples, Exhaustion = %d, %d, %v, %v, %v; want 162, 37, warn, false, 0",
			p.InUse, p.Free(), p.Severity, p.RateFromSamples, p.Exhaustion)
	}
	if math.Abs(p.Rate-1.7) > 1e-9 || math.Abs(p.MaxRate-139.0/60) > 1e-9 {
		t.Errorf("Rate, MaxRate = %v, %v; want 1.7, %v", p.Rate, p.MaxRate, 139.0/60)
	}
	want := []string{"warn pool", "notice port-in-range"}
	if got := kinds(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if r.Severity() != SeverityWarn {
		t.Errorf("Severity = %v, want warn", r.Severity())
	}
	// TIME_WAIT is most of the pool: the advice starts with reuse.
	if a := r.Findings[0].Advice; len(a) == 0 || a[0] != adviceReuse {
		t.Errorf("first advice %+v, want connection reuse", a)
	}
	if len(r.HeldPorts) != 1 || r.HeldPorts[0].Port != 40151 {
		t.Errorf("HeldPorts %+v, want port 40151", r.HeldPorts)
	}
}

func TestPortsTwoSamples(t *testing.T) {
	h := modeltest.PortsHost()
	dst := "10.0.0.9:5432"
	th := DefaultThresholds()
	first := &model.Snapshot{Host: h, Sockets: modeltest.PoolSockets(h, 40, model.StateTimeWait, "10.0.0.2", dst, 0)}
	first.Host.Counters = model.NetCounters{Read: true, ListenOverflows: 5, TCPTimeWaitOverflow: 2}
	ix1 := Destinations(first, nil, 0, th)

	second := &model.Snapshot{Host: h, Sockets: modeltest.PoolSockets(h, 100, model.StateTimeWait, "10.0.0.2", dst, 0)}
	second.Host.Counters = model.NetCounters{Read: true, ListenOverflows: 9, TCPTimeWaitOverflow: 2}
	dt := 2 * time.Second
	r := Ports(second, Destinations(second, ix1, dt, th), first.Host.Counters, dt, th)

	p := r.Pools[0]
	// Growth 60 in 2 s: 30/s, and 40 / 60 s leaving: 30.67/s arriving.
	// 100 ports free at 30/s: 3.3 s.
	if !p.RateFromSamples || math.Abs(p.Rate-(30+40.0/60)) > 1e-9 || p.Growth != 30 {
		t.Errorf("RateFromSamples, Rate, Growth = %v, %v, %v; want true, %v, 30", p.RateFromSamples, p.Rate, p.Growth, 30+40.0/60)
	}
	free, growth := 100.0, 30.0
	if want := time.Duration(free / growth * float64(time.Second)); p.Exhaustion != want {
		t.Errorf("Exhaustion = %v, want %v", p.Exhaustion, want)
	}
	// Half the pool taken: notice. ListenOverflows rose: warn;
	// TCPTimeWaitOverflow did not: nothing.
	want := []string{"warn listen-overflows", "notice pool"}
	if got := kinds(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

func TestPortsHostFindings(t *testing.T) {
	tests := []struct {
		name string
		edit func(*model.Snapshot)
		want []string
	}{
		{"quiet host", func(*model.Snapshot) {}, nil},
		{"settings not read", func(s *model.Snapshot) { s.Host.Settings = model.NetSettings{}; s.Host.Counters = model.NetCounters{} }, nil},
		{"tw_reuse without timestamps", func(s *model.Snapshot) { s.Host.Settings.TCPTwReuse, s.Host.Settings.TCPTimestamps = 1, 0 },
			[]string{"warn tw-reuse-without-timestamps"}},
		{"tcp_fin_timeout lowered", func(s *model.Snapshot) { s.Host.Settings.TCPFinTimeout = 15 * time.Second },
			[]string{"none fin-timeout"}},
		{"conntrack 80%", func(s *model.Snapshot) { s.Host.Settings.ConntrackCount, s.Host.Settings.ConntrackMax = 800, 1000 },
			[]string{"warn conntrack"}},
		{"conntrack 95%", func(s *model.Snapshot) { s.Host.Settings.ConntrackCount, s.Host.Settings.ConntrackMax = 950, 1000 },
			[]string{"crit conntrack"}},
		{"conntrack 79.9%", func(s *model.Snapshot) { s.Host.Settings.ConntrackCount, s.Host.Settings.ConntrackMax = 799, 1000 }, nil},
		{"TIME_WAIT table 80% full", func(s *model.Snapshot) {
			s.Host.Settings.TCPMaxTwBuckets = 10
			s.Sockets = append(s.Sockets, modeltest.PoolSockets(s.Host, 8, model.StateTimeWait, "10.0.0.2", "10.0.0.9:80", 0)...)
		}, []string{"warn time-wait-table"}},
		{"TIME_WAIT overflowed once", func(s *model.Snapshot) { s.Host.Counters.TCPTimeWaitOverflow = 3 }, []string{"notice time-wait-table"}},
		{"accept queue past its backlog", func(s *model.Snapshot) {
			l := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:8080", "0.0.0.0:0")
			l.RecvQ, l.SendQ = 129, 128
			s.Sockets = append(s.Sockets, l)
		}, []string{"warn accept-queue"}},
		{"accept queue at its backlog", func(s *model.Snapshot) {
			l := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:8080", "0.0.0.0:0")
			l.RecvQ, l.SendQ = 128, 128
			s.Sockets = append(s.Sockets, l)
		}, nil},
		{"accept queue from /proc, no backlog known", func(s *model.Snapshot) {
			l := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:8080", "0.0.0.0:0")
			l.RecvQ = 3
			s.Sockets, s.Source = append(s.Sockets, l), model.SourceProc
		}, nil},
		{"bind-before-connect", func(s *model.Snapshot) {
			s.Sockets = append(s.Sockets, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40001", "10.0.0.9:5432"))
		}, []string{"notice bind-before-connect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &model.Snapshot{Host: modeltest.PortsHost(), Source: model.SourceNetlink}
			tt.edit(snap)
			th := DefaultThresholds()
			r := Ports(snap, Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
			if got := kinds(r); !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
			for _, f := range r.Findings {
				if f.Text == "" || f.Subject == "" || len(f.Advice) == 0 {
					t.Errorf("%v finding without text, subject or advice: %+v", f.Kind, f)
				}
			}
		})
	}
}

func TestPortsTwReuse(t *testing.T) {
	h := modeltest.PortsHost()
	h.Settings.TCPTwReuse = 2
	snap := &model.Snapshot{Host: h, Sockets: append(modeltest.PoolSockets(h, 150, model.StateTimeWait, "127.0.0.1", "127.0.0.1:5432", 0),
		modeltest.PoolSockets(h, 20, model.StateEstablished, "127.0.0.1", "127.0.0.1:5432", 150)...)}
	th := DefaultThresholds()
	r := Ports(snap, Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
	p := r.Pools[0]
	if p.TimeWaitReusable != 150 || p.Free() != 180 || p.Severity != SeverityNone || !math.IsInf(p.MaxRate, 1) {
		t.Errorf("TimeWaitReusable, Free, Severity, MaxRate = %d, %d, %v, %v; want 150, 180, none, +Inf",
			p.TimeWaitReusable, p.Free(), p.Severity, p.MaxRate)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings %q, want none", kinds(r))
	}
}
