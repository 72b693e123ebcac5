package names

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
	"github.com/google/go-cmp/cmp"
)

const servicesFixtures = "../testdata/services"

// table is a Services as plain maps, for cmp.Diff.
type table map[model.Proto]map[uint16]string

func tableOf(s *Services) table {
	t := table{}
	for p, m := range map[model.Proto]map[uint16]string{model.ProtoTCP: s.tcp, model.ProtoUDP: s.udp} {
		if len(m) > 0 {
			t[p] = map[uint16]string{}
		}
		for port, name := range m {
			t[p][port] = name
		}
	}
	return t
}

// formatServices writes s in /etc/services format, sorted by protocol and
// port; parsing the result gives s back.
func formatServices(s *Services) string {
	var b strings.Builder
	for _, e := range []struct {
		p model.Proto
		m map[uint16]string
	}{{model.ProtoTCP, s.tcp}, {model.ProtoUDP, s.udp}} {
		for _, port := range slices.Sorted(maps.Keys(e.m)) {
			fmt.Fprintf(&b, "%s\t%d/%s\n", e.m[port], port, e.p)
		}
	}
	return b.String()
}

func parseFixture(t testing.TB, name string) (*Services, error) {
	t.Helper()
	f, err := os.Open(filepath.Join(servicesFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ParseServices(f)
}

// requiredPorts are the ports the issue asks every listing to name, with
// the names ss prints for them on Debian (or IANA's where Debian has none).
var requiredPorts = map[uint16]string{
	20: "ftp-data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "domain",
	67: "bootps", 68: "bootpc", 80: "http", 110: "pop3", 143: "imap2", 161: "snmp",
	443: "https", 514: "shell", 993: "imaps", 995: "pop3s", 1433: "ms-sql-s",
	1521: "oracle", 3306: "mysql", 3389: "ms-wbt-server", 5432: "postgresql",
	5900: "rfb", 6379: "redis", 8080: "http-alt", 8443: "https-alt", 27017: "mongodb",
}

func TestDefaultServicesRequiredTCP(t *testing.T) {
	s := DefaultServices()
	got := map[uint16]string{}
	for port := range requiredPorts {
		if name, ok := s.Lookup(model.ProtoTCP, port); ok {
			got[port] = name
		}
	}
	if diff := cmp.Diff(requiredPorts, got); diff != "" {
		t.Errorf("required ports over tcp (-want +got):\n%s", diff)
	}
}

func TestDefaultServicesLookup(t *testing.T) {
	s := DefaultServices()
	tests := []struct {
		proto model.Proto
		port  uint16
		want  string
	}{
		{model.ProtoUDP, 53, "domain"},
		{model.ProtoUDP, 67, "bootps"},
		{model.ProtoUDP, 68, "bootpc"},
		{model.ProtoUDP, 69, "tftp"},
		{model.ProtoTCP, 88, "kerberos"},
		{model.ProtoUDP, 88, "kerberos"},
		{model.ProtoTCP, 111, "sunrpc"},
		{model.ProtoUDP, 123, "ntp"},
		{model.ProtoUDP, 137, "netbios-ns"},
		{model.ProtoUDP, 138, "netbios-dgm"},
		{model.ProtoTCP, 139, "netbios-ssn"},
		{model.ProtoUDP, 161, "snmp"},
		{model.ProtoUDP, 162, "snmp-trap"},
		{model.ProtoTCP, 179, "bgp"},
		{model.ProtoTCP, 389, "ldap"},
		{model.ProtoUDP, 443, "https"},
		{model.ProtoTCP, 445, "microsoft-ds"},
		{model.ProtoTCP, 465, "submissions"},
		{model.ProtoUDP, 500, "isakmp"},
		{model.ProtoUDP, 514, "syslog"},
		{model.ProtoTCP, 587, "submission"},
		{model.ProtoTCP, 636, "ldaps"},
		{model.ProtoTCP, 873, "rsync"},
		{model.ProtoTCP, 2049, "nfs"},
		{model.ProtoUDP, 2049, "nfs"},
		{model.ProtoTCP, 2375, "docker"},
		{model.ProtoTCP, 2376, "docker-s"},
		{model.ProtoTCP, 2379, "etcd-client"},
		{model.ProtoTCP, 2380, "etcd-server"},
		{model.ProtoTCP, 4222, "nats"},
		{model.ProtoUDP, 5353, "mdns"},
		{model.ProtoTCP, 5672, "amqp"},
		{model.ProtoTCP, 6443, "kube-apiserver"},
		{model.ProtoTCP, 8081, "tproxy"},
		{model.ProtoTCP, 9000, "cslistener"},
		{model.ProtoTCP, 9090, "prometheus"},
		{model.ProtoTCP, 9092, "kafka"},
		{model.ProtoTCP, 9100, "node-exporter"},
		{model.ProtoTCP, 9200, "elasticsearch"},
		{model.ProtoTCP, 11211, "memcache"},
		{model.ProtoTCP, 15672, "rabbitmq-mgmt"},
		{model.ProtoTCP, 25565, "minecraft"},
		{model.ProtoUDP, 51820, "wireguard"},
		// Misses: no UDP name borrowed from TCP, no port 0, no other protocol.
		{model.ProtoUDP, 22, ""},
		{model.ProtoTCP, 123, ""},
		{model.ProtoTCP, 0, ""},
		{model.ProtoUDP, 0, ""},
		{model.ProtoTCP, 40000, ""},
		{model.Proto(1), 22, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.proto, tt.port), func(t *testing.T) {
			got, ok := s.Lookup(tt.proto, tt.port)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%s, %d) (-want +got):\n%s", tt.proto, tt.port, diff)
			}
			if ok != (tt.want != "") {
				t.Errorf("Lookup(%s, %d) ok = %v, want %v", tt.proto, tt.port, ok, tt.want != "")
			}
		})
	}
}

