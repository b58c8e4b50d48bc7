package realtime

// DeskCount is how many sockets of agentID this server holds; a socket
// leaves the count only after its hang-up has run (serve, done).
func (s *Server) DeskCount(agentID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if c.who().AgentID == agentID {
			n++
		}
	}
	return n
}

// ParkedConns is how many of this server's sockets are parked.
func (s *Server) ParkedConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if c.wire != nil && c.wire.parking.isParked() {
			n++
		}
	}
	return n
}
