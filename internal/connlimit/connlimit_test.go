package connlimit

import (
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

func dial(t *testing.T, addr, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c without a byte.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
	_, err := c.Read(make([]byte, 1))
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestBounds(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	refusals := map[string]int{}
	l := New(inner, 4, 2, func(r string) { mu.Lock(); refusals[r]++; mu.Unlock() })
	defer l.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	addr := inner.Addr().String()
	a1, a2 := dial(t, addr, "127.0.0.1"), dial(t, addr, "127.0.0.1")
	s1, s2 := <-accepted, <-accepted
	// A third from the same address is closed at once.
	if !closedByServer(dial(t, addr, "127.0.0.1")) {
		t.Fatal("a third connection from one address was not refused")
	}
	// Another address still gets in, up to the total of 4.
	dial(t, addr, "127.0.0.2")
	dial(t, addr, "127.0.0.3")
	<-accepted
	<-accepted
	if !closedByServer(dial(t, addr, "127.0.0.4")) {
		t.Fatal("a fifth connection was not refused")
	}
	// Closing frees the counts: the first address may connect again.
	s1.Close()
	s1.Close() // twice: counted once
	if l.Open() != 3 {
		t.Fatalf("%d open after a close, want 3", l.Open())
	}
	dial(t, addr, "127.0.0.1")
	s3 := <-accepted
	_, _, _ = a1, a2, s2
	s3.Close()
	mu.Lock()
	defer mu.Unlock()
	if refusals["per_ip"] != 1 || refusals["total"] != 1 {
		t.Fatalf("refusals %v, want one of each", refusals)
	}
}

// TestConnsExposeTheirSocket: a connection handed out still gives its
// socket to whoever waits on it (realtime parks idle sockets).
func TestConnsExposeTheirSocket(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := New(inner, 10, 10, nil)
	defer ln.Close()
	dial(t, ln.Addr().String(), "127.0.0.1")
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatalf("%T does not expose its socket", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := raw.Control(func(s uintptr) { fd = s }); err != nil || fd == 0 {
		t.Fatalf("the socket: fd %d, %v", fd, err)
	}
}
