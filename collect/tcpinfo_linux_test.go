package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// replyingDial answers a tcp_info request with reply (a recorded message,
// given the request's sequence number), after checking it is one request
// for one socket, not a dump; *got receives the request's payload.
func replyingDial(t *testing.T, reply netlink.Message, got *[]byte) func() (*netlink.Conn, error) {
	return func() (*netlink.Conn, error) {
		return nltest.Dial(nltest.CheckRequest(
			[]netlink.HeaderType{sockDiagByFamily},
			[]netlink.HeaderFlags{netlink.Request},
			func(req []netlink.Message) ([]netlink.Message, error) {
				*got = req[0].Data
				reply.Header.Sequence, reply.Header.PID = req[0].Header.Sequence, 0
				return []netlink.Message{reply}, nil
			})), nil
	}
}

// errnoDial answers every request with errno, as the kernel does.
func errnoDial(errno unix.Errno) func() (*netlink.Conn, error) {
	return func() (*netlink.Conn, error) {
		return nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
			data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
			data = append(data, make([]byte, 16)...)
			return []netlink.Message{{Header: netlink.Header{Type: netlink.Error, Sequence: req[0].Header.Sequence}, Data: data}}, nil
		}), nil
	}
}

// TestTCPInfoThroughSeam asks Collector.TCPInfo for each recorded socket,
// with nltest replaying what the kernel answered. The request must name
// the socket as the kernel's reply does (struct inet_diag_sockid: ports,
// addresses, interface, cookie), ask for INFO and CONG, and decode to what
// ss printed.
func TestTCPInfoThroughSeam(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(tcpinfoDir, "*.ss"))
	if len(files) == 0 {
		t.Fatal("no recordings in " + tcpinfoDir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".ss")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(tcpinfoDir, name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := splitMessages(b)
			if err != nil {
				t.Fatal(err)
			}
			// The socket as a snapshot lists it.
			var s model.Socket
			if err := decodeInetDiag(msgs[0].Data, model.ProtoTCP, &s); err != nil {
				t.Fatal(err)
			}
			var req []byte
			c := New(Config{})
			c.dial = replyingDial(t, msgs[0], &req)
			got, err := c.TCPInfo(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(msgs[0].Data[4:52], req[8:56]); diff != "" {
				t.Errorf("socket id: (-kernel's reply +request)\n%s", diff)
			}
			if req[0] != byte(s.Family) || req[1] != byte(model.ProtoTCP) || req[2] != 1<<(inetDiagInfo-1)|1<<(inetDiagCong-1) {
				t.Errorf("request asks for family %d, protocol %d, extensions %#x", req[0], req[1], req[2])
			}
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := parseSSTCPInfo(string(text))
			if err != nil || len(ss) != 1 {
				t.Fatalf("%d sockets, %v", len(ss), err)
			}
			if diff := cmp.Diff(ss[0].view(), ssView(got)); diff != "" {
				t.Errorf("(-ss +TCPInfo)\n%s", diff)
			}
		})
	}
}

func TestTCPInfoErrorsThroughSeam(t *testing.T) {
	est := sampleSockets[1]
	tw, err := os.ReadFile(filepath.Join(tcpinfoDir, "time-wait.bin"))
	if err != nil {
		t.Fatal(err)
	}
	twMsgs, err := splitMessages(tw)
	if err != nil {
		t.Fatal(err)
	}
	var req []byte
	for _, tt := range []struct {
		name   string
		dial   func() (*netlink.Conn, error)
		is     []error
		isNot  []error
		quotes string
	}{
		{"closed socket", errnoDial(unix.ENOENT), []error{ErrGone, unix.ENOENT}, []error{ErrNoInfo}, est.Local.String()},
		{"newer socket on the addresses (older kernels)", errnoDial(unix.ESTALE), []error{ErrGone, unix.ESTALE}, nil, est.Local.String()},
		{"refused", errnoDial(unix.EPERM), []error{unix.EPERM}, []error{ErrGone, ErrNoInfo}, est.Local.String()},
		{"TIME_WAIT", replyingDial(t, twMsgs[0], &req), []error{ErrNoInfo}, []error{ErrGone}, "TIME_WAIT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{})
			c.dial = tt.dial
			_, err := c.TCPInfo(context.Background(), est)
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("err = %v, want %v", err, target)
				}
			}
			for _, target := range tt.isNot {
				if errors.Is(err, target) {
					t.Errorf("err = %v, is %v", err, target)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.quotes) {
				t.Errorf("err = %v, want it to say %q", err, tt.quotes)
			}
		})
	}
}

// TestTCPInfoUnasked: what has no tcp_info, or cannot have it asked for,
// is answered without asking the kernel.
func TestTCPInfoUnasked(t *testing.T) {
	udp := sampleSockets[6]
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name   string
		cfg    Config
		ctx    context.Context
		s      model.Socket
		target error
		quote  string
	}{
		{"UDP", Config{}, context.Background(), udp, ErrNoInfo, "only TCP"},
		{"the /proc source", Config{Mode: ModeProc}, context.Background(), sampleSockets[1], ErrNoInfo, "/proc"},
		{"no addresses", Config{}, context.Background(), model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet}, nil, "no address"},
		{"canceled", Config{}, canceled, sampleSockets[1], context.Canceled, "canceled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.cfg)
			c.dial = func() (*netlink.Conn, error) {
				t.Error("dialled the kernel")
				return nil, unix.EPERM
			}
			_, err := c.TCPInfo(tt.ctx, tt.s)
			if err == nil || (tt.target != nil && !errors.Is(err, tt.target)) || !strings.Contains(err.Error(), tt.quote) {
				t.Errorf("err = %v, want %v saying %q", err, tt.target, tt.quote)
			}
		})
	}
}
