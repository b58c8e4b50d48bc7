package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/clientip"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/ratelimit"
	"github.com/querytel/livedesk/internal/store"
)

// SessionTTL is how long a desk session lasts from sign-in.
const SessionTTL = 14 * 24 * time.Hour

// Sign-in limits, as token buckets on the injected clock:
//
//   - per client address: 20 attempts, one more every 3 s, charged by
//     every attempt (each costs an argon2 hash);
//   - per e-mail and address: 5 failures, one more every 12 s: the 6th
//     rapid attempt from one address on one account gets 429, even with
//     the right password;
//   - per e-mail from anywhere: 20 failures, one more every 12 s, so a
//     guesser spread over many addresses still gets 5 a minute. An address
//     the account already holds a live session from is not held back by
//     this one: an attacker's failures cannot lock the owner out of a
//     known address (the targeted lockout of a per-account limit alone).
//
// Failures, not attempts, are charged per account, so signing in often
// costs nothing. E-mails over 254 bytes are refused before any bucket is
// made, and each limiter's memory is bounded (ratelimit.MaxKeys).
const (
	ipBurst, ipEvery           = 20, 3 * time.Second
	pairBurst, pairEvery       = 5, 12 * time.Second
	accountBurst, accountEvery = 20, 12 * time.Second
	maxEmailLen                = 254 // RFC 5321's path limit
)

// Store is what auth needs from the database.
type Store interface {
	AgentByEmail(ctx context.Context, email string) (store.Agent, error)
	CreateSession(ctx context.Context, s store.Session) error
	SessionAgent(ctx context.Context, tokenHash string, now time.Time) (store.Session, store.Agent, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	SetAgentPassword(ctx context.Context, workspaceID, id, hash, keepSession string, now time.Time) error
	SignedInFrom(ctx context.Context, workspaceID, agentID, ip string, now time.Time) (bool, error)
	APIKeyByHash(ctx context.Context, tokenHash string) (store.APIKey, error)
	TouchAPIKey(ctx context.Context, workspaceID, id string, now time.Time) error
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
}

// Recorder keeps the audit log of security-relevant actions (package
// audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor Actor, action, targetType, targetID string, detail map[string]any)
}

// Service signs agents in and out.
type Service struct {
	store     Store
	clock     clock.Clock
	byIP      *ratelimit.Keyed // every attempt
	byPair    *ratelimit.Keyed // failures, by e-mail and address
	byAccount *ratelimit.Keyed // failures, by e-mail
	// dummyHash is checked against when the e-mail is unknown, so a wrong
	// e-mail costs the same time as a wrong password and e-mails cannot be
	// discovered by timing.
	dummyHash string
	hasher    Hasher
	audit     Recorder
}

// New returns a Service that hashes new passwords with h (zero:
// DefaultHasher).
func New(st Store, clk clock.Clock, h Hasher, rec Recorder) *Service {
	h = h.orDefault()
	dummy, err := h.Hash(RandomToken(16))
	if err != nil {
		panic(err)
	}
	return &Service{
		store: st, clock: clk,
		byIP:      ratelimit.New(ipEvery, ipBurst),
		byPair:    ratelimit.New(pairEvery, pairBurst),
		byAccount: ratelimit.New(accountEvery, accountBurst),
		dummyHash: dummy,
		hasher:    h,
		audit:     rec,
	}
}

// Principal is a signed-in agent and the session it came with, or an API
// key and the agent whose rights it acts with (its maker).
type Principal struct {
	Agent     store.Agent
	TokenHash string
	Key       *store.APIKey // set for a request with an API key
	IP        string        // the client's address, set by the transport
}

// Actor is the principal as the domains see it.
func (p Principal) Actor() Actor {
	return Actor{WorkspaceID: p.Agent.WorkspaceID, AgentID: p.Agent.ID, Name: p.Agent.Name, Role: Role(p.Agent.Role), Grants: GrantsOf(p.Agent), IP: p.IP}
}

// GrantsOf is an agent's stored grants as permissions: names that are not
// (or no longer) grantable are left out.
func GrantsOf(a store.Agent) []Permission {
	var out []Permission
	for _, n := range a.Grants {
		if p := Permission(n); slices.Contains(Grantable, p) {
			out = append(out, p)
		}
	}
	return out
}

