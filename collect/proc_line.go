package collect

import (
	"math"
	"time"

	"github.com/conntab/conntab/model"
)

// parseProcLine decodes one socket line into s. It reports keep=false for a
// line that is malformed (with the reason) or whose state is not in states.
// It reads the line once, left to right; a line whose state is unwanted
// costs the sl column, two address-length jumps and the state.
func parseProcLine(s *model.Socket, b []byte, proto model.Proto, family model.Family, states model.StateSet) (keep bool, reason error) {
	c := procCursor{b: b}
	c.spaces()
	if c.i == len(b) {
		return false, errProcEmpty
	}
	if _, ok := c.decimal(math.MaxUint64); !ok || !c.consume(':') || !c.spaces() {
		return false, errProcSl
	}
	width := 8 // hex digits of an address
	if family == model.FamilyInet6 {
		width = 32
	}
	local, ok := c.skipAddr(width)
	if !ok || !c.spaces() {
		return false, c.fieldsOr(errProcLocal)
	}
	remote, ok := c.skipAddr(width)
	if !ok || !c.spaces() {
		return false, c.fieldsOr(errProcRemote)
	}
	kst, ok := c.hex(2)
	if !ok || !c.atFieldEnd() {
		return false, errProcState
	}
	state, ok := procState(proto, kst)
	if !ok {
		return false, errProcState
	}
	if !states.Has(state) {
		return false, nil
	}

	*s = model.Socket{Proto: proto, Family: family, State: state}
	if s.Local, ok = procAddrPort(local, width); !ok {
		return false, errProcLocal
	}
	if s.Remote, ok = procAddrPort(remote, width); !ok {
		return false, errProcRemote
	}
	if reason := parseProcLineTail(c, s); reason != nil {
		return false, reason
	}
	return true, nil
}

// parseProcLineTail reads the columns after st into s: the queues, the
// timer, retrnsmt, uid and inode, then checks that ref and pointer follow.
// It takes the cursor by value: a copy of its own, which the compiler
// knows s does not alias, reads as fast as the line head does.
func parseProcLineTail(c procCursor, s *model.Socket) error {
	var ok bool
	if !c.spaces() {
		return errProcFields
	}
	if s.SendQ, ok = c.hex32(); !ok || !c.consume(':') {
		return errProcQueues
	}
	if s.RecvQ, ok = c.hex32(); !ok || !c.atFieldEnd() {
		return errProcQueues
	}
	if !c.spaces() {
		return errProcFields
	}
	tr, ok := c.hex(2)
	if !ok || !c.consume(':') {
		return errProcTimer
	}
	when, ok := c.hex(16)
	if !ok || !c.atFieldEnd() || when > math.MaxInt64/uint64(procTick) {
		return errProcTimer
	}
	s.Timer = model.Timer{Kind: model.TimerKind(tr), Expires: time.Duration(when) * procTick}
	if !c.spaces() {
		return errProcFields
	}
	rt, ok := c.hex32()
	if !ok || !c.atFieldEnd() {
		return errProcRetrans
	}
	s.Timer.Retrans = uint8(min(rt, math.MaxUint8))
	if !c.spaces() {
		return errProcFields
	}
	uid, ok := c.decimal(math.MaxUint32)
	if !ok || !c.atFieldEnd() {
		return errProcUID
	}
	s.UID = uint32(uid)
	if !c.spaces() {
		return errProcFields
	}
	c.consume('-')
	if _, ok := c.decimal(math.MaxInt64); !ok || !c.atFieldEnd() {
		return errProcTimeout
	}
	if !c.spaces() {
		return errProcFields
	}
	if s.Inode, ok = c.decimal(math.MaxUint64); !ok || !c.atFieldEnd() {
		return errProcInode
	}
	// Neither ref nor pointer is kept: they prove the inode is whole.
	if !c.spaces() || !c.skipField() || !c.spaces() || !c.skipField() {
		return errProcFields
	}
	return nil
}

// procState turns the kernel's state number into a model.State: TCP keeps
// the number (TCP_NEW_SYN_RECV and TCP_BOUND_INACTIVE are never printed:
// request sockets show as SYN_RECV and bound sockets are not listed), UDP is
// connected (TCP_ESTABLISHED) or not (TCP_CLOSE).
func procState(proto model.Proto, st uint64) (model.State, bool) {
	if proto == model.ProtoUDP {
		switch model.State(st) {
		case model.StateEstablished:
			return model.StateEstablished, true
		case model.StateClose:
			return model.StateUnconn, true
		}
		return 0, false
	}
	if st >= uint64(model.StateEstablished) && st <= uint64(model.StateClosing) {
		return model.State(st), true
	}
	return 0, false
}
