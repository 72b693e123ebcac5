package collect

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/conntab/conntab/model"
)

// readNetFacts reads the current namespace's port sysctls and TCP counters
// into h.Settings and h.Counters (Config.Settings). It runs where
// readHostFacts does: /proc/sys/net is the opening thread's namespace, and
// entered says whether /proc/net has to be found under thread-self
// (netDir). Settings and counters are read apart: each is Read only when
// all of it was, and zero otherwise, with the error saying why.
func readNetFacts(h *model.HostFacts, root string, entered bool) error {
	var errs []error
	if s, err := readNetSettings(root); err != nil {
		errs = append(errs, err)
	} else {
		h.Settings = s
	}
	c, err := readNetCounters(netDir(root, entered))
	if c.Read { // TCP's, whatever became of conntrack's
		h.Counters = c
	}
	if err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// readNetSettings reads the sysctls of model.NetSettings under root/sys.
// Those a kernel may lack read -1 when missing; any other sysctl missing
// is an error (matching os.ErrNotExist).
func readNetSettings(root string) (model.NetSettings, error) {
	s := model.NetSettings{Read: true}
	var fin int
	for _, v := range []struct {
		name     string
		dst      *int
		optional bool
	}{
		{"net/ipv4/ip_unprivileged_port_start", &s.UnprivilegedPortStart, false},
		{"net/ipv4/tcp_tw_reuse", &s.TCPTwReuse, false},
		{"net/ipv4/tcp_tw_reuse_delay", &s.TCPTwReuseDelay, true}, // Linux 6.13
		{"net/ipv4/tcp_timestamps", &s.TCPTimestamps, false},
		{"net/ipv4/tcp_fin_timeout", &fin, false},
		{"net/ipv4/tcp_max_tw_buckets", &s.TCPMaxTwBuckets, false},
		{"net/core/somaxconn", &s.Somaxconn, false},
		{"net/netfilter/nf_conntrack_count", &s.ConntrackCount, true}, // nf_conntrack loaded
		{"net/netfilter/nf_conntrack_max", &s.ConntrackMax, true},
	} {
		val, err := readSysctl(root, v.name)
		if v.optional && errors.Is(err, os.ErrNotExist) {
			*v.dst = -1
			continue
		}
		if err != nil {
			return model.NetSettings{}, fmt.Errorf("reading the TCP settings: %w", err)
		}
		if *v.dst, err = parseSysctlInt(filepath.Join(root, "sys", v.name), val); err != nil {
			return model.NetSettings{}, err
		}
	}
	// The kernel takes a negative tcp_fin_timeout (and waits 3.5 RTOs
	// instead); it is passed on as it is.
	if limit := int64(math.MaxInt64 / time.Second); int64(fin) > limit || int64(fin) < -limit {
		return model.NetSettings{}, fmt.Errorf("%w: %s: %d seconds is out of range", ErrDecode, filepath.Join(root, "sys/net/ipv4/tcp_fin_timeout"), fin)
	}
	s.TCPFinTimeout = time.Duration(fin) * time.Second
	return s, nil
}

// readNetCounters reads the counters of model.NetCounters from netstat and
// snmp in dir, the namespace's /proc/net.
func readNetCounters(dir string) (model.NetCounters, error) {
	c := model.NetCounters{Read: true}
	for _, name := range []string{"netstat", "snmp"} {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return model.NetCounters{}, fmt.Errorf("reading the TCP counters: %w", err)
		}
		err = parseNetstat(f, path, &c)
		f.Close()
		if err != nil {
			return model.NetCounters{}, err
		}
	}
	// Connection tracking's statistics, where nf_conntrack is loaded.
	path := filepath.Join(dir, "stat", "nf_conntrack")
	if b, err := os.ReadFile(path); err == nil {
		if err := parseConntrackStat(b, path, &c.Conntrack); err != nil {
			return c, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("reading conntrack's statistics: %w", err)
	}
	return c, nil
}
