// Package webhook delivers a workspace's events to the endpoints its
// admins registered (docs/api.md, Webhooks). This file holds what every
// delivery goes through: an HTTP client that reaches only public
// addresses (unless the operator allows private ones), never follows a
// redirect, and gives up on a slow endpoint; and the signature an
// endpoint checks.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenTarget: the endpoint's address is loopback, private,
// link-local or otherwise not public, and private targets are not
// allowed.
var ErrForbiddenTarget = errors.New("webhook: the target address is not public")

// Timeout bounds one delivery, from dialling to the end of the answer.
const Timeout = 10 * time.Second

// Public reports whether addr is a public unicast address: not loopback,
// private (RFC 1918, unique local), link-local, unspecified, multicast,
// carrier-grade NAT (100.64/10), or an IPv4 address hidden in IPv6.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid(), addr.IsLoopback(), addr.IsPrivate(), addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(),
		addr.IsInterfaceLocalMulticast(), addr.IsMulticast(), addr.IsUnspecified():
		return false
	}
	if addr.Is6() && !globalUnicast.Contains(addr) {
		return false // IPv4-compatible and -translated forms, site-local, discard-only: none is a webhook's
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// globalUnicast is IPv6's global unicast space: an endpoint's IPv6
// address is in it or is refused.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// nonPublic are the ranges netip does not name that no webhook should
// reach: shared address space, "this network", benchmarking, the IPv4
// reserved block, and the IPv6 translation and documentation prefixes.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	// IPv4 carried in IPv6, which may reach a private IPv4 address: 6to4
	// and Teredo (the NAT64 prefixes are outside 2000::/3).
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
}

// Client returns the HTTP client deliveries use. Unless allowPrivate,
// every connection's address is checked as it is dialled (after DNS, so a
// name that resolves, or later re-resolves, to a private address is
// refused too). Redirects are never followed: a delivery's answer is the
// endpoint's own.
func Client(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: Timeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !Public(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
			}
			return nil
		}
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CheckURL refuses an endpoint URL that is not http(s), has credentials
// or no host, or (unless allowPrivate) names a host that is an IP address
// that is not public. A host name is checked again at every delivery, as
// it is dialled.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return ErrForbiddenTarget
	}
	if addr, err := netip.ParseAddr(host); err == nil && !Public(addr) {
		return ErrForbiddenTarget
	}
	return nil
}

// MaxURL bounds an endpoint's URL, in bytes.
const MaxURL = 2048

// parseURL reads an endpoint's URL: http or https, a host, no
// credentials, at most MaxURL bytes.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > MaxURL:
		return nil, fmt.Errorf("webhook: the endpoint is not a URL of at most %d bytes", MaxURL)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("webhook: the endpoint's URL is not http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("webhook: the endpoint's URL has no host")
	case u.User != nil:
		return nil, errors.New("webhook: the endpoint's URL carries credentials; use the signing secret")
	}
	return u, nil
}

// Headers of a delivery.
const (
	HeaderSignature = "LiveDesk-Signature" // "v1=" and the hex HMAC-SHA256
	HeaderTimestamp = "LiveDesk-Timestamp" // Unix seconds, as signed
	HeaderEventID   = "LiveDesk-Event-Id"  // the same on every retry: de-duplicate by it
	HeaderEvent     = "LiveDesk-Event"     // the event's type
)

// Sign is a delivery's signature: HMAC-SHA256, keyed by the endpoint's
// secret, of the timestamp (Unix seconds), a ".", and the body.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery the way an endpoint should: the signature
// matches in constant time, and the timestamp is within tolerance of now
// (a replayed old delivery is refused).
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

// Post sends one delivery, signed at now (ctx bounds it too).
func Post(ctx context.Context, c *http.Client, url, secret, eventID, event string, body []byte, now time.Time) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhook: request: %w", err)
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "LiveDesk-Webhooks/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	req.Header.Set(HeaderEventID, eventID)
	req.Header.Set(HeaderEvent, event)
	return c.Do(req)
}
