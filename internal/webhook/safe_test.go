package webhook

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestPublicAddresses(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false,
		"198.18.0.1": false, "255.255.255.255": false, "64:ff9b::7f00:1": false,
		"::127.0.0.1": false, "::ffff:0:7f00:1": false, "64:ff9b:1::1": false, "2002:a9fe:a9fe::": false,
		"2001::1": false, "fec0::1": false, "100::1": false, "2001:db8::1": false,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/livedesk": true,
		"http://203.0.114.7:8080/in":         true,
		"https://127.0.0.1/x":                false,
		"http://[::1]:9000/":                 false,
		"http://localhost:8080/":             false,
		"http://api.localhost/":              false,
		"http://169.254.169.254/latest":      false,
		"ftp://example.com/":                 false,
		"https://user:pw@example.com/":       false,
		"https:///nohost":                    false,
	} {
		if err := CheckURL(raw, false); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
	if err := CheckURL("http://127.0.0.1:9000/", true); err != nil {
		t.Errorf("a self-hosted network allowed: %v", err)
	}
}

// TestDeliveryIsSignedAndSafe: a delivery carries a signature the
// endpoint verifies (and a changed body or an old timestamp fails); the
// client refuses a loopback endpoint unless private targets are allowed,
// and never follows a redirect.
func TestDeliveryIsSignedAndSafe(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test"
	now := time.Unix(1764500000, 0)
	got := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		got <- Verify(secret, r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp), body, now.Add(time.Minute), 5*time.Minute) &&
			r.Header.Get(HeaderEventID) == "evt-1" && r.Header.Get(HeaderEvent) == "message.created"
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	body := []byte(`{"id":"evt-1","type":"message.created"}`)

	if _, err := Post(t.Context(), Client(false), srv.URL+"/in", secret, "evt-1", "message.created", body, now); !errors.Is(err, ErrForbiddenTarget) {
		t.Fatalf("a loopback endpoint, private targets not allowed: %v", err)
	}
	resp, err := Post(t.Context(), Client(true), srv.URL+"/in", secret, "evt-1", "message.created", body, now)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || !<-got {
		t.Fatalf("delivery: %d, or its signature did not verify", resp.StatusCode)
	}
	resp, err = Post(t.Context(), Client(true), srv.URL+"/moved", secret, "evt-1", "message.created", body, now)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("a redirect was followed: %d", resp.StatusCode)
	}

	sig := Sign(secret, now.Unix(), body)
	ts := "1764500000"
	for name, ok := range map[string]bool{
		"as sent":       Verify(secret, sig, ts, body, now, 5*time.Minute),
		"another body":  !Verify(secret, sig, ts, []byte(`{"id":"evt-2"}`), now, 5*time.Minute),
		"another key":   !Verify("other", sig, ts, body, now, 5*time.Minute),
		"too old":       !Verify(secret, sig, ts, body, now.Add(6*time.Minute), 5*time.Minute),
		"not a number":  !Verify(secret, sig, "soon", body, now, 5*time.Minute),
		"in the future": !Verify(secret, sig, ts, body, now.Add(-6*time.Minute), 5*time.Minute),
	} {
		if !ok {
			t.Errorf("signature check %s: wrong answer", name)
		}
	}
}
