package model

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// linuxDefault is the kernel's default ip_local_port_range.
var linuxDefault = HostFacts{Ephemeral: PortRange{Lo: 32768, Hi: 60999}}

func TestIANAClass(t *testing.T) {
	tests := []struct {
		port uint16
		want PortClass
	}{
		{0, ClassWellKnown},
		{1, ClassWellKnown},
		{1023, ClassWellKnown},
		{1024, ClassRegistered},
		{49151, ClassRegistered},
		{49152, ClassDynamic},
		{65535, ClassDynamic},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.port), func(t *testing.T) {
			if diff := cmp.Diff(tt.want, IANAClass(tt.port)); diff != "" {
				t.Errorf("IANAClass(%d) (-want +got):\n%s", tt.port, diff)
			}
		})
	}
}

func TestPortClassString(t *testing.T) {
	tests := []struct {
		c    PortClass
		want string
	}{
		{ClassWellKnown, "well-known"},
		{ClassRegistered, "registered"},
		{ClassDynamic, "dynamic"},
		{ClassEphemeral, "ephemeral"},
		{0, "class(0)"},
		{42, "class(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.c.String()); diff != "" {
				t.Errorf("String (-want +got):\n%s", diff)
			}
			got, err := ParsePortClass(tt.want)
			if tt.c >= ClassWellKnown && tt.c <= ClassEphemeral {
				if err != nil || got != tt.c {
					t.Errorf("ParsePortClass(%q) = %v, %v; want %v", tt.want, got, err, tt.c)
				}
			} else if err == nil {
				t.Errorf("ParsePortClass(%q) = %v, want an error", tt.want, got)
			}
		})
	}
}

func TestParsePortClassError(t *testing.T) {
	_, err := ParsePortClass("Ephemeral")
	want := `unknown port class "Ephemeral" (want well-known, registered, dynamic or ephemeral)`
	if err == nil || err.Error() != want {
		t.Errorf("ParsePortClass error = %v, want %s", err, want)
	}
}

func TestPortRange(t *testing.T) {
	tests := []struct {
		r       PortRange
		size    int
		str     string
		in, out []uint16
	}{
		{PortRange{32768, 60999}, 28232, "32768-60999", []uint16{32768, 40000, 60999}, []uint16{0, 32767, 61000, 65535}},
		{PortRange{8080, 8080}, 1, "8080", []uint16{8080}, []uint16{8079, 8081}},
		{PortRange{0, 65535}, 65536, "0-65535", []uint16{0, 65535}, nil},
		{PortRange{10, 5}, 0, "10-5", nil, []uint16{5, 7, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if diff := cmp.Diff(tt.size, tt.r.Size()); diff != "" {
				t.Errorf("Size (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.str, tt.r.String()); diff != "" {
				t.Errorf("String (-want +got):\n%s", diff)
			}
			for _, p := range tt.in {
				if !tt.r.Contains(p) {
					t.Errorf("%v.Contains(%d) = false", tt.r, p)
				}
			}
			for _, p := range tt.out {
				if tt.r.Contains(p) {
					t.Errorf("%v.Contains(%d) = true", tt.r, p)
				}
			}
		})
	}
}

func TestHostFactsClass(t *testing.T) {
	tests := []struct {
		name string
		h    HostFacts
		port uint16
		want PortClass
	}{
		{"default, below", linuxDefault, 32767, ClassRegistered},
		{"default, low edge", linuxDefault, 32768, ClassEphemeral},
		{"default, high edge", linuxDefault, 60999, ClassEphemeral},
		{"default, above", linuxDefault, 61000, ClassDynamic},
		{"default, well-known", linuxDefault, 22, ClassWellKnown},
		{"wide range takes registered ports", HostFacts{Ephemeral: PortRange{1024, 65535}}, 1024, ClassEphemeral},
		{"one-port range", HostFacts{Ephemeral: PortRange{5000, 5000}}, 5000, ClassEphemeral},
		{"inverted range is empty", HostFacts{Ephemeral: PortRange{60999, 32768}}, 40000, ClassRegistered},
		// A zero range is "unknown": no port is ephemeral, port 0 neither.
		{"zero range, 0", HostFacts{}, 0, ClassWellKnown},
		{"zero range, 1", HostFacts{}, 1, ClassWellKnown},
		{"zero range, 40000", HostFacts{}, 40000, ClassRegistered},
		{"zero range, 60999", HostFacts{}, 60999, ClassDynamic},
		{"reserved ports keep the range's class", HostFacts{Ephemeral: PortRange{32768, 60999}, Reserved: []PortRange{{40000, 40000}}}, 40000, ClassEphemeral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.h.Class(tt.port)); diff != "" {
				t.Errorf("Class(%d) (-want +got):\n%s", tt.port, diff)
			}
		})
	}
}

