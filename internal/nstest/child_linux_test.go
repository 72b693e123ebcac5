package nstest_test

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
)

func TestStartNamedListener(t *testing.T) {
	ns := nstest.Require(t)
	for i, comm := range []string{"plain", "\x1b[31mevil", "tab\there", "\xff\xfe", "new\nline", "fifteen-bytes!!"} {
		t.Run(strconv.Quote(comm), func(t *testing.T) {
			addr := "127.0.0.1:" + strconv.Itoa(7001+i)
			pid, stop, err := nstest.StartNamedListener(ns, comm, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(string(b), "\n"); got != comm {
				t.Errorf("comm = %q, want %q", got, comm)
			}
			// The child's descriptor 3 is a socket that only it holds,
			// listening on addr in ns.
			link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/3")
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				t.Fatalf("child's descriptor 3: %q, %v; want a socket", link, err)
			}
			if fd, ok := holds(t, os.Getpid(), link); ok {
				t.Errorf("this process holds the child's socket too, as descriptor %s", fd)
			}
			c, err := ns.Dial("tcp4", addr)
			if err != nil {
				t.Fatalf("dialling the child's listener: %v", err)
			}
			c.Close()

			stop()
			stop() // a second stop is harmless
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("after stop, kill(%d, 0) = %v, want ESRCH", pid, err)
			}
		})
	}
}

// holds reports whether process pid has a descriptor whose link is link.
func holds(t *testing.T, pid int, link string) (string, bool) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if l, err := os.Readlink(dir + e.Name()); err == nil && l == link {
			return e.Name(), true
		}
	}
	return "", false
}

func TestStartNamedListenerRejects(t *testing.T) {
	ns := nstest.Require(t)
	for _, comm := range []string{"", ".", "..", "a/b", "nul\x00", "sixteen-bytes!!!"} {
		pid, stop, err := nstest.StartNamedListener(ns, comm, "127.0.0.1:0")
		if err == nil {
			stop()
			t.Errorf("StartNamedListener(%q) started %d, want an error", comm, pid)
			continue
		}
		if !bytes.Contains([]byte(err.Error()), []byte(strconv.Quote(comm))) {
			t.Errorf("StartNamedListener(%q): error %q does not quote the name", comm, err)
		}
	}
}
