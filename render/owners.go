package render

import (
	"strconv"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// appendOwners appends the processes holding a socket as comm/pid,
// separated by commas, each name escaped; a former owner of a TIME_WAIT
// or orphaned socket is "was comm/pid"; none is "-".
//
// With most 0, every descriptor is named, as the listing's Process column
// does. With most > 0, as the listeners' table does, a process is named
// once however many descriptors it holds (the owners come sorted by pid),
// at most most of them, and ",+N" counts the others.
func appendOwners(dst []byte, owners []model.Owner, most int) []byte {
	if len(owners) == 0 {
		return append(dst, '-')
	}
	shown, more := 0, 0
	for i, o := range owners {
		if most > 0 && i > 0 && owners[i-1].PID == o.PID {
			continue
		}
		if most > 0 && shown == most {
			more++
			continue
		}
		if shown > 0 {
			dst = append(dst, ',')
		}
		if o.Former {
			dst = append(dst, "was "...)
		}
		dst = escape.AppendSafe(dst, o.Comm)
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(o.PID), 10)
		shown++
	}
	if more > 0 {
		dst = append(dst, ",+"...)
		dst = strconv.AppendInt(dst, int64(more), 10)
	}
	return dst
}
