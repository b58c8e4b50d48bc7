package storetest

import (
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runAPIKeys(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"api keys/made, found by hash until revoked, touched, at most max live ones", testAPIKeys},
		{"api keys/an idempotency key holds its first answer, refuses a second request while the first runs, and is freed or kept", testIdempotency},
	})
}

func testAPIKeys(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	mk := func(name, hash string) (store.APIKey, error) {
		return s.CreateAPIKey(ctx, store.APIKey{WorkspaceID: tn.ws.ID, AgentID: tn.owner.ID, Name: name, Prefix: "abcd1234", TokenHash: hash,
			Scopes: []string{"contacts:read", "tickets:write"}}, 2, Epoch)
	}
	k, err := mk("CRM", "hash-1")
	noErr(t, "create", err)
	got, err := s.APIKeyByHash(ctx, "hash-1")
	noErr(t, "by hash", err)
	equal(t, "found by hash", got, k)
	_, err = mk("Same hash", "hash-1")
	wantErr(t, err, store.ErrConflict)
	_, err = mk("Second", "hash-2")
	noErr(t, "second", err)
	_, err = mk("Third", "hash-3")
	wantErr(t, err, store.ErrConflict) // two live keys at most

	noErr(t, "touch", s.TouchAPIKey(ctx, tn.ws.ID, k.ID, Epoch.Add(time.Minute)))
	got, err = s.APIKeyByHash(ctx, "hash-1")
	noErr(t, "by hash", err)
	equal(t, "last used", got.LastUsedAt != nil && got.LastUsedAt.Equal(Epoch.Add(time.Minute)), true)

	revoked, err := s.RevokeAPIKey(ctx, tn.ws.ID, k.ID, Epoch.Add(time.Hour))
	noErr(t, "revoke", err)
	equal(t, "revoked at", revoked.RevokedAt != nil && revoked.RevokedAt.Equal(Epoch.Add(time.Hour)), true)
	_, err = s.RevokeAPIKey(ctx, tn.ws.ID, k.ID, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)
	_, err = s.APIKeyByHash(ctx, "hash-1")
	wantErr(t, err, store.ErrNotFound) // revoked: authenticates nothing
	_, err = mk("Third", "hash-3")
	noErr(t, "a revoked key frees its place", err)
	list, err := s.ListAPIKeys(ctx, tn.ws.ID)
	noErr(t, "list", err)
	equal(t, "every key, revoked too, newest first", len(list), 3)
}

func testIdempotency(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws, owner := tn.ws.ID, "agent:"+tn.owner.ID
	_, found, err := s.BeginIdempotent(ctx, ws, owner, "k1", "req-1", Epoch)
	noErr(t, "begin", err)
	equal(t, "new", found, false)
	running, found, err := s.BeginIdempotent(ctx, ws, owner, "k1", "req-1", Epoch)
	noErr(t, "again", err)
	equal(t, "still running", [2]any{found, running.Status}, [2]any{true, 0})
	noErr(t, "free", s.EndIdempotent(ctx, ws, owner, "k1", 0, ""))
	_, found, err = s.BeginIdempotent(ctx, ws, owner, "k1", "req-1", Epoch)
	noErr(t, "after a fault", err)
	equal(t, "freed: runs again", found, false)
	noErr(t, "keep", s.EndIdempotent(ctx, ws, owner, "k1", 201, `{"id":"1"}`))
	kept, found, err := s.BeginIdempotent(ctx, ws, owner, "k1", "req-2", Epoch)
	noErr(t, "replay", err)
	equal(t, "the first answer, with its request", [2]any{found, kept}, [2]any{true, store.Idempotent{Request: "req-1", Status: 201, Body: `{"id":"1"}`}})
	_, found, err = s.BeginIdempotent(ctx, ws, "agent:other", "k1", "req-1", Epoch)
	noErr(t, "another owner", err)
	equal(t, "keys are per owner", found, false)

	// A first request that died (its process went) holds its key no
	// longer than the lease: a retry after it takes the key over.
	_, found, err = s.BeginIdempotent(ctx, ws, owner, "k2", "req-a", Epoch)
	noErr(t, "begin k2", err)
	equal(t, "k2 new", found, false)
	_, found, err = s.BeginIdempotent(ctx, ws, owner, "k2", "req-a", Epoch.Add(store.IdempotentLease-time.Second))
	noErr(t, "within the lease", err)
	equal(t, "within the lease: still running", found, true)
	_, found, err = s.BeginIdempotent(ctx, ws, owner, "k2", "req-a", Epoch.Add(store.IdempotentLease+time.Second))
	noErr(t, "after the lease", err)
	equal(t, "after the lease: taken over", found, false)
	noErr(t, "free k2", s.EndIdempotent(ctx, ws, owner, "k2", 0, ""))

	n, err := s.DeleteOldIdempotencyKeys(ctx, Epoch.Add(time.Second), 1)
	noErr(t, "retention", err)
	equal(t, "at most the limit", n, 1)
	n, err = s.DeleteOldIdempotencyKeys(ctx, Epoch.Add(time.Second), 10)
	noErr(t, "retention", err)
	equal(t, "the rest", n, 1)
}
