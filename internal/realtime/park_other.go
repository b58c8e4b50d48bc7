//go:build !linux

package realtime

import (
	"net"
	"sync/atomic"
	"time"
)

// parking is Linux's alone (see park_linux.go): elsewhere a connection's
// reader waits in the library's Read for the socket's whole life.
type parking struct{}

func (p *parking) init(net.Conn) {}
func (p *parking) fill(net.Conn, time.Duration) (*[readAheadSize]byte, int, bool, error) {
	return nil, 0, false, nil
}
func (p *parking) wait(net.Conn, time.Duration) bool { return true }
func (p *parking) park(func()) bool                  { return false }
func (p *parking) closed()                           {}
func (p *parking) forget()                           {}
func (p *parking) isParked() bool                    { return false }

var parkedNow atomic.Int64
