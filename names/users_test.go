package names

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const passwdFixtures = "../testdata/passwd"

// names is every (uid, name) of u, for comparing tables.
func names(u *Users) map[uint32]string {
	if u == nil {
		return nil
	}
	return u.names
}

// formatPasswd prints u as a passwd file, one line per uid in uid order.
// It is ParsePasswd's inverse on what ParsePasswd keeps, for tests.
func formatPasswd(u *Users) string {
	uids := make([]uint32, 0, u.Len())
	for uid := range u.names {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	var b strings.Builder
	for _, uid := range uids {
		fmt.Fprintf(&b, "%s:x:%d:%d::/:/usr/sbin/nologin\n", u.names[uid], uid, uid)
	}
	return b.String()
}

func TestParsePasswd(t *testing.T) {
	tests := []struct {
		file string
		want map[uint32]string
		// wantErrs are the reasons of the bad lines, by line number.
		wantErrs map[int]string
	}{
		{
			file: "debian.txt",
			want: map[uint32]string{
				0: "root", 1: "daemon", 2: "bin", 3: "sys", 4: "sync", 5: "games", 6: "man", 7: "lp",
				8: "mail", 9: "news", 10: "uucp", 13: "proxy", 33: "www-data", 34: "backup", 38: "list",
				39: "irc", 42: "_apt", 65534: "nobody", 998: "systemd-network", 997: "systemd-timesync",
				100: "messagebus", 101: "sshd", 102: "postgres", 103: "redis", 104: "_chrony",
				1000: "alice", 1001: "bob",
			},
		},
		{
			file: "quirks.txt",
			want: map[uint32]string{
				0:          "root", // not toor: the first line wins
				2000:       "svc-ünïcödé",
				2001:       "esc\x1b[31mevil", // kept as is
				2002:       "empty-gecos-and-shell",
				2003:       "crlf",
				4294967295: "max",
				42:         "zero-padded",
			},
		},
		{
			file: "malformed.txt",
			want: map[uint32]string{0: "root", 65534: "nobody"},
			wantErrs: map[int]string{
				2: "want 7 fields (name:password:uid:gid:gecos:home:shell), got 3",
				3: "want 7 fields (name:password:uid:gid:gecos:home:shell), got 8",
				4: "empty user name",
				5: `bad uid "10x4"`,
				6: `bad uid "-1"`,
				7: "uid 4294967296 out of range 0-4294967295",
				8: `bad uid ""`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(passwdFixtures, tt.file)
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(text), "\n")

			u, err := LoadUsers(path)
			if diff := cmp.Diff(tt.want, names(u)); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			gotErrs := map[int]string{}
			for _, e := range unjoin(err) {
				var pe *PasswdError
				if !errors.As(e, &pe) || !errors.Is(e, ErrPasswdSyntax) {
					t.Errorf("error %v is no *PasswdError", e)
					continue
				}
				gotErrs[pe.Line] = pe.Reason
				if pe.Path != path || pe.Text != lines[pe.Line-1] {
					t.Errorf("error %v: want path %s and the line %q", e, path, lines[pe.Line-1])
				}
				if want := fmt.Sprintf("%s line %d: %s: %q", path, pe.Line, pe.Reason, lines[pe.Line-1]); e.Error() != want {
					t.Errorf("error %q, want %q", e, want)
				}
			}
			if len(gotErrs) == 0 {
				gotErrs = nil
			}
			if diff := cmp.Diff(tt.wantErrs, gotErrs); diff != "" {
				t.Errorf("bad lines (-want +got):\n%s", diff)
			}
		})
	}
}

// unjoin splits the errors of errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

func TestParsePasswdManyBadLines(t *testing.T) {
	var in strings.Builder
	in.WriteString("root:x:0:0::/:/bin/sh\n")
	for i := range 25 {
		fmt.Fprintf(&in, "bad%d\n", i)
	}
	in.WriteString("last:x:1:1::/:/bin/sh\n")
	u, err := ParsePasswd(strings.NewReader(in.String()))
	if diff := cmp.Diff(map[uint32]string{0: "root", 1: "last"}, names(u)); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	errs := unjoin(err)
	if len(errs) != maxLineErrors+1 {
		t.Fatalf("%d errors, want %d and a count: %v", len(errs), maxLineErrors, err)
	}
	if got, want := errs[0].Error(), `passwd line 2: want 7 fields (name:password:uid:gid:gecos:home:shell), got 1: "bad0"`; got != want {
		t.Errorf("first error %q, want %q", got, want)
	}
	if got, want := errs[maxLineErrors].Error(), "passwd: 15 more bad lines"; got != want {
		t.Errorf("last error %q, want %q", got, want)
	}
}

