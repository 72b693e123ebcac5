package collect

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
)

// ErrMountInfo is a line of /proc/PID/mountinfo that does not parse.
var ErrMountInfo = errors.New("collect: malformed mountinfo")

// ipNetnsDir is where `ip netns` bind-mounts the namespaces it names.
const ipNetnsDir = "/run/netns"

// nsMount is a network namespace bind-mounted on a file: `ip netns add`'s
// /run/netns/NAME, Docker's /run/docker/netns/ID, a CNI plugin's
// /var/run/netns/cni-UUID. Only such a mount may keep a namespace alive
// that no process is in.
type nsMount struct {
	Inode uint32
	Point string
}

// parseMountInfo reads the nsfs mounts of network namespaces from a
// mountinfo file (proc(5)): "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...]
// - FSTYPE SOURCE SUPEROPTS", where ROOT is "net:[INODE]" and the mount
// point's spaces, tabs, newlines and backslashes are octal escapes.
// Other mounts are skipped; a line without its fields is an error that
// quotes it.
func parseMountInfo(r io.Reader) ([]nsMount, error) {
	var out []nsMount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fields := strings.Fields(line)
		sep := slices.Index(fields, "-")
		if len(fields) < 6 || sep < 6 || sep+1 >= len(fields) {
			return out, fmt.Errorf("%w: line %d: %q", ErrMountInfo, n, line)
		}
		if fields[sep+1] != "nsfs" {
			continue
		}
		ino, ok := nsLinkInode(fields[3], "net")
		if !ok {
			continue // another kind of namespace
		}
		point, err := unescapeMount(fields[4])
		if err != nil {
			return out, fmt.Errorf("%w: line %d: %w: %q", ErrMountInfo, n, err, line)
		}
		out = append(out, nsMount{Inode: ino, Point: point})
	}
	return out, sc.Err()
}

// unescapeMount undoes the kernel's octal escapes in a mount point
// (\040 for a space, \134 for a backslash).
func unescapeMount(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) {
			return "", fmt.Errorf("escape cut short in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape %q in %q", s[i:i+4], s)
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), nil
}

// nsLinkInode reads a namespace link's text, "net:[4026531840]", as
// /proc/PID/ns/net's readlink and mountinfo's root field spell it: the
// inode, and whether it is a namespace of kind.
func nsLinkInode(link, kind string) (uint32, bool) {
	rest, ok := strings.CutPrefix(link, kind+":[")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, "]")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// FindReport says what a search for namespaces could not see.
type FindReport struct {
	// Hidden counts the processes whose namespace could not be read
	// (other users' /proc/PID/ns/net need root), and HiddenPIDs are the
	// first few of them.
	Hidden     int
	HiddenPIDs []int32
	// Err is the first error met that is not a process being gone or
	// hidden (mountinfo unreadable, say); the namespaces found are kept.
	Err error
}

// nsTable gathers namespaces by inode while a search runs.
type nsTable map[uint32]*model.Namespace

func (t nsTable) get(ino uint32) *model.Namespace {
	ns := t[ino]
	if ns == nil {
		ns = &model.Namespace{Inode: ino}
		t[ino] = ns
	}
	return ns
}

// addMount records a namespace bind-mounted at m.Point: a mount is the
// way in to prefer (it outlives processes), `ip netns`'s the one that
// names it.
func (t nsTable) addMount(m nsMount) {
	ns := t.get(m.Inode)
	if dir, name := path.Split(m.Point); path.Clean(dir) == ipNetnsDir || path.Clean(dir) == "/var"+ipNetnsDir {
		if ns.Name == "" {
			ns.Name = name
			ns.Path = m.Point
		}
	}
	if ns.Path == "" || strings.HasPrefix(ns.Path, "/proc/") {
		ns.Path = m.Point
	}
}

// addPID records that process pid (under root, procfs) is in ino.
func (t nsTable) addPID(root string, ino uint32, pid int32) {
	ns := t.get(ino)
	ns.PIDs = append(ns.PIDs, pid)
	if ns.Path == "" {
		ns.Path = path.Join(root, strconv.Itoa(int(pid)), "ns", "net")
	}
}

// sorted is the table's namespaces by inode.
func (t nsTable) sorted() []model.Namespace {
	out := make([]model.Namespace, 0, len(t))
	for _, ns := range t {
		slices.Sort(ns.PIDs)
		out = append(out, *ns)
	}
	slices.SortFunc(out, func(a, b model.Namespace) int { return cmp.Compare(a.Inode, b.Inode) })
	return out
}

// indexNS is the index of inode in nss, -1 if absent.
func indexNS(nss []model.Namespace, inode uint32) int {
	return slices.IndexFunc(nss, func(ns model.Namespace) bool { return ns.Inode == inode })
}

// sortNS sorts namespaces by inode, as model.Snapshot.NamespaceOf wants.
func sortNS(nss []model.Namespace) {
	slices.SortFunc(nss, func(a, b model.Namespace) int { return cmp.Compare(a.Inode, b.Inode) })
}

// note tells Notify msg, every time (namespaces come and go).
func (c *Collector) note(msg string) {
	if c.cfg.Notify != nil {
		c.cfg.Notify(msg)
	}
}

// shortList is the first max of items, and how many more.
func shortList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}
