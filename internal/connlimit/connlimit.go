// Package connlimit bounds the TCP connections a server holds: in all, and
// from any one client address. A connection over a bound is accepted and
// closed at once, before any byte of it is read, so it costs the server
// one accept and never a goroutine.
//
// Why at the listener: a widget's socket and a slow body (a client that
// sends headers and then trickles) each hold a connection for as long as
// the client likes; per-request limits come too late to stop one client
// from holding thousands. Behind a reverse proxy every connection comes
// from the proxy's address, so the per-address bound must then be off (0)
// and the proxy must do that limiting.
//
// A Listener is safe for concurrent use; its counts drop when a counted
// connection is closed, exactly once.
package connlimit

import (
	"errors"
	"net"
	"sync"
	"syscall"

	"github.com/querytel/livedesk/internal/clientip"
)

// Listener wraps a net.Listener with the bounds.
type Listener struct {
	net.Listener
	perIP   int // 0: no per-address bound
	total   int // 0: no total bound
	refused func(reason string)
	mu      sync.Mutex
	byIP    map[string]int
	open    int
}

// New wraps ln: at most total connections (0: unbounded) and perIP from
// one address (0: unbounded). refused, when not nil, is told of each
// refusal with "total" or "per_ip".
func New(ln net.Listener, total, perIP int, refused func(reason string)) *Listener {
	if refused == nil {
		refused = func(string) {}
	}
	return &Listener{Listener: ln, perIP: perIP, total: total, refused: refused, byIP: map[string]int{}}
}

// Accept returns the next connection within the bounds; connections over
// them are closed and skipped.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		if reason := l.take(ip); reason != "" {
			c.Close() //nolint:errcheck // refused: nothing to report to
			l.refused(reason)
			continue
		}
		return &conn{Conn: c, l: l, ip: ip}, nil
	}
}

// take counts a new connection from ip, or says which bound refuses it.
func (l *Listener) take(ip string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total > 0 && l.open >= l.total:
		return "total"
	case l.perIP > 0 && l.byIP[ip] >= l.perIP:
		return "per_ip"
	}
	l.open++
	l.byIP[ip]++
	return ""
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// Open is how many counted connections are open.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// hostOf is the client behind a connection, as clientip.Key counts it:
// an IPv6 client's /64.
func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return clientip.Key(ta.IP.String())
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// conn releases its count once, on its first Close (net/http closes a
// connection it served; a hijacked one is closed by its new owner, whose
// Close reaches this wrapper too).
type conn struct {
	net.Conn
	l    *Listener
	ip   string
	once sync.Once
}

// SyscallConn is the socket's, for its owner to wait on (realtime parks
// idle sockets in an epoll set of its own).
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("connlimit: not a socket")
	}
	return sc.SyscallConn()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