// ErrBadCredentials is returned for a wrong e-mail or password, alike.
var ErrBadCredentials = apperr.New(apperr.Unauthorized, "invalid_credentials", "e-mail or password is wrong")

// ErrTooManyAttempts is returned when the login rate limit is hit.
var ErrTooManyAttempts = apperr.New(apperr.RateLimited, "too_many_attempts", "too many sign-in attempts; wait a minute")

// ErrDisabled refuses the right password of a disabled account.
var ErrDisabled = apperr.New(apperr.Forbidden, "account_disabled", "this account is disabled; ask an admin of your workspace")

// ErrNoSession is returned for a missing, unknown or expired session.
var ErrNoSession = apperr.New(apperr.Unauthorized, "unauthenticated", "sign in first")

// Login checks credentials and returns a new session token (to set as a
// cookie) and the agent.
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent string) (string, store.Agent, error) {
	now := s.clock.Now()
	email = store.NormalizeEmail(email)
	if email == "" || password == "" {
		return "", store.Agent{}, apperr.Invalidf("email", "missing_credentials", "e-mail and password are required")
	}
	if len(email) > maxEmailLen || len(password) > maxPasswordBytes {
		return "", store.Agent{}, ErrBadCredentials // no account has one: nothing to count
	}
	key := clientip.Key(ip) // an IPv6 client's /64: it could rotate within it
	pair := email + "\x00" + key
	if !s.byIP.Allow(key, now) {
		return "", store.Agent{}, ErrTooManyAttempts
	}
	// The failure tokens are taken before the password is checked and given
	// back when it is right: parallel guesses cannot all pass a check made
	// before any of them was charged.
	pairBack, ok := s.byPair.Hold(pair, now)
	if !ok {
		return "", store.Agent{}, ErrTooManyAttempts
	}
	a, err := s.store.AgentByEmail(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		pairBack()
		return "", store.Agent{}, fmt.Errorf("auth: login: %w", err)
	}
	accountBack, held := s.byAccount.Hold(email, now)
	if !held {
		known := false
		if found {
			if known, err = s.store.SignedInFrom(ctx, a.WorkspaceID, a.ID, ip, now); err != nil {
				pairBack()
				return "", store.Agent{}, fmt.Errorf("auth: login: %w", err)
			}
		}
		if !known {
			pairBack()
			return "", store.Agent{}, ErrTooManyAttempts
		}
		accountBack = func() {} // a known address: the account's budget is not drawn on
	}
	ok = false
	if found {
		if ok, err = CheckPassword(a.PasswordHash, password); err != nil {
			return "", store.Agent{}, fmt.Errorf("auth: login %s: %w", a.ID, err)
		}
	} else {
		CheckPassword(s.dummyHash, password) //nolint:errcheck // the same time as a wrong password
	}
	if !ok {
		if found {
			s.record(ctx, Actor{WorkspaceID: a.WorkspaceID, IP: ip}, "sign_in_failed", "agent", a.ID, nil)
		}
		return "", store.Agent{}, ErrBadCredentials
	}
	pairBack()
	accountBack()
	if a.Disabled {
		// Said only to whoever knows the password: it reveals nothing more.
		return "", store.Agent{}, ErrDisabled
	}
	token := RandomToken(32)
	err = s.store.CreateSession(ctx, store.Session{
		TokenHash: HashToken(token), WorkspaceID: a.WorkspaceID, AgentID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL), UserAgent: truncate(userAgent, 256), IP: ip,
	})
	if err != nil {
		return "", store.Agent{}, fmt.Errorf("auth: login: %w", err)
	}
	s.record(ctx, Principal{Agent: a, IP: ip}.Actor(), "sign_in", "agent", a.ID, nil)
	return token, a, nil
}

// Authenticate returns the principal behind a session token.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNoSession
	}
	h := HashToken(token)
	_, a, err := s.store.SessionAgent(ctx, h, s.clock.Now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, ErrNoSession
		}
		return Principal{}, fmt.Errorf("auth: authenticate: %w", err)
	}
	return Principal{Agent: a, TokenHash: h}, nil
}

// KeyPrefix starts every API key's token: it tells a key from a
// session's token, and secret scanners can spot one.
const KeyPrefix = "ld_"

