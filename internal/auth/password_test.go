package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/querytel/livedesk/internal/apperr"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the documented parameters", h)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("CheckPassword of the default hash = %v, %v", ok, err)
	}
	// The rest does not depend on the cost: TestHasher keeps it cheap.
	h, err = TestHasher.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q does not carry TestHasher's parameters", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("the hash contains the password")
	}
	for pw, want := range map[string]bool{
		"correct horse battery":  true,
		"correct horse battery ": false,
		"Correct horse battery":  false,
		"":                       false,
	} {
		ok, err := CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, err := TestHasher.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// TestCheckPasswordHonoursStoredParameters: a hash made with other
// parameters (an older or newer cost) still verifies, because they are read
// from the hash.
func TestCheckPasswordHonoursStoredParameters(t *testing.T) {
	t.Parallel()
	h := cheapHash("password")
	ok, err := CheckPassword(h, "password")
	if err != nil || !ok {
		t.Fatalf("CheckPassword with cheaper stored parameters = %v, %v", ok, err)
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	t.Parallel()
	good, err := HashPassword("whatever-long")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	cases := map[string]string{
		"empty":             "",
		"bcrypt":            "$2a$10$abcdefghijklmnopqrstuuJz8e7YyNLwSjRf0ZVBeqkP9lGy8aG6a",
		"argon2i":           strings.Replace(good, "argon2id", "argon2i", 1),
		"wrong version":     strings.Replace(good, "v=19", "v=16", 1),
		"garbled params":    strings.Join([]string{"", parts[1], parts[2], "m=x,t=2,p=1", parts[4], parts[5]}, "$"),
		"salt not base64":   strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"key not base64":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "%%%"}, "$"),
		"too few fields":    strings.Join(parts[:5], "$"),
		"plain text stored": "whatever-long",
		"zero rounds":       strings.Replace(good, "t=2", "t=0", 1),
		"zero lanes":        strings.Replace(good, "p=1", "p=0", 1),
		"empty key":         strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], ""}, "$"),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, err := CheckPassword(h, "whatever-long")
			if ok || !errors.Is(err, errBadHash) {
				t.Fatalf("CheckPassword(%q) = %v, %v; want false, errBadHash", h, ok, err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pw   string
		code string
	}{
		{"", "password_too_short"},
		{"123456789", "password_too_short"},
		{"ääääääääö", "password_too_short"}, // 9 characters, 18 bytes: length counts characters
		{"1234567890", ""},
		{"äääääääääö", ""},
		{strings.Repeat("x", 512), ""},
		{strings.Repeat("x", 513), "password_too_long"},
	}
	for _, c := range cases {
		err := ValidatePassword(c.pw)
		if c.code == "" {
			if err != nil {
				t.Errorf("ValidatePassword(%d chars) = %v, want nil", len([]rune(c.pw)), err)
			}
			continue
		}
		e := apperr.From(err)
		if err == nil || e.Kind != apperr.Invalid || e.Code != c.code || e.Field != "password" {
			t.Errorf("ValidatePassword(%d chars) = %v, want invalid %s on password", len([]rune(c.pw)), err, c.code)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		tok := RandomToken(32)
		if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
			t.Fatalf("RandomToken(32) = %q: want 43 base64url characters", tok)
		}
		if seen[tok] {
			t.Fatal("RandomToken repeated itself")
		}
		seen[tok] = true
	}
	if pw := GeneratePassword(); len(pw) != 24 || ValidatePassword(pw) != nil {
		t.Fatalf("GeneratePassword() = %q: want 24 characters that pass ValidatePassword", pw)
	}
	h := HashToken("abc")
	if h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashToken(abc) = %s, want the hex SHA-256", h)
	}
}

// cheapHash is argon2id(pw) with t=1, m=8 MiB: parameters other than the
// current ones, as an older binary might have written.
func cheapHash(pw string) string {
	salt := []byte("somesaltsomesalt")
	key := argon2.IDKey([]byte(pw), salt, 1, 8*1024, 1, 32)
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=8192,t=1,p=1$%s$%s", b.EncodeToString(salt), b.EncodeToString(key))
}
