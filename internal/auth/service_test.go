package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

const annPassword = "ann-password-1"

type fixture struct {
	svc   *Service
	clock *clock.Fake
	st    *store.Store
	ann   store.Agent
}

// newFixture is a Service on a real SQLite store with one agent, Ann.
func newFixture(t *testing.T) fixture {
	t.Helper()
	st := storetest.SQLite(t)
	clk := clock.NewFake(storetest.Epoch)
	ws, err := st.CreateWorkspace(t.Context(), "Acme", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, err := TestHasher.Hash(annPassword)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := st.CreateAgent(t.Context(), store.Agent{WorkspaceID: ws.ID, Email: "ann@example.com", Name: "Ann",
		Role: string(Admin), PasswordHash: h}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: New(st, clk, TestHasher, nil), clock: clk, st: st, ann: ann}
}

func (f fixture) login(t *testing.T, email, password, ip string) (string, error) {
	t.Helper()
	tok, _, err := f.svc.Login(t.Context(), email, password, ip, "test-agent")
	return tok, err
}

func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	tok, agent, err := f.svc.Login(ctx, "  ANN@Example.com ", annPassword, "203.0.113.5", strings.Repeat("ü", 200))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if agent.ID != f.ann.ID || len(tok) < 43 {
		t.Fatalf("login returned agent %s, token %q", agent.ID, tok)
	}
	p, err := f.svc.Authenticate(ctx, tok)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if p.Agent.ID != f.ann.ID || p.Actor().WorkspaceID != f.ann.WorkspaceID || p.Actor().Role != Admin || p.TokenHash != HashToken(tok) {
		t.Fatalf("principal %+v", p)
	}
	// Only the token's hash is stored, with the client's address and a
	// bounded, still valid UTF-8 user agent.
	ss, _, err := f.st.SessionAgent(ctx, HashToken(tok), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ss.IP != "203.0.113.5" || len(ss.UserAgent) > 256 || !strings.HasPrefix(ss.UserAgent, "üü") ||
		strings.ContainsRune(ss.UserAgent, '\uFFFD') || !ss.ExpiresAt.Equal(f.clock.Now().Add(SessionTTL)) {
		t.Fatalf("stored session %+v", ss)
	}
	if _, _, err := f.st.SessionAgent(ctx, tok, f.clock.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the raw token is stored")
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, email, password string
		want                  error
		code                  string
	}{
		{"wrong password", "ann@example.com", "not-the-password", ErrBadCredentials, "invalid_credentials"},
		{"unknown e-mail", "bob@example.com", annPassword, ErrBadCredentials, "invalid_credentials"},
		{"empty password", "ann@example.com", "", nil, "missing_credentials"},
		{"empty e-mail", "  ", annPassword, nil, "missing_credentials"},
	}
	for _, c := range cases {
		tok, err := f.login(t, c.email, c.password, "203.0.113.5")
		if tok != "" || err == nil || apperr.From(err).Code != c.code || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: token %q, err %v; want code %s", c.name, tok, err, c.code)
		}
	}
	// A wrong e-mail and a wrong password are the same error, so e-mails
	// cannot be discovered.
	if ErrBadCredentials.Kind != apperr.Unauthorized || ErrTooManyAttempts.Kind != apperr.RateLimited {
		t.Fatal("credential errors have the wrong kinds")
	}
}

// TestLoginLimitPerAccount: five rapid failures from one address on one
// account, then too_many_attempts from that address even with the right
// password, until 12 s refill one; other addresses are not held back by
// them (so an attacker cannot lock the owner out from one address).
func TestLoginLimitPerAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const attacker, owner = "203.0.113.1", "198.51.100.1"
	for i := range pairBurst {
		if _, err := f.login(t, "ann@example.com", "wrong-password", attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v, want bad credentials", i+1, err)
		}
	}
	if _, err := f.login(t, "ANN@example.com", annPassword, attacker); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("6th attempt from the same address: %v, want too many attempts", err)
	}
	if _, err := f.login(t, "ann@example.com", annPassword, owner); err != nil {
		t.Fatalf("the owner from another address: %v, want a successful sign-in", err)
	}
	// Another e-mail from the attacker's address is not affected.
	if _, err := f.login(t, "bob@example.com", "whatever-pass", attacker); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("another e-mail: %v, want bad credentials", err)
	}
	f.clock.Advance(pairEvery - time.Millisecond)
	if _, err := f.login(t, "ann@example.com", annPassword, attacker); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("just before the refill: %v, want too many attempts", err)
	}
	f.clock.Advance(time.Millisecond)
	if _, err := f.login(t, "ann@example.com", annPassword, attacker); err != nil {
		t.Fatalf("after 12 s: %v, want a successful sign-in", err)
	}
	// Successes cost nothing: signing in often is never limited.
	for i := range 2 * pairBurst {
		if _, err := f.login(t, "ann@example.com", annPassword, owner); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
}

