package realtime_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// The servers under test come from apptest (New, Cluster); these helpers
// only read and write frames.

// withRealtime tunes the socket layer of an apptest server.
func withRealtime(fn func(o *realtime.Options)) apptest.Option {
	return apptest.AppOptions(func(o *app.Options) { fn(&o.Realtime) })
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// await returns the next event frame of type typ (skipping others), or
// fails the test.
func await(t *testing.T, ctx context.Context, c *client.Conn, typ string, match func(client.Frame) bool) client.Frame {
	t.Helper()
	for {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if f.Type == typ && (match == nil || match(f)) {
			return f
		}
	}
}

func do(t *testing.T, ctx context.Context, c *client.Conn, typ string, fields map[string]any) client.Frame {
	t.Helper()
	f, err := c.Do(ctx, typ, fields)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return f
}

// doErr runs a command that must fail and returns its error code.
func doErr(t *testing.T, ctx context.Context, c *client.Conn, typ string, fields map[string]any) string {
	t.Helper()
	_, err := c.Do(ctx, typ, fields)
	pe, ok := err.(*client.Error)
	if !ok {
		t.Fatalf("%s: want an error frame, got %v", typ, err)
	}
	return pe.Code
}

func jsonUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

func msgOf(t *testing.T, f client.Frame) client.Message {
	t.Helper()
	m, err := f.Msg()
	if err != nil {
		t.Fatalf("decode message: %v", err)
	}
	return m
}
