//go:build linux

package realtime

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Parked sockets.
//
// A reader parked in the library's Read keeps its goroutine for the
// socket's whole life: a 4 KiB stack and the goroutine itself, about
// half of what an idle socket costs, and the GC's headroom doubles it
// (the pacer counts stacks). So once a message has been handled the
// reader waits at most ReadIdle for the peer's next bytes, a few frames
// deep (wireConn.ready), and if none came it parks the socket: it arms
// one epoll instance of the process for it and exits. The next bytes
// from the peer (a frame, a pong, its close) or the socket's closing on
// this side start a new reader (parking.wake), which goes on where the
// last one stopped. A ping or pong that wakes it is read inside the
// library's Read, which then waits for a message: there a read at a
// message's start waits at most ReadIdle too, then fails with errQuiet
// having taken no byte, and the library's Read returns that error with
// the connection as it was, so the reader parks the socket all the same.
//
// What makes this safe:
//   - Between messages the library holds no byte of the socket:
//     wireConn.Read never hands it bytes of a later frame, so what has
//     arrived is in the socket or in wireConn's read-ahead, and a read
//     fails quiet only when both are empty. Within a fragmented message
//     it never does: the library would lose the message.
//   - The registration is level-triggered and one-shot: armed as a reader
//     parks, disarmed by the event that wakes the next, so there is never
//     more than one reader; bytes that arrived before the arming fire it
//     at once. The Go runtime's own poller keeps the socket too (a socket
//     may be in several epoll sets).
//   - Events name a token, not the socket's number, which may be reused
//     once the socket is closed; closing it takes it out of the epoll set
//     (the kernel does so when the file is released), and the token is
//     forgotten when the connection ends.
//   - state moves from parked to reading by compare-and-swap, by the
//     poller's event or by Close, whichever comes first: one of them
//     starts the reader.
type parking struct {
	state atomic.Int32    // reading or parked
	seen  atomic.Bool     // wait saw bytes that fill has not read yet
	raw   syscall.RawConn // nil: not a plain socket, never parked
	wake  func()          // runs the next reader; set at the first park
	token uint64          // the socket's name in the poller; 0 before the first park
	added bool            // in the epoll set (after the first park)
	ev    syscall.EpollEvent
}

const (
	reading int32 = iota
	parked
)

func (p *parking) init(nc net.Conn) {
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			p.raw = raw
		}
	}
}

