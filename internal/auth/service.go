package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// SessionTTL is how long a desk session lasts from sign-in.
const SessionTTL = 14 * 24 * time.Hour

// Login attempts: a burst of 5 per e-mail and 20 per IP, refilling one every
// 12 s (5 a minute) and 3 s. The 6th rapid attempt on one e-mail gets 429.
const (
	emailBurst, emailEvery = 5, 12 * time.Second
	ipBurst, ipEvery       = 20, 3 * time.Second
)

// Store is what auth needs from the database.
type Store interface {
	AgentByEmail(ctx context.Context, email string) (store.Agent, error)
	CreateSession(ctx context.Context, s store.Session) error
	SessionAgent(ctx context.Context, tokenHash string, now time.Time) (store.Session, store.Agent, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	SetAgentPassword(ctx context.Context, workspaceID, id, hash, keepSession string, now time.Time) error
}

// Service signs agents in and out.
type Service struct {
	store   Store
	clock   clock.Clock
	byEmail *limiter
	byIP    *limiter
	// dummyHash is checked against when the e-mail is unknown, so a wrong
	// e-mail costs the same time as a wrong password and e-mails cannot be
	// discovered by timing.
	dummyHash string
	hasher    Hasher
}

// New returns a Service that hashes new passwords with h (zero:
// DefaultHasher).
func New(st Store, clk clock.Clock, h Hasher) *Service {
	h = h.orDefault()
	dummy, err := h.Hash(RandomToken(16))
	if err != nil {
		panic(err)
	}
	return &Service{
		store: st, clock: clk,
		byEmail:   newLimiter(emailEvery, emailBurst),
		byIP:      newLimiter(ipEvery, ipBurst),
		dummyHash: dummy,
		hasher:    h,
	}
}

// Principal is a signed-in agent and the session it came with.
type Principal struct {
	Agent     store.Agent
	TokenHash string
}

// Actor is the principal as the domains see it.
func (p Principal) Actor() Actor {
	return Actor{WorkspaceID: p.Agent.WorkspaceID, AgentID: p.Agent.ID, Name: p.Agent.Name, Role: Role(p.Agent.Role)}
}

// ErrBadCredentials is returned for a wrong e-mail or password, alike.
var ErrBadCredentials = apperr.New(apperr.Unauthorized, "invalid_credentials", "e-mail or password is wrong")

// ErrTooManyAttempts is returned when the login rate limit is hit.
var ErrTooManyAttempts = apperr.New(apperr.RateLimited, "too_many_attempts", "too many sign-in attempts; wait a minute")

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
	// Both buckets are charged, so neither one address nor one e-mail can
	// be hammered.
	okIP := s.byIP.allow(ip, now)
	okEmail := s.byEmail.allow(email, now)
	if !okIP || !okEmail {
		return "", store.Agent{}, ErrTooManyAttempts
	}
	a, err := s.store.AgentByEmail(ctx, email)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			CheckPassword(s.dummyHash, password) //nolint:errcheck // timing only
			return "", store.Agent{}, ErrBadCredentials
		}
		return "", store.Agent{}, fmt.Errorf("auth: login: %w", err)
	}
	ok, err := CheckPassword(a.PasswordHash, password)
	if err != nil {
		return "", store.Agent{}, fmt.Errorf("auth: login %s: %w", a.ID, err)
	}
	if !ok {
		return "", store.Agent{}, ErrBadCredentials
	}
	token := RandomToken(32)
	err = s.store.CreateSession(ctx, store.Session{
		TokenHash: HashToken(token), WorkspaceID: a.WorkspaceID, AgentID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL), UserAgent: truncate(userAgent, 256), IP: ip,
	})
	if err != nil {
		return "", store.Agent{}, fmt.Errorf("auth: login: %w", err)
	}
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

// Logout revokes the principal's session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if err := s.store.DeleteSession(ctx, p.TokenHash); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// ChangePassword checks the current password, stores the new one and
// revokes every other session of the agent.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	// Checking the current password is a password oracle like sign-in, so
	// it draws on the same per-e-mail budget: a stolen session must not be
	// able to guess the password and then lock the owner out.
	if !s.byEmail.allow(store.NormalizeEmail(p.Agent.Email), s.clock.Now()) {
		return ErrTooManyAttempts
	}
	ok, err := CheckPassword(p.Agent.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if !ok {
		return apperr.Invalidf("current_password", "wrong_password", "the current password is wrong")
	}
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
	return s.store.SetAgentPassword(ctx, p.Agent.WorkspaceID, p.Agent.ID, h, p.TokenHash, s.clock.Now())
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return apperr.Invalidf("password", "password_too_short", "a password needs at least %d characters", MinPasswordLen)
	}
	if len(pw) > 512 {
		return apperr.Invalidf("password", "password_too_long", "a password may have at most 512 bytes")
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