func TestHostFactsIsReserved(t *testing.T) {
	h := HostFacts{Ephemeral: linuxDefault.Ephemeral, Reserved: []PortRange{{8080, 8080}, {40000, 40010}}}
	tests := []struct {
		port uint16
		want bool
	}{
		{8079, false}, {8080, true}, {8081, false},
		{39999, false}, {40000, true}, {40005, true}, {40010, true}, {40011, false},
		{0, false}, {65535, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.port), func(t *testing.T) {
			if got := h.IsReserved(tt.port); got != tt.want {
				t.Errorf("IsReserved(%d) = %v, want %v", tt.port, got, tt.want)
			}
		})
	}
	if (&HostFacts{}).IsReserved(8080) {
		t.Error("IsReserved with no reserved ports = true")
	}
}

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr string
	}{
		{in: "32768\t60999", want: PortRange{32768, 60999}},
		{in: "32768\t60999\n", want: PortRange{32768, 60999}},
		{in: "  1024   65535 ", want: PortRange{1024, 65535}},
		{in: "5000 5000", want: PortRange{5000, 5000}},
		{in: "0 0", want: PortRange{0, 0}},
		{in: "", wantErr: `port range "": want two numbers`},
		{in: "32768", wantErr: `port range "32768": want two numbers`},
		{in: "1 2 3", wantErr: `port range "1 2 3": want two numbers`},
		{in: "60999 32768", wantErr: `port range "60999 32768": want two ports, low first`},
		{in: "1024 65536", wantErr: `port range "1024 65536": want two ports, low first`},
		{in: "-1 10", wantErr: `port range "-1 10": want two ports, low first`},
		{in: "a b", wantErr: `port range "a b": want two ports, low first`},
		{in: "1024-65535", wantErr: `port range "1024-65535": want two numbers`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortRange(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("ParsePortRange(%q) error (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePortRange(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParsePortList(t *testing.T) {
	tests := []struct {
		in      string
		want    []PortRange
		wantErr string
	}{
		{in: "", want: nil},
		{in: " \n", want: nil},
		{in: "8080", want: []PortRange{{8080, 8080}}},
		{in: "8080,9000-9010\n", want: []PortRange{{8080, 8080}, {9000, 9010}}},
		{in: "1-2, 3 ,4 - 5", want: []PortRange{{1, 2}, {3, 3}, {4, 5}}},
		{in: "0-65535", want: []PortRange{{0, 65535}}},
		{in: "9010-9000", wantErr: `port list "9010-9000": bad entry "9010-9000"`},
		{in: "8080,", wantErr: `port list "8080,": bad entry ""`},
		{in: ",", wantErr: `port list ",": bad entry ""`},
		{in: "65536", wantErr: `port list "65536": bad entry "65536"`},
		{in: "http", wantErr: `port list "http": bad entry "http"`},
		{in: "1-2-3", wantErr: `port list "1-2-3": bad entry "1-2-3"`},
		{in: "-5", wantErr: `port list "-5": bad entry "-5"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePortList(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("ParsePortList(%q) error (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePortList(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func joinRanges(rs []PortRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// Seeds beyond these live in testdata/fuzz/FuzzParsePortList.
func FuzzParsePortList(f *testing.F) {
	for _, s := range []string{"", "8080", "8080,9000-9010", "1-2, 3 ,4 - 5", "0-65535", "9010-9000", "8080,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParsePortList(in)
		if err != nil {
			if rs != nil {
				t.Fatalf("ranges %v returned with error %v", rs, err)
			}
			return
		}
		for _, r := range rs {
			if r.Lo > r.Hi {
				t.Fatalf("ParsePortList(%q) gave inverted range %v", in, r)
			}
		}
		out := joinRanges(rs)
		again, err := ParsePortList(out)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", out, err)
		}
		if diff := cmp.Diff(rs, again); diff != "" {
			t.Fatalf("parse, String, parse of %q (-first +second):\n%s", in, diff)
		}
	})
}

func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"32768\t60999", "32768\t60999\n", "1024 65535", "0 0", "60999 32768", "1 2 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParsePortRange(in)
		if err != nil {
			return
		}
		if r.Lo > r.Hi || r.Size() < 1 {
			t.Fatalf("ParsePortRange(%q) = %v, inverted", in, r)
		}
		out := fmt.Sprintf("%d\t%d", r.Lo, r.Hi)
		again, err := ParsePortRange(out)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", out, err)
		}
		if again != r {
			t.Fatalf("ParsePortRange(%q) = %v, then %v", in, r, again)
		}
	})
}