// wait waits up to idle for the socket to have a byte, an end or an
// error; it reports false if the time ran out. The deadline is the
// socket's: a close handshake reading meanwhile, on another goroutine,
// gives up at it too (sooner than the library's own 5 s, no worse).
func (p *parking) wait(nc net.Conn, idle time.Duration) bool {
	if p.raw == nil || nc.SetReadDeadline(time.Now().Add(idle)) != nil {
		return true
	}
	err := p.raw.Read(peek)
	nc.SetReadDeadline(time.Time{}) //nolint:errcheck // a closed socket fails the next read
	p.seen.Store(err == nil)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// fill reads what the socket holds into a read-ahead buffer taken from
// the pool only once there is something to read (a reader that waits
// here holds none) and reports ok; not ok where it cannot (no raw
// socket): the caller reads the socket itself. With quiet > 0 it waits
// that long at most, then fails with errQuiet.
func (p *parking) fill(nc net.Conn, quiet time.Duration) (buf *[readAheadSize]byte, n int, ok bool, err error) {
	if p.raw == nil {
		return nil, 0, false, nil
	}
	switch {
	case p.seen.Swap(false):
		// wait has just seen bytes, unless the close handshake read them
		// since: then the read below waits, holding a buffer, until the
		// socket's close ends it.
	case quiet > 0:
		if !p.wait(nc, quiet) {
			return nil, 0, true, errQuiet
		}
		p.seen.Store(false)
	default:
		if err := p.raw.Read(peek); err != nil { // closed
			return nil, 0, true, err
		}
	}
	buf = readAhead.Get().(*[readAheadSize]byte)
	if n, err = nc.Read(buf[:]); n == 0 {
		readAhead.Put(buf)
		return nil, 0, true, err
	}
	return buf, n, true, nil // an error with bytes comes again with the next read
}

// peek reports whether a read of the socket would not block: a byte, the
// peer's end or an error waits there.
func peek(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
}

// park hands the socket to the poller; wake will run the next reader. It
// reports whether the caller, the socket's reader, must exit: false when
// the socket could not be parked (the caller reads on, and the library's
// Read reports a closed socket).
func (p *parking) park(wake func()) bool {
	if p.raw == nil {
		return false
	}
	pl, err := sharedPoller()
	if err != nil {
		return false
	}
	if p.token == 0 {
		p.wake = wake
		p.token = pl.add(p)
	}
	parkedNow.Add(1)
	p.state.Store(parked)
	var aerr error
	if err := p.raw.Control(func(fd uintptr) { aerr = pl.arm(int(fd), p) }); err == nil && aerr == nil {
		return true
	}
	// Not armed: the socket is closed, or epoll refused it. If Close got
	// here first, it has started the next reader.
	if p.state.CompareAndSwap(parked, reading) {
		parkedNow.Add(-1)
		return false
	}
	return true
}

func (p *parking) isParked() bool { return p.state.Load() == parked }

// closed wakes a parked socket's reader, to end the connection.
func (p *parking) closed() {
	if p.state.CompareAndSwap(parked, reading) {
		parkedNow.Add(-1)
		go p.wake()
	}
}

// forget drops the socket from the poller once its connection has ended.
func (p *parking) forget() {
	if p.token != 0 {
		thePoller.remove(p.token)
	}
}

// parkedNow counts the sockets parked in this process.
var parkedNow atomic.Int64

// poller is the process's epoll instance for parked sockets, and its
// goroutine.
type poller struct {
	fd    int
	mu    sync.Mutex
	last  uint64
	socks map[uint64]*parking
}

var (
	pollerOnce sync.Once
	thePoller  *poller
	pollerErr  error
)

func sharedPoller() (*poller, error) {
	pollerOnce.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			pollerErr = fmt.Errorf("realtime: epoll_create1: %w", err)
			return
		}
		thePoller = &poller{fd: fd, socks: map[uint64]*parking{}}
		go thePoller.run()
	})
	return thePoller, pollerErr
}

func (pl *poller) add(p *parking) uint64 {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.last++
	pl.socks[pl.last] = p
	return pl.last
}

func (pl *poller) remove(token uint64) {
	pl.mu.Lock()
	delete(pl.socks, token)
	pl.mu.Unlock()
}

// arm registers fd for one readiness event (the first time), or re-arms
// it.
func (pl *poller) arm(fd int, p *parking) error {
	op := syscall.EPOLL_CTL_MOD
	if !p.added {
		op = syscall.EPOLL_CTL_ADD
	}
	p.ev = syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(p.token)),
		Pad:    int32(uint32(p.token >> 32)),
	}
	if err := syscall.EpollCtl(pl.fd, op, fd, &p.ev); err != nil {
		return fmt.Errorf("realtime: epoll_ctl: %w", err)
	}
	p.added = true
	return nil
}

// run starts a reader for each socket that wakes.
func (pl *poller) run() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(pl.fd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			// EBADF, EFAULT or EINVAL: this code is wrong, and parked
			// sockets would never be read again.
			panic(fmt.Sprintf("realtime: epoll_wait: %v", err))
		}
		for _, ev := range events[:n] {
			token := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			pl.mu.Lock()
			p := pl.socks[token]
			pl.mu.Unlock()
			if p != nil && p.state.CompareAndSwap(parked, reading) {
				parkedNow.Add(-1)
				go p.wake()
			}
		}
	}
}
