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
	if !ok {
		return false, c.fieldsOr(errProcLocal)
	}
	if !c.spaces() {
		return false, c.fieldsOr(errProcLocal)
	}
	remote, ok := c.skipAddr(width)
	if !ok {
		return false, c.fieldsOr(errProcRemote)
	}
	if !c.spaces() {
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
	if !c.spaces() {
		return false, errProcFields
	}
	if s.SendQ, ok = c.hex32(); !ok || !c.consume(':') {
		return false, errProcQueues
	}
	if s.RecvQ, ok = c.hex32(); !ok || !c.atFieldEnd() {
		return false, errProcQueues
	}
	if !c.spaces() {
		return false, errProcFields
	}
	tr, ok := c.hex(2)
	if !ok || !c.consume(':') {
		return false, errProcTimer
	}
	when, ok := c.hex(16)
	if !ok || !c.atFieldEnd() || when > math.MaxInt64/uint64(procTick) {
		return false, errProcTimer
	}
	s.Timer = model.Timer{Kind: model.TimerKind(tr), Expires: time.Duration(when) * procTick}
	if !c.spaces() {
		return false, errProcFields
	}
	rt, ok := c.hex32()
	if !ok || !c.atFieldEnd() {
		return false, errProcRetrans
	}
	s.Timer.Retrans = uint8(min(rt, math.MaxUint8))
	if !c.spaces() {
		return false, errProcFields
	}
	uid, ok := c.decimal(math.MaxUint32)
	if !ok || !c.atFieldEnd() {
		return false, errProcUID
	}
	s.UID = uint32(uid)
	if !c.spaces() {
		return false, errProcFields
	}
	c.consume('-')
	if _, ok := c.decimal(math.MaxInt64); !ok || !c.atFieldEnd() {
		return false, errProcTimeout
	}
	if !c.spaces() {
		return false, errProcFields
	}
	if s.Inode, ok = c.decimal(math.MaxUint64); !ok || !c.atFieldEnd() {
		return false, errProcInode
	}
	// Neither ref nor pointer is kept: they prove the inode is whole.
	if !c.spaces() || !c.skipField() || !c.spaces() || !c.skipField() {
		return false, errProcFields
	}
	return true, nil
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
