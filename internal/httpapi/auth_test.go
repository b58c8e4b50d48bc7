package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/config"
)

func login(t *testing.T, s *apptest.Server, email, password string) (*http.Response, []byte) {
	t.Helper()
	req := s.NewRequest(t, "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "livedesk_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", resp.Header.Values("Set-Cookie"))
	return nil
}

func TestLoginSetsASafeCookie(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	resp, _ := login(t, s, "  Owner@Example.com ", s.AdminPassword)
	if resp.StatusCode != 200 {
		t.Fatalf("login with the configured admin credentials: %d", resp.StatusCode)
	}
	c := sessionCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure ||
		c.MaxAge != int(auth.SessionTTL/time.Second) || len(c.Value) < 43 {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http, 14 days", c)
	}
}

func TestLoginCookieIsSecureBehindHTTPS(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, apptest.Configure(func(c *config.Config) { c.PublicURL = "https://desk.example.com" }))
	resp, _ := login(t, s, s.AdminEmail, s.AdminPassword)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if c := sessionCookie(t, resp); !c.Secure || !c.HttpOnly {
		t.Fatalf("cookie %+v: want Secure and HttpOnly when the public URL is https", c)
	}
}

func TestLoginScenarios(t *testing.T) {
	t.Parallel()
	eachDatabase(t, func(t *testing.T, opts ...apptest.Option) {
		e := newEnv(t, opts...)
		creds := func(email, password string) map[string]string {
			return map[string]string{"email": email, "password": password}
		}
		e.run(t, []scenario{
			{name: "the configured admin credentials", method: "POST", path: "/api/v1/auth/login",
				body: creds(apptest.AdminEmail, apptest.AdminPassword), status: 200,
				has: []string{`"agent":{`, `"email":"owner@example.com"`, `"role":"owner"`}, hasNot: []string{"password", "argon2"}},
			{name: "a wrong password", method: "POST", path: "/api/v1/auth/login", body: creds(apptest.AdminEmail, "wrong password"),
				status: 401, code: "invalid_credentials"},
			{name: "an unknown e-mail", method: "POST", path: "/api/v1/auth/login", body: creds("nobody@example.com", apptest.AdminPassword),
				status: 401, code: "invalid_credentials"},
			{name: "no password", method: "POST", path: "/api/v1/auth/login", body: creds(apptest.AdminEmail, ""),
				status: 400, code: "missing_credentials"},
			{name: "another workspace's owner signs in to their own", method: "POST", path: "/api/v1/auth/login",
				body: creds("owner@b.example", "password-of-b-owner"), status: 200, has: []string{`"email":"owner@b.example"`}},
		})
	})
}