// TestEmbeddedServices checks the embedded table parses cleanly and holds
// names a terminal column can show.
func TestEmbeddedServices(t *testing.T) {
	s, err := ParseServices(strings.NewReader(servicesTxt))
	if err != nil {
		t.Fatalf("embedded services.txt: %v", err)
	}
	if s.Len() < 200 {
		t.Errorf("embedded table has %d entries, want at least 200", s.Len())
	}
	for p, m := range tableOf(s) {
		for port, name := range m {
			if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || len(name) > 16 {
				t.Errorf("%d/%s: name %q: want lowercase letters, digits and '-', at most 16", port, p, name)
			}
		}
	}
	// Each (protocol, port) once: a second line would be silently ignored.
	seen := map[string]int{}
	for i, line := range strings.Split(servicesTxt, "\n") {
		f := strings.Fields(strings.SplitN(line, "#", 2)[0])
		if len(f) < 2 {
			continue
		}
		if prev, dup := seen[f[1]]; dup {
			t.Errorf("services.txt line %d: %s already on line %d", i+1, f[1], prev)
		}
		seen[f[1]] = i + 1
	}
}

func TestParseServicesFixtures(t *testing.T) {
	tests := []struct {
		file string
		want table
	}{
		{
			file: "debian-excerpt.txt",
			want: table{
				model.ProtoTCP: {
					1: "tcpmux", 7: "echo", 9: "discard", 22: "ssh", 25: "smtp", 53: "domain",
					80: "http", 143: "imap2", 443: "https", 514: "shell", 750: "kerberos4",
					5672: "amqp", 6000: "x11", 8080: "http-alt", 8081: "tproxy",
					2600: "zebrasrv", 9418: "git", 10000: "webmin", 57000: "dircproxy",
					60179: "fido",
				},
				model.ProtoUDP: {7: "echo", 9: "discard", 53: "domain", 443: "https", 514: "syslog", 750: "kerberos4"},
			},
		},
		{
			file: "quirks.txt",
			want: table{
				model.ProtoTCP: {3333: "spaced", 4444: "nocomment", 5555: "first", 77: "zeros", 65535: "top"},
				model.ProtoUDP: {6666: "crlf", 8888: "naïve"},
			},
		},
		{
			file: "host-extras.txt",
			want: table{
				model.ProtoTCP: {22: "ssh", 7443: "mycorp-api", 8080: "webcache"},
				model.ProtoUDP: {7444: "mycorp-bus"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := parseFixture(t, tt.file)
			if err != nil {
				t.Fatalf("ParseServices: %v", err)
			}
			if diff := cmp.Diff(tt.want, tableOf(s)); diff != "" {
				t.Errorf("ParseServices(%s) (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseServicesMalformed(t *testing.T) {
	s, err := parseFixture(t, "malformed.txt")
	if s != nil {
		t.Errorf("ParseServices returned a table with its error: %v", tableOf(s))
	}
	want := []string{
		`services line 3: missing port/protocol: "lonely\t\t\t\t\t\t# a name and nothing else"`,
		`services line 4: missing protocol in "25" (want port/protocol): "nodash\t\t25"`,
		`services line 5: bad port "2x2": "badport\t\t2x2/tcp"`,
		`services line 6: bad port "-1": "negative\t-1/tcp"`,
		`services line 7: port 65536 out of range 1-65535: "toobig\t\t65536/tcp"`,
		`services line 8: port 99999999999999999999 out of range 1-65535: "huge\t\t99999999999999999999/udp"`,
		`services line 9: port 0 out of range 1-65535: "zero\t\t0/tcp"`,
		`services line 10: missing protocol in "80/" (want port/protocol): "noproto\t\t80/"`,
		`services line 11: unknown protocol "tpc" (want tcp or udp): "typo\t\t443/tpc"`,
		`services line 12: unknown protocol "UDP" (want tcp or udp): "upper\t\t53/UDP"`,
	}
	if err == nil {
		t.Fatal("ParseServices(malformed.txt): no error")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("ParseServices(malformed.txt) error (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ErrServicesSyntax) {
		t.Errorf("error does not match ErrServicesSyntax: %v", err)
	}
	var se *ServicesError
	if !errors.As(err, &se) || se.Line != 3 {
		t.Errorf("errors.As(*ServicesError) = %+v, want line 3", se)
	}
}

func TestParseServicesLines(t *testing.T) {
	long := "x " + strings.Repeat("9", 200) + "/tcp"
	tests := []struct {
		name, in string
		want     table
		wantErr  string
	}{
		{name: "empty", in: "", want: table{}},
		{name: "comments only", in: "# nothing\n\n   \t\n#\n", want: table{}},
		{name: "no final newline", in: "ssh 22/tcp", want: table{model.ProtoTCP: {22: "ssh"}}},
		{name: "aliases ignored", in: "http 80/tcp www www-http\n", want: table{model.ProtoTCP: {80: "http"}}},
		{
			name:    "escape in name",
			in:      "ok 1/tcp\n\x1b[2Jevil 23/tcp\n",
			wantErr: `services line 2: service name "\x1b[2Jevil" is not printable: "\x1b[2Jevil 23/tcp"`,
		},
		{
			name:    "invalid utf-8 name",
			in:      "\xff 23/tcp",
			wantErr: `services line 1: service name "\xff" is not printable: "\xff 23/tcp"`,
		},
		{
			name:    "long line cut short",
			in:      long,
			wantErr: fmt.Sprintf("services line 1: port %s out of range 1-65535: %q", strings.Repeat("9", 200), long[:120]+"..."),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseServices(strings.NewReader(tt.in))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("ParseServices(%q) error (-want +got):\n%s", tt.in, diff)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, tableOf(s)); diff != "" {
				t.Errorf("ParseServices(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseServicesErrorCap(t *testing.T) {
	var in strings.Builder
	for i := range 15 {
		fmt.Fprintf(&in, "bad%d %d/xyz\n", i, i+1)
	}
	_, err := ParseServices(strings.NewReader(in.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 11 {
		t.Fatalf("error has %d lines, want 10 bad lines and a count:\n%v", len(lines), err)
	}
	want := []string{
		`services line 1: unknown protocol "xyz" (want tcp or udp): "bad0 1/xyz"`,
		`services: 5 more bad lines`,
	}
	if diff := cmp.Diff(want, []string{lines[0], lines[10]}); diff != "" {
		t.Errorf("first and last error lines (-want +got):\n%s", diff)
	}
}

func TestParseServicesTooLongLine(t *testing.T) {
	in := "ssh 22/tcp\n" + strings.Repeat("x", 2<<20) + "\n"
	_, err := ParseServices(strings.NewReader(in))
	if err == nil || !strings.HasPrefix(err.Error(), "services line 2: ") {
		t.Errorf("ParseServices(2 MiB line) error = %v, want one naming line 2", err)
	}
}

func TestServicesMerge(t *testing.T) {
	base := func() *Services {
		s, err := ParseServices(strings.NewReader("ssh 22/tcp\nhttp 80/tcp\ndomain 53/udp\n"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other, err := ParseServices(strings.NewReader("sshd 22/tcp\ngopher 70/tcp\nntp 123/udp\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		s     *Services
		other *Services
		want  table
	}{
		{
			name:  "base names win, other adds",
			s:     base(),
			other: other,
			want:  table{model.ProtoTCP: {22: "ssh", 70: "gopher", 80: "http"}, model.ProtoUDP: {53: "domain", 123: "ntp"}},
		},
		{
			name:  "nil other",
			s:     base(),
			other: nil,
			want:  table{model.ProtoTCP: {22: "ssh", 80: "http"}, model.ProtoUDP: {53: "domain"}},
		},
		{
			name:  "zero Services takes everything",
			s:     &Services{},
			other: other,
			want:  table{model.ProtoTCP: {22: "sshd", 70: "gopher"}, model.ProtoUDP: {123: "ntp"}},
		},
		{
			name:  "empty other",
			s:     &Services{},
			other: &Services{},
			want:  table{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.Merge(tt.other)
			if diff := cmp.Diff(tt.want, tableOf(tt.s)); diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
		})
	}
	if got := tableOf(other); len(got[model.ProtoTCP]) != 2 {
		t.Errorf("Merge changed its argument: %v", got)
	}
}

func TestServicesNil(t *testing.T) {
	var s *Services
	if name, ok := s.Lookup(model.ProtoTCP, 22); name != "" || ok {
		t.Errorf("nil Lookup = %q, %v", name, ok)
	}
	if n := s.Len(); n != 0 {
		t.Errorf("nil Len = %d", n)
	}
	var zero Services
	if name, ok := zero.Lookup(model.ProtoTCP, 22); name != "" || ok {
		t.Errorf("zero Lookup = %q, %v", name, ok)
	}
}

func TestLoadServices(t *testing.T) {
	def := tableOf(DefaultServices())
	withExtras := tableOf(DefaultServices())
	withExtras[model.ProtoTCP][7443] = "mycorp-api"
	withExtras[model.ProtoUDP][7444] = "mycorp-bus"
	unreadable := filepath.Join(t.TempDir(), "services")
	if err := os.WriteFile(unreadable, []byte("ssh 22/tcp\n"), 0o000); err != nil {
		t.Fatal(err)
	}

	type loadCase struct {
		name    string
		path    string
		want    table
		wantErr string
		is      error
	}
	tests := []loadCase{
		{name: "missing file", path: filepath.Join(t.TempDir(), "nope"), want: def},
		{name: "host extends, conntab wins", path: filepath.Join(servicesFixtures, "host-extras.txt"), want: withExtras},
		{
			name:    "bad line names the file",
			path:    filepath.Join(servicesFixtures, "malformed.txt"),
			wantErr: `../testdata/services/malformed.txt line 3: missing port/protocol: "lonely\t\t\t\t\t\t# a name and nothing else"`,
			is:      ErrServicesSyntax,
		},
		{
			name:    "directory",
			path:    servicesFixtures,
			wantErr: `reading the service names: "../testdata/services" is a directory, not a regular file`,
			is:      ErrNotRegular,
		},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, loadCase{name: "unreadable", path: unreadable, wantErr: "services: open " + unreadable + ": permission denied", is: fs.ErrPermission})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadServices(tt.path)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("LoadServices(%q): no error", tt.path)
				}
				if diff := cmp.Diff(tt.wantErr, strings.Split(err.Error(), "\n")[0]); diff != "" {
					t.Errorf("LoadServices(%q) error (-want +got):\n%s", tt.path, diff)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("LoadServices(%q) error %v does not match %v", tt.path, err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadServices(%q): %v", tt.path, err)
			}
			if diff := cmp.Diff(tt.want, tableOf(s)); diff != "" {
				t.Errorf("LoadServices(%q) (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

// TestLoadServicesHost reads this machine's /etc/services, if it has one:
// real files must load.
func TestLoadServicesHost(t *testing.T) {
	if _, err := os.Stat("/etc/services"); err != nil {
		t.Skip("no /etc/services")
	}
	s, err := LoadServices("/etc/services")
	if err != nil {
		t.Fatalf("LoadServices(/etc/services): %v", err)
	}
	if s.Len() < DefaultServices().Len() {
		t.Errorf("host table has %d entries, fewer than the embedded %d", s.Len(), DefaultServices().Len())
	}
}

// fuzzServicesMax caps FuzzParseServices inputs. Go's minimiser is
// quadratic in input length, so a multi-kilobyte interesting input stalls a
// run for minutes; the parser is line by line, and a kilobyte holds more
// lines than the ten-error cap.
const fuzzServicesMax = 1024

func FuzzParseServices(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(servicesFixtures, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in %s: %v", servicesFixtures, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// The whole file, and the file in pieces the fuzzer can mutate.
		f.Add(string(b))
		var chunk strings.Builder
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if chunk.Len()+len(line) > fuzzServicesMax/2 {
				f.Add(chunk.String())
				chunk.Reset()
			}
			chunk.WriteString(line)
		}
		f.Add(chunk.String())
	}
	// Not the embedded table: TestEmbeddedServices covers it whole.
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzServicesMax {
			return
		}
		s, err := ParseServices(strings.NewReader(in))
		if err != nil {
			if s != nil {
				t.Fatalf("table returned with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "services") {
				t.Fatalf("error that does not name the table: %v", err)
			}
			return
		}
		// Cheap checks first, cmp.Diff only to explain a failure: the
		// minimiser runs this body many thousand times per input.
		if _, ok := s.tcp[0]; ok {
			t.Fatalf("tcp port 0 named %q", s.tcp[0])
		}
		if _, ok := s.udp[0]; ok {
			t.Fatalf("udp port 0 named %q", s.udp[0])
		}
		out := formatServices(s)
		again, err := ParseServices(strings.NewReader(out))
		if err != nil {
			t.Fatalf("re-parsing formatted table: %v\n%s", err, out)
		}
		if !maps.Equal(s.tcp, again.tcp) || !maps.Equal(s.udp, again.udp) {
			t.Fatalf("parse, format, parse (-first +second):\n%s", cmp.Diff(tableOf(s), tableOf(again)))
		}
	})
}

// A name stands for one port, or ":NAME" in a filter would be a guess.
func TestServiceNamesUnique(t *testing.T) {
	s := DefaultServices()
	for _, m := range []map[uint16]string{s.tcp, s.udp} {
		seen := map[string]uint16{}
		for port, name := range m {
			if other, dup := seen[name]; dup {
				t.Errorf("%q names both %d and %d", name, other, port)
			}
			seen[name] = port
		}
	}
}

func TestPortByName(t *testing.T) {
	s := DefaultServices()
	for name, want := range map[string]uint16{"https": 443, "ssh": 22, "domain": 53, "postgresql": 5432, "http-alt": 8080} {
		if got, ok := s.PortByName(name); !ok || got != want {
			t.Errorf("PortByName(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := s.PortByName("no-such-service"); ok {
		t.Error("PortByName found a service that does not exist")
	}
	if _, ok := (*Services)(nil).PortByName("ssh"); ok {
		t.Error("nil table found a service")
	}
}
