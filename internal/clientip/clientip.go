// Package clientip names the client behind an HTTP request, for the
// limits keyed by address (sign-in, widget traffic) and for the records
// that keep one (sessions, the audit log).
package clientip

import (
	"net"
	"net/http"
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
