package app_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/auth"
)

// serving runs a on a loopback listener wrapped by its connection limits
// until the test ends, and returns the address.
func serving(t *testing.T, a *app.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, a.LimitConns(ln), time.Second) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// TestSlowBodiesAreCut: a client that sends a request's headers and then
// holds back its body loses the connection when the read timeout passes,
// instead of holding it forever.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, app.Options{BodyReadTimeout: 200 * time.Millisecond}, "--data-dir", t.TempDir())
	addr := serving(t, a)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em") //nolint:errcheck
	c.SetReadDeadline(time.Now().Add(10 * time.Second))                                                                                    //nolint:errcheck // a bound on the test, far above the server's
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		// net/http may answer before it closes; either way the connection ends.
		resp.Body.Close()
		_, err = c.Read(make([]byte, 1))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v", time.Since(start))
	}
}

// TestConnectionsPerAddressAreBounded: past max-conns-per-ip, a client's
// further connections are closed at accept and counted.
func TestConnectionsPerAddressAreBounded(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, app.Options{}, "--data-dir", t.TempDir(), "--max-conns-per-ip", "2")
	addr := serving(t, a)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// A request proves the connection was accepted and served.
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") //nolint:errcheck
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("an allowed connection: %v", err)
		}
		resp.Body.Close()
		held = append(held, c)
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	third.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck
	if n, err := third.Read(make([]byte, 1)); err == nil || n > 0 {
		t.Fatalf("a third connection from one address was served (%d, %v)", n, err)
	}
	held[0].Close()
	// The refusal is counted (metrics over a fresh connection: one was freed).
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics = string(b)
			break
		}
	}
	// At least the third connection's refusal (the metrics request itself
	// may have been refused once before the freed count was released).
	if !strings.Contains(metrics, `livedesk_conn_refusals_total{reason="per_ip"} `) || strings.Contains(metrics, `{reason="per_ip"} 0`) {
		t.Fatalf("the refusal is not counted:\n%s", grepLines(metrics, "conn_refusals"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDemoAndMetricsCanBeClosed: a server whose public URL is not this
// machine serves no demo page by default, and -metrics-token keeps
// /metrics to whoever holds the token.
func TestDemoAndMetricsCanBeClosed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, app.Options{}, "--data-dir", t.TempDir(), "--public-url", "https://desk.example.com", "--metrics-token", "s3cret-metrics")
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	get := func(path, auth string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("/demo", ""); s != 404 {
		t.Errorf("/demo on a public URL: %d, want 404", s)
	}
	if s := get("/metrics", ""); s != 401 {
		t.Errorf("/metrics without the token: %d, want 401", s)
	}
	if s := get("/metrics", "Bearer wrong"); s != 401 {
		t.Errorf("/metrics with a wrong token: %d, want 401", s)
	}
	if s := get("/metrics", "Bearer s3cret-metrics"); s != 200 {
		t.Errorf("/metrics with the token: %d, want 200", s)
	}
	var out strings.Builder
	a.PrintWelcome(&out)
	if strings.Contains(out.String(), "/demo") {
		t.Errorf("the welcome names a demo page that is not served:\n%s", out.String())
	}
}

// TestMetricsOnTheirOwnAddress: with -metrics-addr, /metrics leaves the
// main listener for its own.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, app.Options{}, "--data-dir", t.TempDir(), "--metrics-addr", "127.0.0.1:0")
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/metrics on the main listener: %d, want 404", resp.StatusCode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := a.ServeMetrics(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics on its own address: %d", resp.StatusCode)
	}
}

// newTestApp builds an app from flags, without its timers and with cheap
// password hashes, and closes it when the test ends.
func newTestApp(t *testing.T, opts app.Options, args ...string) *app.App {
	t.Helper()
	opts.NoBackground, opts.Hasher = true, auth.TestHasher
	a, err := app.New(t.Context(), parse(t, args...), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
