package load_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/bench/load"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/clock"
)

// startServer runs a whole node in process on a loopback port, on the
// wall clock: the load generator paces by real time, and Seed dates its
// sessions by it.
func startServer(t *testing.T) (*app.App, string) {
	t.Helper()
	s := apptest.New(t, apptest.AppOptions(func(o *app.Options) { o.Clock = clock.Real{} }))
	return s.App, s.URL
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://127.0.0.1:1", "http://127.9.8.7:80", "ws://localhost:5", "http://[::1]:1x"} {
		_, err := load.CheckLoopback(u)
		if (err == nil) != !strings.Contains(u, "::1") {
			t.Errorf("CheckLoopback(%q) = %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:80", "http://example.com", "https://127.0.0.1", "http://128.0.0.1"} {
		if _, err := load.CheckLoopback(u); err == nil {
			t.Errorf("CheckLoopback(%q) accepted", u)
		}
	}
}

func TestChatSmall(t *testing.T) {
	t.Parallel()
	a, url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tenants, err := load.Seed(ctx, a.Store, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := load.Chat(ctx, load.ChatConfig{
		URLs: []string{url}, Tenants: tenants, Conversations: 20, Rate: 200,
		Warmup: 200 * time.Millisecond, Duration: time.Second, Drain: 5 * time.Second, Dialer: load.NewDialer(2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		res.Print(os.Stdout)
	}
	if !res.Pass {
		t.Fatalf("chat run failed: %v", res.Problems)
	}
}

func TestStormSmall(t *testing.T) {
	t.Parallel()
	a, url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tenants, err := load.Seed(ctx, a.Store, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := load.Storm(ctx, load.StormConfig{URL: url, Tenants: tenants, Visitors: 40, Missed: 2, Timeout: 20 * time.Second, Dialer: load.NewDialer(2)})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		res.Print(os.Stdout)
	}
	if !res.Pass {
		t.Fatalf("storm run failed: %v", res.Problems)
	}
}
