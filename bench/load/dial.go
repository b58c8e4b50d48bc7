package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNotLoopback is returned for any target outside 127.0.0.0/8.
var ErrNotLoopback = errors.New("load: only 127.0.0.0/8 targets are allowed")

// CheckLoopback parses a base URL (http:// or ws://) and refuses every
// host that is not a literal 127.0.0.0/8 address or "localhost".
func CheckLoopback(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("load: target %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "ws":
	default:
		return nil, fmt.Errorf("load: target %q: scheme must be http or ws: %w", raw, ErrNotLoopback)
	}
	if !loopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("load: target %q: %w", raw, ErrNotLoopback)
	}
	return u, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.To4() != nil && ip.To4()[0] == 127
}

// Dialer hands out HTTP clients whose sockets come from different
// 127.0.0.x source addresses, round robin. Each source address has its own
// ephemeral port range (about 28k ports with Linux defaults), so n sources
// hold about n×28k sockets to one server port.
type Dialer struct {
	clients []*http.Client
	next    atomic.Uint64
}

// NewDialer returns a Dialer over sources source addresses, 127.0.0.2 and
// up (at most 250). Its clients refuse to connect anywhere but 127/8.
func NewDialer(sources int) *Dialer {
	sources = min(max(sources, 1), 250)
	d := &Dialer{}
	for i := range sources {
		nd := &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))},
			Timeout:   10 * time.Second,
			// Bind the port at connect time, not at bind time, so the
			// kernel may reuse a port towards different destinations.
			Control: func(network, address string, c syscall.RawConn) error {
				var serr error
				err := c.Control(func(fd uintptr) {
					serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
				})
				if err != nil {
					return err
				}
				return serr
			},
		}
		tr := &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil || !loopbackHost(host) {
					return nil, fmt.Errorf("load: dial %s: %w", addr, ErrNotLoopback)
				}
				return nd.DialContext(ctx, network, addr)
			},
			Proxy:               nil,
			MaxIdleConnsPerHost: 4,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		}
		d.clients = append(d.clients, &http.Client{Transport: tr, Timeout: 0})
	}
	return d
}

// ipBindAddressNoPort is Linux's IP_BIND_ADDRESS_NO_PORT.
const ipBindAddressNoPort = 24

// Client returns the next client, round robin over the source addresses.
func (d *Dialer) Client() *http.Client {
	return d.clients[d.next.Add(1)%uint64(len(d.clients))]
}

// RaiseFileLimit raises RLIMIT_NOFILE to want (or as far as allowed) and
// returns the soft limit in force. Child processes (a spawned server)
// inherit it.
func RaiseFileLimit(want uint64) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur >= want {
		return lim.Cur
	}
	try := syscall.Rlimit{Cur: want, Max: max(want, lim.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &try); err != nil {
		// Not privileged: go as far as the hard limit.
		try = syscall.Rlimit{Cur: min(want, lim.Max), Max: lim.Max}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &try) //nolint:errcheck
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) //nolint:errcheck
	return lim.Cur
}
