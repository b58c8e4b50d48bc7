package team_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/team"
)

// TestOwnersDemotingEachOtherKeepOne: two owners demoting (or deleting)
// each other at the same moment must leave one owner, on both databases:
// the last-owner check runs inside the changing transaction, with the
// owners' rows locked on PostgreSQL.
func TestOwnersDemotingEachOtherKeepOne(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.NewStore
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			st := db.open(t)
			ctx := context.Background()
			svc := team.New(st, clock.NewFake(storetest.Epoch), nil, auth.TestHasher, nil, nil)
			for round := range 20 {
				ws, err := st.CreateWorkspace(ctx, fmt.Sprint("W", round), storetest.Epoch)
				if err != nil {
					t.Fatal(err)
				}
				var owners [2]auth.Actor
				for i := range owners {
					a, err := st.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: fmt.Sprintf("o%d-%d@example.com", round, i),
						Name: "Owner", Role: "owner", PasswordHash: "unused"}, storetest.Epoch)
					if err != nil {
						t.Fatal(err)
					}
					owners[i] = auth.Principal{Agent: a}.Actor()
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i := range owners {
					wg.Go(func() {
						other := owners[1-i].AgentID
						if round%2 == 0 {
							admin := "admin"
							_, errs[i] = svc.UpdateAgent(ctx, owners[i], other, team.AgentInput{Role: &admin})
						} else {
							errs[i] = svc.DeleteAgent(ctx, owners[i], other)
						}
					})
				}
				wg.Wait()
				left := 0
				agents, err := st.ListAgents(ctx, ws.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range agents {
					if a.Role == "owner" {
						left++
					}
				}
				failed := 0
				for _, err := range errs {
					if err != nil {
						failed++
						if apperr.From(err).Code != "last_owner" {
							t.Fatalf("round %d: %v, want last_owner", round, err)
						}
					}
				}
				if left != 1 || failed != 1 {
					t.Fatalf("round %d: %d owners left, %d changes refused; want exactly 1 and 1 (%v)", round, left, failed, errs)
				}
			}
		})
	}
}

// TestAgentAddsAreBudgeted: e-mails are unique across workspaces, so a
// refused address tells an admin it has an account somewhere; new agents
// and e-mail changes are budgeted per workspace so that this cannot be
// turned into a scan of addresses.
func TestAgentAddsAreBudgeted(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	ctx := context.Background()
	clk := clock.NewFake(storetest.Epoch)
	svc := team.New(st, clk, nil, auth.TestHasher, nil, nil)
	ws, err := st.CreateWorkspace(ctx, "W", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := st.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "boss@example.com", Name: "Boss", Role: "owner", PasswordHash: "x"}, storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	actor := auth.Principal{Agent: owner}.Actor()
	name := "Probe"
	for i := range 30 {
		email := fmt.Sprintf("probe%d@example.com", i)
		if _, _, err := svc.CreateAgent(ctx, actor, team.AgentInput{Email: &email, Name: &name}); err != nil {
			t.Fatalf("agent %d: %v", i+1, err)
		}
	}
	email := "one-more@example.com"
	_, _, err = svc.CreateAgent(ctx, actor, team.AgentInput{Email: &email, Name: &name})
	if apperr.From(err).Code != "too_many_attempts" {
		t.Fatalf("the 31st new agent at once: %v, want too_many_attempts", err)
	}
	clk.Advance(2 * time.Minute)
	if _, _, err := svc.CreateAgent(ctx, actor, team.AgentInput{Email: &email, Name: &name}); err != nil {
		t.Fatalf("after two minutes: %v", err)
	}
}