// TestLoginRateLimit: five rapid wrong passwords for one e-mail get 401,
// the sixth attempt 429 — even with the right password — until the clock
// has refilled an attempt.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	try := func(password string) (int, apptest.Error, http.Header) {
		req := s.NewRequest(t, "POST", "/api/v1/auth/login", map[string]string{"email": s.AdminEmail, "password": password})
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apptest.Error
		if resp.StatusCode != 200 {
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			e = apptest.Decode[apptest.Error](t, body)
		}
		return resp.StatusCode, e, resp.Header
	}
	for i := range 5 {
		if status, e, _ := try("wrong password"); status != 401 || e.Error.Code != "invalid_credentials" {
			t.Fatalf("attempt %d: %d %+v, want 401 invalid_credentials", i+1, status, e)
		}
	}
	status, e, h := try(s.AdminPassword)
	if status != http.StatusTooManyRequests || e.Error.Code != "too_many_attempts" || h.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d %+v Retry-After %q, want 429 too_many_attempts with Retry-After", status, e, h.Get("Retry-After"))
	}
	s.Clock.Advance(12 * time.Second)
	if status, e, _ := try(s.AdminPassword); status != 200 {
		t.Fatalf("after 12 s: %d %+v, want 200", status, e)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Admin(t)
	u, _ := url.Parse(s.URL)
	var token string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "livedesk_session" {
			token = ck.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie after login")
	}
	if status, body := s.Do(t, c, "GET", "/api/v1/me", nil); status != 200 {
		t.Fatalf("me: %d %s", status, body)
	}
	req := s.NewRequest(t, "POST", "/api/v1/auth/logout", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if ck := sessionCookie(t, resp); ck.MaxAge >= 0 || ck.Value != "" {
		t.Fatalf("logout cookie %+v: want it cleared", ck)
	}
	// The server forgot the session: replaying the old cookie fails.
	replay := s.NewRequest(t, "GET", "/api/v1/me", nil)
	replay.AddCookie(&http.Cookie{Name: "livedesk_session", Value: token})
	status, body := s.Send(t, http.DefaultClient, replay)
	if e := apptest.Decode[apptest.Error](t, body); status != 401 || e.Error.Code != "unauthenticated" {
		t.Fatalf("the old cookie after logout: %d %s, want 401 unauthenticated", status, body)
	}
	if status, _ := s.Do(t, c, "POST", "/api/v1/auth/logout", nil); status != 401 {
		t.Fatalf("logout twice: %d, want 401", status)
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Admin(t)
	s.Clock.Advance(auth.SessionTTL - time.Second)
	if status, _ := s.Do(t, c, "GET", "/api/v1/me", nil); status != 200 {
		t.Fatalf("a day before expiry: %d", status)
	}
	s.Clock.Advance(time.Second)
	if status, _ := s.Do(t, c, "GET", "/api/v1/me", nil); status != 401 {
		t.Fatalf("at expiry: %d, want 401", status)
	}
}

// TestPasswordChange: changing the password keeps the session that did it
// and signs every other session out.
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.srv
	e.as["there"] = s.Admin(t) // a second session of the owner
	const newPassword = "a brand new passphrase"
	e.run(t, []scenario{
		{name: "nobody", method: "POST", path: "/api/v1/auth/password",
			body: map[string]string{"current_password": apptest.AdminPassword, "new_password": newPassword}, status: 401, code: "unauthenticated"},
		{name: "a wrong current password", as: "owner", method: "POST", path: "/api/v1/auth/password",
			body:   map[string]string{"current_password": "wrong password", "new_password": newPassword},
			status: 400, code: "wrong_password", field: "current_password"},
		{name: "a short new password", as: "owner", method: "POST", path: "/api/v1/auth/password",
			body:   map[string]string{"current_password": apptest.AdminPassword, "new_password": "short"},
			status: 400, code: "password_too_short", field: "new_password"},
		{name: "the other session survived the refusals", as: "there", method: "GET", path: "/api/v1/me", status: 200},
		{name: "change it", as: "owner", method: "POST", path: "/api/v1/auth/password",
			body: map[string]string{"current_password": apptest.AdminPassword, "new_password": newPassword}, status: 204},
		{name: "this session lives on", as: "owner", method: "GET", path: "/api/v1/me", status: 200},
		{name: "the other session is revoked", as: "there", method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
	})
	// Sign-ins and password checks share one budget per e-mail; let it refill.
	s.Clock.Advance(time.Minute)
	e.run(t, []scenario{
		{name: "the old password is refused", method: "POST", path: "/api/v1/auth/login",
			body: map[string]string{"email": apptest.AdminEmail, "password": apptest.AdminPassword}, status: 401, code: "invalid_credentials"},
		{name: "the new password signs in", method: "POST", path: "/api/v1/auth/login",
			body: map[string]string{"email": apptest.AdminEmail, "password": newPassword}, status: 200},
	})
}

// TestLoginLimitPerAddress: one address gets 20 rapid attempts, whatever
// e-mails it tries and whatever X-Forwarded-For it claims. Behind a trusted
// proxy the address is the one the proxy appended (the last entry), since
// everything before it is the client's own claim.
func TestLoginLimitPerAddress(t *testing.T) {
	t.Parallel()
	for _, trust := range []bool{false, true} {
		t.Run(map[bool]string{false: "direct", true: "behind a trusted proxy"}[trust], func(t *testing.T) {
			t.Parallel()
			s := apptest.New(t, apptest.Configure(func(c *config.Config) { c.TrustProxy = trust }))
			c := s.Client(t)
			attempt := func(i int, xff string) int {
				req := s.NewRequest(t, "POST", "/api/v1/auth/login",
					map[string]string{"email": fmt.Sprintf("guess%02d@example.com", i), "password": "wrong password"})
				req.Header.Set("X-Forwarded-For", xff)
				status, _ := s.Send(t, c, req)
				return status
			}
			for i := range 20 {
				// A spoofed first entry differs every time; the proxy's
				// entry (the real client) does not.
				if status := attempt(i, fmt.Sprintf("10.0.0.%d, 203.0.113.9", i)); status != 401 {
					t.Fatalf("attempt %d: %d, want 401", i+1, status)
				}
			}
			if status := attempt(20, "10.0.0.99, 203.0.113.9"); status != http.StatusTooManyRequests {
				t.Fatalf("attempt 21 from one address: %d, want 429", status)
			}
			want := 401 // another client behind the proxy is not limited
			if !trust {
				want = http.StatusTooManyRequests // without trust every request is the proxy's (the peer's)
			}
			if status := attempt(21, "203.0.113.10"); status != want {
				t.Fatalf("another client: %d, want %d", status, want)
			}
		})
	}
}

// TestPasswordChangeIsRateLimited: a stolen session cannot use the
// current-password check to guess the password.
func TestPasswordChangeIsRateLimited(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Admin(t) // a success costs nothing
	for i := range 5 {
		status, body := s.Do(t, c, "POST", "/api/v1/auth/password",
			map[string]string{"current_password": fmt.Sprintf("guess %d", i), "new_password": "a brand new passphrase"})
		if status != 400 {
			t.Fatalf("guess %d: %d %s, want 400", i+1, status, body)
		}
	}
	status, body := s.Do(t, c, "POST", "/api/v1/auth/password",
		map[string]string{"current_password": s.AdminPassword, "new_password": "a brand new passphrase"})
	if e := apptest.Decode[apptest.Error](t, body); status != http.StatusTooManyRequests || e.Error.Code != "too_many_attempts" {
		t.Fatalf("6th attempt: %d %s, want 429 too_many_attempts", status, body)
	}
}
