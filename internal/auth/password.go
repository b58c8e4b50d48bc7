package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

const (
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Hasher hashes passwords with argon2id at a fixed cost. The cost is
// written into each hash, so CheckPassword verifies a hash of any cost and
// raising it later keeps old hashes valid. The zero Hasher is DefaultHasher.
type Hasher struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
}

// DefaultHasher is OWASP's 2024 argon2id baseline (19 MiB, 2 passes, 1
// lane): about 25 ms per hash on this class of machine.
var DefaultHasher = Hasher{Time: 2, MemoryKiB: 19 * 1024}

// TestHasher costs about a hundredth of DefaultHasher. It exists so test
// suites that sign in hundreds of times stay fast; a server never uses it
// (app.Options.Hasher is set only by tests).
var TestHasher = Hasher{Time: 1, MemoryKiB: 64}

func (h Hasher) orDefault() Hasher {
	if h.Time == 0 || h.MemoryKiB == 0 {
		return DefaultHasher
	}
	return h
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// HashPassword returns a PHC-formatted argon2id hash of pw at the
// default cost.
func HashPassword(pw string) (string, error) { return DefaultHasher.Hash(pw) }

// Hash returns a PHC-formatted argon2id hash of pw at h's cost.
func (h Hasher) Hash(pw string) (string, error) {
	h = h.orDefault()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, h.Time, h.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.MemoryKiB, h.Time, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether pw matches hash, in constant time.
func CheckPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m uint32
	var t uint32
	var p uint8
	// argon2.IDKey panics on zero rounds or lanes, so a corrupt stored hash
	// must be refused here rather than crash the sign-in.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t < 1 || p < 1 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// RandomToken returns n random bytes, base64url-encoded without padding.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ panics
		// itself rather than return an error).
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// GeneratePassword returns a random password for a first start or a reset:
// 18 random bytes, 24 characters.
func GeneratePassword() string { return RandomToken(18) }