// TestLoginLimitSpreadOverAddresses: a guesser spread over many addresses
// gets 20 failures on one account, then 429 from any new address; the
// owner still signs in from an address it already holds a session from.
func TestLoginLimitSpreadOverAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const known = "198.51.100.7"
	if _, err := f.login(t, "ann@example.com", annPassword, known); err != nil {
		t.Fatal(err)
	}
	for i := range accountBurst {
		ip := fmt.Sprintf("203.0.113.%d", i+1)
		if _, err := f.login(t, "ann@example.com", "wrong-password", ip); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v, want bad credentials", i+1, err)
		}
	}
	if _, err := f.login(t, "ann@example.com", annPassword, "192.0.2.50"); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("a new address after %d failures: %v, want too many attempts", accountBurst, err)
	}
	if _, err := f.login(t, "ann@example.com", annPassword, known); err != nil {
		t.Fatalf("the owner's known address: %v, want a successful sign-in", err)
	}
	if _, err := f.login(t, "ann@example.com", "wrong-password", known); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a wrong password from the known address: %v, want bad credentials", err)
	}
	f.clock.Advance(accountEvery)
	if _, err := f.login(t, "ann@example.com", annPassword, "192.0.2.50"); err != nil {
		t.Fatalf("after %v: %v, want a successful sign-in", accountEvery, err)
	}
}

// TestLoginRefusesHugeEmails: an e-mail no account can have is refused
// before any limiter keeps it, so a flood of 1 MiB strings costs no
// memory.
func TestLoginRefusesHugeEmails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 50 {
		huge := strings.Repeat("x", 1<<20) + fmt.Sprint(i) + "@example.com"
		if _, err := f.login(t, huge, "wrong-password", fmt.Sprintf("203.0.113.%d", i)); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("huge e-mail: %v, want bad credentials", err)
		}
	}
	if n := f.svc.byPair.Size() + f.svc.byAccount.Size(); n != 0 {
		t.Fatalf("the limiters keep %d keys for refused e-mails", n)
	}
}

// TestLoginLimitPerIP: one address gets 20 rapid attempts whatever the
// e-mails; other addresses are unaffected.
func TestLoginLimitPerIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const ip = "203.0.113.9"
	for i := range ipBurst {
		if _, err := f.login(t, fmt.Sprintf("guess%02d@example.com", i), "wrong-password", ip); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v, want bad credentials", i+1, err)
		}
	}
	if _, err := f.login(t, "ann@example.com", annPassword, ip); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("attempt %d from one address: %v, want too many attempts", ipBurst+1, err)
	}
	if _, err := f.login(t, "ann@example.com", annPassword, "198.51.100.7"); err != nil {
		t.Fatalf("another address: %v, want a successful sign-in", err)
	}
	f.clock.Advance(ipEvery)
	if _, err := f.login(t, "ann@example.com", annPassword, ip); err != nil {
		t.Fatalf("after %v: %v, want a successful sign-in", ipEvery, err)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(SessionTTL - time.Millisecond)
	if _, err := f.svc.Authenticate(t.Context(), tok); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	f.clock.Advance(time.Millisecond)
	if _, err := f.svc.Authenticate(t.Context(), tok); !errors.Is(err, ErrNoSession) {
		t.Fatalf("at expiry: %v, want ErrNoSession", err)
	}
	for _, bad := range []string{"", "not-a-token", HashToken(tok)} {
		if _, err := f.svc.Authenticate(t.Context(), bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("Authenticate(%q): %v, want ErrNoSession", bad, err)
		}
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	t1, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := f.login(t, "ann@example.com", annPassword, "203.0.113.6")
	if err != nil {
		t.Fatal(err)
	}
	p1, err := f.svc.Authenticate(ctx, t1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, p1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, t1); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after logout: %v, want ErrNoSession", err)
	}
	if _, err := f.svc.Authenticate(ctx, t2); err != nil {
		t.Fatalf("the other session after logout: %v", err)
	}
}

func TestChangePasswordRevokesOtherSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	here, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	there, err := f.login(t, "ann@example.com", annPassword, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Authenticate(ctx, here)
	if err != nil {
		t.Fatal(err)
	}

	refusals := []struct {
		name, current, next, code, field string
	}{
		{"wrong current password", "not-my-password", "brand-new-password", "wrong_password", "current_password"},
		{"new password too short", annPassword, "short", "password_too_short", "new_password"},
	}
	for _, c := range refusals {
		err := f.svc.ChangePassword(ctx, p, c.current, c.next, "203.0.113.5")
		if e := apperr.From(err); err == nil || e.Kind != apperr.Invalid || e.Code != c.code || e.Field != c.field {
			t.Fatalf("%s: %v, want invalid %s on %s", c.name, err, c.code, c.field)
		}
		if _, err := f.svc.Authenticate(ctx, there); err != nil {
			t.Fatalf("%s revoked the other session: %v", c.name, err)
		}
	}

	if err := f.svc.ChangePassword(ctx, p, annPassword, "brand-new-password", "203.0.113.5"); err != nil {
		t.Fatalf("change password: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, here); err != nil {
		t.Fatalf("the session that changed the password: %v, want it kept", err)
	}
	if _, err := f.svc.Authenticate(ctx, there); !errors.Is(err, ErrNoSession) {
		t.Fatalf("the other session: %v, want it revoked", err)
	}
	f.clock.Advance(time.Minute) // the attempts above used up the e-mail's burst
	if _, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password: %v, want bad credentials", err)
	}
	if _, err := f.login(t, "ann@example.com", "brand-new-password", "203.0.113.5"); err != nil {
		t.Fatalf("new password: %v", err)
	}
}

// TestChangePasswordIsRateLimited: the current-password check cannot be
// used to guess a password faster than sign-in allows.
func TestChangePasswordIsRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	tok, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pairBurst {
		if err := f.svc.ChangePassword(ctx, p, "guess-number-"+fmt.Sprint(i), "brand-new-password", "203.0.113.5"); apperr.From(err).Code != "wrong_password" {
			t.Fatalf("guess %d: %v, want wrong_password", i+1, err)
		}
	}
	if err := f.svc.ChangePassword(ctx, p, annPassword, "brand-new-password", "203.0.113.5"); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("after %d rapid guesses: %v, want too many attempts", pairBurst, err)
	}
	// The guesses count against sign-in from that address too.
	if _, err := f.login(t, "ann@example.com", annPassword, "203.0.113.5"); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("sign-in after the guesses: %v, want too many attempts", err)
	}
	f.clock.Advance(pairEvery)
	if err := f.svc.ChangePassword(ctx, p, annPassword, "brand-new-password", "203.0.113.5"); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
}

// TestParallelGuessesAreCharged: guesses sent at once from one address
// get no more password checks than the documented five (each is charged
// before its check, and given back only when right).
func TestParallelGuessesAreCharged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 20
	results := make(chan error, n)
	for range n {
		go func() {
			_, err := f.login(t, "ann@example.com", "wrong-password", "203.0.113.40")
			results <- err
		}()
	}
	checked := 0
	for range n {
		if errors.Is(<-results, ErrBadCredentials) {
			checked++
		}
	}
	if checked != pairBurst {
		t.Fatalf("%d of %d parallel guesses were checked, want %d", checked, n, pairBurst)
	}
}

// TestOwnerChangesPasswordUnderAttack: failures on the account from many
// addresses do not stop its signed-in owner from changing the password.
func TestOwnerChangesPasswordUnderAttack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok, err := f.login(t, "ann@example.com", annPassword, "198.51.100.77")
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Authenticate(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range accountBurst + 5 {
		f.login(t, "ann@example.com", "wrong-password", fmt.Sprintf("203.0.113.%d", 100+i)) //nolint:errcheck
	}
	if err := f.svc.ChangePassword(t.Context(), p, annPassword, "a brand new passphrase", "198.51.100.77"); err != nil {
		t.Fatalf("the owner's password change under attack: %v", err)
	}
}
