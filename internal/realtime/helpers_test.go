package realtime_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
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

// agentNamed adds an agent (role agent) called name to the first workspace
// and returns it with the header its desk signs in with.
func agentNamed(t *testing.T, s *apptest.Server, name string) (store.Agent, http.Header) {
	t.Helper()
	email, role, pw := strings.ToLower(name)+"@example.com", "agent", agentPassword(name)
	a, err := s.App.Team.CreateAgentUnchecked(t.Context(), s.WorkspaceID(t), team.AgentInput{Email: &email, Name: &name, Role: &role, Password: &pw})
	if err != nil {
		t.Fatal(err)
	}
	return a, s.LoginHeader(t, email, pw)
}

// agentPassword is the password agentNamed gives an agent called name.
func agentPassword(name string) string { return strings.ToLower(name) + " password long" }

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
