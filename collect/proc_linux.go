package collect

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/conntab/conntab/model"
)

// The I/O of the /proc fallback: which files to open, and readProc, which
// hands each to parseProcNet (proc.go, which builds everywhere).

// procFile names the /proc/net file for proto and family.
func procFile(proto model.Proto, family model.Family) (string, error) {
	var name string
	switch proto {
	case model.ProtoTCP:
		name = "tcp"
	case model.ProtoUDP:
		name = "udp"
	default:
		return "", fmt.Errorf("/proc/net has no file for %v", proto)
	}
	switch family {
	case model.FamilyInet:
	case model.FamilyInet6:
		name += "6"
	default:
		return "", fmt.Errorf("/proc/net has no file for %v", family)
	}
	return name, nil
}

// readProc reads the /proc/net files for c.cfg.Protos × c.cfg.Families
// into snap.Sockets, in that order. The files are read at once, each on
// a goroutine of its own: each read walks the kernel's whole table (the
// established hash holds both families), so on two cores the IPv4 and
// IPv6 walks overlap, and parsing one overlaps the other's walk.
func (c *Collector) readProc(snap *model.Snapshot) error {
	dir := netDir(c.cfg.ProcRoot, c.cfg.NetNS != "")
	var files []procRead
	for _, proto := range c.cfg.Protos {
		for _, family := range c.cfg.Families {
			name, err := procFile(proto, family)
			if err != nil {
				return err
			}
			files = append(files, procRead{path: filepath.Join(dir, name), proto: proto, family: family})
		}
	}
	if len(files) == 0 {
		return nil
	}
	// Growing a 130k-socket slice by appending costs more than parsing it
	// (5x the memory, 3x the time): the first file fills snap.Sockets,
	// sized for all of them, and each other file a slice sized for it.
	counts := readSockstat(dir)
	files[0].socks = presized(snap.Sockets, counts.estimate(c.cfg.Protos, c.cfg.Families, c.cfg.States))
	// Each file is opened here, on the thread that may have entered the
	// namespace (-N), and read on another: a /proc/net file shows the
	// namespace it was opened in.
	var wg sync.WaitGroup
	for i := range files {
		f := &files[i]
		if i > 0 {
			f.socks = presized(nil, counts.estimateOne(f.proto, f.family, c.cfg.States))
		}
		if f.open() {
			wg.Go(func() { f.read(c.cfg.States) })
		}
	}
	wg.Wait()
	snap.Sockets = files[0].socks
	var errs []error
	for i := range files {
		if i > 0 {
			snap.Sockets = append(snap.Sockets, files[i].socks...)
		}
		if files[i].err != nil {
			errs = append(errs, files[i].err)
		}
	}
	return errors.Join(errs...)
}

// presized is socks with room for n more sockets, the memory mapped in
// one call when there is much of it (prefault).
func presized(socks []model.Socket, n int) []model.Socket {
	if n <= 0 {
		return socks
	}
	socks = slices.Grow(socks, n)
	if n >= prefaultAt {
		prefault(socks)
	}
	return socks
}

// procRead is one /proc/net file to read, and what reading it found.
type procRead struct {
	path   string
	proto  model.Proto
	family model.Family
	file   *os.File
	socks  []model.Socket
	err    error
}

// open opens the file, false if it cannot be read. A kernel or a
// namespace without IPv6 has no tcp6 or udp6: that is no error.
func (r *procRead) open() bool {
	f, err := os.Open(r.path)
	if err != nil {
		if r.family != model.FamilyInet6 || !errors.Is(err, os.ErrNotExist) {
			r.err = err
		}
		return false
	}
	r.file = f
	return true
}

// read parses the open file's sockets in states onto r.socks.
func (r *procRead) read(states model.StateSet) {
	defer r.file.Close()
	r.socks, r.err = parseProcNetBuffered(r.socks, bufio.NewReaderSize(r.file, procBufSize), r.path, r.proto, r.family, states)
}