// ErrBadKey is returned for an unknown, malformed or revoked API key, and
// a key whose maker was disabled.
var ErrBadKey = apperr.New(apperr.Unauthorized, "invalid_api_key", "the API key is unknown or revoked")

// keyTouchEvery bounds how often a key's last-used time is written: a
// busy integration would otherwise write on every request.
const keyTouchEvery = time.Minute

// AuthenticateKey resolves an API key's token. The key is read on every
// request, so a revoked key stops working at once on every node.
func (s *Service) AuthenticateKey(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, KeyPrefix) || len(token) > 128 {
		return Principal{}, ErrBadKey
	}
	k, err := s.store.APIKeyByHash(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadKey
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: api key: %w", err)
	}
	a, err := s.store.GetAgent(ctx, k.WorkspaceID, k.AgentID)
	// A key is an owner's or admin's: one whose maker was disabled,
	// removed or made a supervisor or agent works no more (revoke it and
	// make another).
	if errors.Is(err, store.ErrNotFound) || err == nil && (a.Disabled || !Role(a.Role).Has(ManageWorkspace)) {
		return Principal{}, ErrBadKey
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: api key's agent: %w", err)
	}
	if now := s.clock.Now(); k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= keyTouchEvery {
		// Best effort: the time is a hint for admins, never a reason to
		// refuse a request.
		_ = s.store.TouchAPIKey(ctx, k.WorkspaceID, k.ID, now)
	}
	return Principal{Agent: a, Key: &k}, nil
}

// Logout revokes the principal's session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if err := s.store.DeleteSession(ctx, p.TokenHash); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// ChangePassword checks the current password, stores the new one and
// revokes every other session of the agent.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next, ip string) error {
	// Checking the current password is a password oracle like sign-in, so
	// its failures draw on the sign-in budgets: a stolen session must not
	// be able to guess the password. It is held back by its own address's
	// budget only, not by failures from elsewhere: the session already
	// proves who is asking, and an attack on the account must not stop
	// its owner from changing the password.
	now := s.clock.Now()
	email := store.NormalizeEmail(p.Agent.Email)
	pair := email + "\x00" + clientip.Key(ip)
	pairBack, held := s.byPair.Hold(pair, now)
	if !held {
		return ErrTooManyAttempts
	}
	ok, err := CheckPassword(p.Agent.PasswordHash, current)
	if err != nil {
		pairBack()
		return fmt.Errorf("auth: change password: %w", err)
	}
	if !ok {
		s.byAccount.Take(email, now)
		s.record(ctx, Actor{WorkspaceID: p.Agent.WorkspaceID, AgentID: p.Agent.ID, Name: p.Agent.Name, IP: ip}, "password_check_failed", "agent", p.Agent.ID, nil)
		return apperr.Invalidf("current_password", "wrong_password", "the current password is wrong")
	}
	pairBack()
	if err := ValidatePassword(next); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) {
			e.Field = "new_password"
		}
		return err
	}
	h, err := s.hasher.Hash(next)
	if err != nil {
		return err
	}
	if err := s.store.SetAgentPassword(ctx, p.Agent.WorkspaceID, p.Agent.ID, h, p.TokenHash, s.clock.Now()); err != nil {
		return err
	}
	actor := p.Actor()
	actor.IP = ip
	s.record(ctx, actor, "password_changed", "agent", p.Agent.ID, nil)
	return nil
}

func (s *Service) record(ctx context.Context, actor Actor, action, targetType, targetID string, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, actor, action, targetType, targetID, detail)
	}
}

// maxPasswordBytes bounds a password (argon2 hashes any length, but there
// is no reason to hash a megabyte).
const maxPasswordBytes = 512

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return apperr.Invalidf("password", "password_too_short", "a password needs at least %d characters", MinPasswordLen)
	}
	if len(pw) > maxPasswordBytes {
		return apperr.Invalidf("password", "password_too_long", "a password may have at most %d bytes", maxPasswordBytes)
	}
	return nil
}

// HashToken is how session and visitor tokens are stored: hex SHA-256.
// Tokens carry ≥128 random bits, so a fast hash is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// SessionCookie is the name of the desk's session cookie.
const SessionCookie = "livedesk_session"