func TestParsePasswdLongLine(t *testing.T) {
	in := "root:x:0:0::/:/bin/sh\n" + strings.Repeat("x", 2<<20) + "\nlate:x:1:1::/:/bin/sh\n"
	u, err := ParsePasswd(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "passwd line 2:") {
		t.Errorf("err = %v, want one naming line 2", err)
	}
	// The scanner stops at the long line: what came before is kept.
	if diff := cmp.Diff(map[uint32]string{0: "root"}, names(u)); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
}

func TestLoadUsersMissing(t *testing.T) {
	u, err := LoadUsers(filepath.Join(t.TempDir(), "passwd"))
	if err != nil || u == nil || u.Len() != 0 {
		t.Fatalf("LoadUsers(missing) = %v, %v; want an empty table and no error", u, err)
	}
	if _, ok := u.Name(0); ok {
		t.Error("an empty table named uid 0")
	}
}

func TestLoadUsersUnreadable(t *testing.T) {
	dir := t.TempDir() // a directory would open, but not read: refused
	_, err := LoadUsers(dir)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), strconv.Quote(dir)+" is a directory") {
		t.Fatalf("err = %v, want ErrNotRegular naming the directory", err)
	}
	if os.Geteuid() != 0 {
		path := filepath.Join(t.TempDir(), "passwd")
		if err := os.WriteFile(path, []byte("root:x:0:0::/:/bin/sh\n"), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadUsers(path); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("err = %v, want fs.ErrPermission", err)
		}
	}
}

func TestUsersName(t *testing.T) {
	var nilUsers *Users
	if name, ok := nilUsers.Name(0); ok || name != "" || nilUsers.Len() != 0 {
		t.Errorf("nil Users: Name(0) = %q, %v; Len %d", name, ok, nilUsers.Len())
	}
	var zero Users
	if _, ok := zero.Name(0); ok {
		t.Error("zero Users named uid 0")
	}
	u, err := ParsePasswd(strings.NewReader("root:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		uid    uint32
		want   string
		wantOK bool
	}{
		{0, "root", true},
		{1000, "alice", true},
		{1, "", false},
		{4294967295, "", false},
	} {
		if got, ok := u.Name(tt.uid); got != tt.want || ok != tt.wantOK {
			t.Errorf("Name(%d) = %q, %v; want %q, %v", tt.uid, got, ok, tt.want, tt.wantOK)
		}
	}
}

// fuzzPasswdMax bounds a fuzz input: the properties are per line.
const fuzzPasswdMax = 4096

// FuzzParsePasswd: ParsePasswd never panics, always returns a table, its
// errors name the table (not the Go package), and what it keeps survives a round trip
// through formatPasswd unchanged and without error.
func FuzzParsePasswd(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(passwdFixtures, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in %s: %v", passwdFixtures, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		for _, line := range strings.SplitAfter(string(b), "\n") {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > fuzzPasswdMax {
			return
		}
		u, err := ParsePasswd(strings.NewReader(in))
		if u == nil {
			t.Fatalf("no table, error %v", err)
		}
		for _, e := range unjoin(err) {
			if !strings.HasPrefix(e.Error(), "passwd") {
				t.Fatalf("error that does not name the table: %v", e)
			}
		}
		for uid, name := range u.names {
			if name == "" || strings.ContainsAny(name, ":\n") {
				t.Fatalf("uid %d named %q", uid, name)
			}
		}
		again, err := ParsePasswd(strings.NewReader(formatPasswd(u)))
		if err != nil {
			t.Fatalf("reading back %q: %v", formatPasswd(u), err)
		}
		if !maps.Equal(u.names, again.names) {
			t.Fatalf("round trip (-first +again):\n%s", cmp.Diff(u.names, again.names))
		}
	})
}
