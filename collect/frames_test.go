package collect

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/conntab/conntab/model"
)

// frame encodes one netlink message of type typ around payload.
func frame(typ uint16, payload []byte) []byte {
	b := make([]byte, nlmsgHeaderLen, nlmsgAlign(nlmsgHeaderLen+len(payload)))
	binary.NativeEndian.PutUint32(b, uint32(nlmsgHeaderLen+len(payload)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	b = append(b, payload...)
	return b[:cap(b)]
}

func errnoPayload(code int32) []byte {
	return binary.NativeEndian.AppendUint32(make([]byte, 0, 20), uint32(code))[:20]
}

func TestDecodeFrames(t *testing.T) {
	est, tw := sampleSockets[1], sampleSockets[1]
	tw.Cookie++
	msg := func(s *model.Socket) []byte { return frame(sockDiagByFamily, encodeInetDiag(s)) }
	job := dumpJob{proto: model.ProtoTCP, family: model.FamilyInet}
	cat := func(parts ...[]byte) (b []byte) {
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	for _, tt := range []struct {
		name    string
		b       []byte
		sockets int
		ended   bool
		endErr  error
		decode  error // recorded in the result
		last    bool  // lastFrame
	}{
		{"replies, more to come", cat(msg(&est), msg(&tw)), 2, false, nil, nil, false},
		{"the end", cat(msg(&est), frame(nlmsgDone, make([]byte, 4))), 1, true, nil, nil, true},
		{"ended by the kernel", frame(nlmsgDone, errnoPayload(-int32(syscall.EINTR))), 0, true, syscall.EINTR, nil, true},
		{"refused", frame(nlmsgError, errnoPayload(-int32(syscall.EPERM))), 0, true, syscall.EPERM, nil, true},
		{"an acknowledgement", cat(frame(nlmsgError, errnoPayload(0)), msg(&est)), 1, false, nil, nil, false},
		{"another type", cat(frame(99, encodeInetDiag(&est)), msg(&tw)), 1, false, nil, errMessageType, false},
		{"a short header", cat(msg(&est), []byte{1, 2, 3}), 1, true, nil, errFrame, true},
		{"a length past the end", cat(msg(&est), frame(sockDiagByFamily, encodeInetDiag(&tw))[:40]), 1, true, nil, errFrame, true},
		{"a socket cut short", cat(frame(sockDiagByFamily, encodeInetDiag(&est)[:50]), msg(&tw)), 1, false, nil, errShort, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newDumpResult(0)
			var s model.Socket
			offset, ended, endErr := decodeFrames(tt.b, job, sockDiagByFamily, 0, &s, r)
			if len(r.sockets) != tt.sockets || ended != tt.ended || !errors.Is(endErr, tt.endErr) || (endErr == nil) != (tt.endErr == nil) {
				t.Errorf("%d sockets, ended %v, %v; want %d, %v, %v", len(r.sockets), ended, endErr, tt.sockets, tt.ended, tt.endErr)
			}
			if err := r.err(); !errors.Is(err, tt.decode) || (err == nil) != (tt.decode == nil) {
				t.Errorf("decoding error %v, want %v", err, tt.decode)
			}
			if !ended && offset != int64(len(tt.b)) {
				t.Errorf("offset %d after a whole reply of %d bytes", offset, len(tt.b))
			}
			if got := lastFrame(tt.b); got != tt.last {
				t.Errorf("lastFrame = %v, want %v", got, tt.last)
			}
		})
	}
}

// FuzzDecodeFrames feeds replies, seeded with the recorded dumps, to the
// raw path's decoder: no panic, offsets within the reply, only valid
// sockets, and lastFrame agrees that a reply that ended the dump did.
func FuzzDecodeFrames(f *testing.F) {
	files, _ := filepath.Glob("../testdata/sockdiag/*.bin")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(frame(nlmsgDone, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newDumpResult(0)
		var s model.Socket
		offset, ended, _ := decodeFrames(b, dumpJob{proto: model.ProtoTCP, family: model.FamilyInet6}, sockDiagByFamily, 0, &s, r)
		if offset < 0 || offset > int64(len(b)) {
			t.Fatalf("offset %d in a reply of %d bytes", offset, len(b))
		}
		if ended && !lastFrame(b) {
			t.Fatalf("the reply ended the dump, yet lastFrame says more comes")
		}
		for _, s := range r.sockets {
			if s.Family != model.FamilyInet && s.Family != model.FamilyInet6 || s.State == 0 {
				t.Fatalf("decoded %+v", s)
			}
		}
	})
}
