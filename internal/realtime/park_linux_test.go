package realtime

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestWireQuietAtMessageStart: a read at a message's start that finds no
// byte for the quiet time fails with errQuiet and takes nothing, so the
// next read gets the message whole; within a fragmented message (a
// control frame between its fragments) a read waits as long as it takes.
func TestWireQuietAtMessageStart(t *testing.T) {
	t.Parallel()
	cc, sc := tcpPair(t)
	wc := newWireConn(sc)
	defer wc.Close()
	wc.quiet.Store(int64(10 * time.Millisecond))
	key := []byte{5, 6, 7, 8}
	buf := make([]byte, 64)
	if n, err := wc.Read(buf); n != 0 || !errors.Is(err, errQuiet) {
		t.Fatalf("a read of a quiet socket: %d bytes, %v; want errQuiet", n, err)
	}
	msg := frameBytes(1, []byte("hello"), key)
	if _, err := cc.Write(msg); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(got) < len(msg) {
		n, err := wc.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("read %x, want the frame %x", got, msg)
	}
	// A first fragment (no FIN bit), then a ping: the message is not over.
	first := frameBytes(1, []byte("he"), key)
	first[0] &^= 0x80
	part := append(first, frameBytes(9, nil, key)...)
	if _, err := cc.Write(part); err != nil {
		t.Fatal(err)
	}
	for got = nil; len(got) < len(part); {
		n, err := wc.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes of the first fragment and a ping: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	last := frameBytes(0, []byte("llo"), key)
	go func() {
		time.Sleep(50 * time.Millisecond) // the last fragment comes after the quiet time: a peer's pace
		cc.Write(last)                    //nolint:errcheck // the read below fails if it does
	}()
	n, err := wc.Read(buf)
	if err != nil || n == 0 {
		t.Fatalf("a read within a fragmented message: %d bytes, %v; want the last fragment", n, err)
	}
}
