// Package clientip names the client behind an HTTP request, for the
// limits keyed by address (sign-in, widget traffic) and for the records
// that keep one (sessions, the audit log).
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of is the peer address of r, without its port. With trustProxy it is
// the last X-Forwarded-For entry instead: the one the trusted proxy in
// front of the server appended. Earlier entries come from the client and
// may be forged, and without a trusted proxy the header is ignored, or
// anyone could dodge a limit by sending it.
func Of(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			last := vs[len(vs)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := strings.TrimSpace(last); ip != "" && len(ip) <= 64 {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Key is the part of an address that one client controls, for limits
// keyed by address: an IPv4 address as it is, and an IPv6 address's /64
// network (one subscriber gets a whole /64 and can take a new address in
// it at will, so a bucket per /128 would be no bucket). Anything that does
// not parse is its own key.
func Key(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
