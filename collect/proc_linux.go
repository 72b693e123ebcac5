package collect

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

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

// readProc reads the /proc/net files for c.cfg.Protos × c.cfg.Families into snap.Sockets.
func (c *Collector) readProc(snap *model.Snapshot) error {
	dir := netDir(c.cfg.ProcRoot, c.cfg.NetNS != "")
	// Growing a 130k-socket slice by appending costs more than parsing it
	// (5x the memory, 3x the time).
	if n := readSockstat(dir).estimate(c.cfg.Protos, c.cfg.Families, c.cfg.States); n > 0 {
		snap.Sockets = slices.Grow(snap.Sockets, n)
		if n >= prefaultAt {
			prefault(snap.Sockets)
		}
	}
	br := bufio.NewReaderSize(nil, procBufSize)
	var errs []error
	for _, proto := range c.cfg.Protos {
		for _, family := range c.cfg.Families {
			name, err := procFile(proto, family)
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			path := filepath.Join(dir, name)
			f, err := os.Open(path)
			if err != nil {
				if family == model.FamilyInet6 && errors.Is(err, os.ErrNotExist) {
					continue // no IPv6 in this kernel or namespace
				}
				return errors.Join(append(errs, err)...)
			}
			br.Reset(f)
			snap.Sockets, err = parseProcNetBuffered(snap.Sockets, br, path, proto, family, c.cfg.States)
			f.Close()
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
