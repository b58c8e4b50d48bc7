package site

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string // want "" means refused
	}{
		{"https://example.com", "https://example.com"},
		{"  HTTPS://Shop.Example.COM  ", "https://shop.example.com"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://*.example.com", "https://*.example.com"},
		{"https://*.Example.com:8443", "https://*.example.com:8443"},
		// Browsers leave the default port out of Origin; so must the list,
		// or the origin would never match.
		{"https://example.com:443", "https://example.com"},
		{"http://example.com:80", "http://example.com"},
		{"http://example.com:443", "http://example.com:443"},
		{"https://*.example.com:443", "https://*.example.com"},

		{"", ""},
		{"example.com", ""},
		{"//example.com", ""},
		{"ftp://example.com", ""},
		{"javascript://example.com", ""},
		{"https://", ""},
		{"https://example.com/", ""},
		{"https://example.com/shop", ""},
		{"https://example.com?x=1", ""},
		{"https://example.com#top", ""},
		{"https://user@example.com", ""},
		{"https://ex*ample.com", ""},
		{"https://*.*.example.com", ""},
		{"https://*example.com", ""},
		{"*", ""},
	}
	for _, c := range cases {
		got, ok := normalizeOrigin(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	t.Parallel()
	open := store.Site{AllowedOrigins: []string{}}
	listed := store.Site{AllowedOrigins: []string{"https://shop.example", "http://localhost:3000", "https://*.example.com"}}
	cases := []struct {
		site   store.Site
		origin string
		want   bool
	}{
		{open, "https://anything.example", true}, // no list: any origin (the widget key is public)
		{listed, "https://shop.example", true},
		{listed, "https://SHOP.example", true},
		{listed, "http://shop.example", false},
		{listed, "https://shop.example:8443", false},
		{listed, "https://other.example", false},
		{listed, "http://localhost:3000", true},
		{listed, "http://localhost:3001", false},
		{listed, "https://a.example.com", true},
		{listed, "https://a.b.example.com", true},
		{listed, "https://example.com", false},
		{listed, "https://badexample.com", false},
		{listed, "https://a.example.com.evil.test", false},
		{listed, "http://a.example.com", false},
		{listed, "https://a.example.com:8443", false},
		{listed, "null", false},
		{listed, "", false},
	}
	for _, c := range cases {
		if got := OriginAllowed(c.site, c.origin); got != c.want {
			t.Errorf("OriginAllowed(%v, %q) = %v, want %v", c.site.AllowedOrigins, c.origin, got, c.want)
		}
	}
}

func TestVerifyIdentity(t *testing.T) {
	t.Parallel()
	st := store.Site{IdentitySecret: "site-secret"}
	mac := hmac.New(sha256.New, []byte("site-secret"))
	mac.Write([]byte("user-42"))
	good := hex.EncodeToString(mac.Sum(nil))
	other := hmac.New(sha256.New, []byte("another-secret"))
	other.Write([]byte("user-42"))

	cases := []struct {
		name       string
		site       store.Site
		externalID string
		hash       string
		want       bool
	}{
		{"correct", st, "user-42", good, true},
		{"correct, upper-case hex", st, "user-42", strings.ToUpper(good), true},
		{"another user's id", st, "user-43", good, false},
		{"signed with another secret", st, "user-42", hex.EncodeToString(other.Sum(nil)), false},
		{"truncated", st, "user-42", good[:32], false},
		{"not hex", st, "user-42", "zz" + good[2:], false},
		{"empty hash", st, "user-42", "", false},
		{"empty id", st, "", good, false},
		{"site without a secret", store.Site{}, "user-42", good, false},
	}
	for _, c := range cases {
		if got := VerifyIdentity(c.site, c.externalID, c.hash); got != c.want {
			t.Errorf("%s: VerifyIdentity = %v, want %v", c.name, got, c.want)
		}
	}
	if hex.EncodeToString(IdentityHash("site-secret", "user-42")) != good {
		t.Error("IdentityHash differs from HMAC-SHA256")
	}
}

type fixture struct {
	svc          *Service
	st           *store.Store
	owner, agent auth.Principal
	dept         store.Department
}

// withShop is a fixture with one site, "Shop", made by the owner.
func withShop(t *testing.T) (fixture, store.Site) {
	t.Helper()
	f := newFixture(t)
	st, err := f.svc.Create(t.Context(), f.owner.Actor(), Input{Name: ptr("Shop")})
	if err != nil {
		t.Fatal(err)
	}
	return f, st
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := storetest.SQLite(t)
	ctx := t.Context()
	ws, err := st.CreateWorkspace(ctx, "Acme", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	dept, err := st.CreateDepartment(ctx, ws.ID, "Sales", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	principal := func(role auth.Role) auth.Principal {
		return auth.Principal{Agent: store.Agent{ID: store.NewID(), WorkspaceID: ws.ID, Role: string(role)}}
	}
	return fixture{svc: New(st, clock.NewFake(storetest.Epoch), nil), st: st, owner: principal(auth.Owner),
		agent: principal(auth.Agent), dept: dept}
}

func ptr[T any](v T) *T { return &v }

func TestCreateSite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	st, err := f.svc.Create(ctx, f.owner.Actor(), Input{
		Name:           ptr("  Shop "),
		AllowedOrigins: &[]string{"HTTPS://Shop.Example", "https://*.example.com:443"},
		BusinessHours: &store.BusinessHours{Days: []store.OpenSpan{
			{Weekday: 0, Open: "00:00", Close: "24:00"}, {Weekday: 6, Open: "09:30", Close: "13:00"}}},
		DefaultDepartmentID: &f.dept.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "Shop" || strings.Join(st.AllowedOrigins, " ") != "https://shop.example https://*.example.com" ||
		st.BusinessHours.TimeZone != "UTC" || len(st.BusinessHours.Days) != 2 || st.DefaultDepartmentID != f.dept.ID {
		t.Fatalf("created %+v", st)
	}
	if !strings.HasPrefix(st.WidgetKey, "wk_") || len(st.WidgetKey) < 3+22 || len(st.IdentitySecret) < 43 {
		t.Fatalf("widget key %q / secret %q are not ≥128 / 256 random bits", st.WidgetKey, st.IdentitySecret)
	}
	second, err := f.svc.Create(ctx, f.owner.Actor(), Input{Name: ptr("Blog")})
	if err != nil {
		t.Fatal(err)
	}
	if second.WidgetKey == st.WidgetKey || second.IdentitySecret == st.IdentitySecret {
		t.Fatal("two sites share a key or a secret")
	}
}

func TestSiteInputErrors(t *testing.T) {
	t.Parallel()
	f, existing := withShop(t)
	ctx := t.Context()
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = "https://example.com"
	}
	hours := func(tz string, spans ...store.OpenSpan) *store.BusinessHours {
		return &store.BusinessHours{TimeZone: tz, Days: spans}
	}
	closed := func(days ...string) *store.BusinessHours {
		return &store.BusinessHours{TimeZone: "UTC", ClosedDays: days}
	}
	var tooManyDays []string
	for d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); len(tooManyDays) <= maxClosedDays; d = d.AddDate(0, 0, 1) {
		tooManyDays = append(tooManyDays, d.Format("2006-01-02"))
	}
	cases := []struct {
		name  string
		in    Input
		code  string
		field string
	}{
		{"no name", Input{}, "required", "name"},
		{"blank name", Input{Name: ptr("   ")}, "invalid_name", "name"},
		{"long name", Input{Name: ptr(strings.Repeat("n", 101))}, "invalid_name", "name"},
		{"bad origin", Input{Name: ptr("x"), AllowedOrigins: &[]string{"https://ok.example", "shop.example"}}, "invalid_origin", "allowed_origins"},
		{"too many origins", Input{Name: ptr("x"), AllowedOrigins: &tooMany}, "too_many_origins", "allowed_origins"},
		{"unknown time zone", Input{Name: ptr("x"), BusinessHours: hours("Mars/Olympus")}, "invalid_time_zone", "business_hours.time_zone"},
		{"weekday 7", Input{Name: ptr("x"), BusinessHours: hours("UTC", store.OpenSpan{Weekday: 7, Open: "09:00", Close: "10:00"})}, "invalid_span", "business_hours.days"},
		{"closes before it opens", Input{Name: ptr("x"), BusinessHours: hours("UTC", store.OpenSpan{Weekday: 1, Open: "17:00", Close: "09:00"})}, "invalid_span", "business_hours.days"},
		{"not HH:MM", Input{Name: ptr("x"), BusinessHours: hours("UTC", store.OpenSpan{Weekday: 1, Open: "9:00", Close: "10:00"})}, "invalid_span", "business_hours.days"},
		{"25:00", Input{Name: ptr("x"), BusinessHours: hours("UTC", store.OpenSpan{Weekday: 1, Open: "09:00", Close: "25:00"})}, "invalid_span", "business_hours.days"},
		{"unknown department", Input{Name: ptr("x"), DefaultDepartmentID: ptr(store.NewID())}, "unknown_department", "default_department_id"},
		{"closed day not a date", Input{Name: ptr("x"), BusinessHours: closed("2026-12-25", "Christmas")}, "invalid_closed_day", "business_hours.closed_days"},
		{"closed day that does not exist", Input{Name: ptr("x"), BusinessHours: closed("2026-02-30")}, "invalid_closed_day", "business_hours.closed_days"},
		{"closed day without leading zeros", Input{Name: ptr("x"), BusinessHours: closed("2026-1-1")}, "invalid_closed_day", "business_hours.closed_days"},
		{"closed day with a time", Input{Name: ptr("x"), BusinessHours: closed("2026-12-25T00:00:00Z")}, "invalid_closed_day", "business_hours.closed_days"},
		{"closed day twice", Input{Name: ptr("x"), BusinessHours: closed("2026-12-25", "2027-01-01", "2026-12-25")}, "invalid_closed_day", "business_hours.closed_days"},
		{"too many closed days", Input{Name: ptr("x"), BusinessHours: closed(tooManyDays...)}, "too_many_closed_days", "business_hours.closed_days"},
		{"colour without #", Input{Name: ptr("x"), Look: &LookInput{Color: ptr("3056d3")}}, "invalid_color", "look.color"},
		{"short colour", Input{Name: ptr("x"), Look: &LookInput{Color: ptr("#fff")}}, "invalid_color", "look.color"},
		{"colour by name", Input{Name: ptr("x"), Look: &LookInput{Color: ptr("red")}}, "invalid_color", "look.color"},
		{"empty colour", Input{Name: ptr("x"), Look: &LookInput{Color: ptr("")}}, "invalid_color", "look.color"},
		{"CSS in the colour", Input{Name: ptr("x"), Look: &LookInput{Color: ptr("#000000;background:url(x)")}}, "invalid_color", "look.color"},
		{"long greeting", Input{Name: ptr("x"), Look: &LookInput{Greeting: ptr(strings.Repeat("é", MaxGreeting+1))}}, "too_long", "look.greeting"},
		{"greeting with a bidi override", Input{Name: ptr("x"), Look: &LookInput{Greeting: ptr("Hi \u202Ethere")}}, "invalid_text", "look.greeting"},
		{"greeting with a control character", Input{Name: ptr("x"), Look: &LookInput{Greeting: ptr("Hi\x07")}}, "invalid_text", "look.greeting"},
		{"long team name", Input{Name: ptr("x"), Look: &LookInput{TeamName: ptr(strings.Repeat("t", MaxTeamName+1))}}, "too_long", "look.team_name"},
		{"team name on two lines", Input{Name: ptr("x"), Look: &LookInput{TeamName: ptr("Shop\nteam")}}, "invalid_name", "look.team_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Create(ctx, f.owner.Actor(), c.in)
			if e := apperr.From(err); err == nil || e.Kind != apperr.Invalid || e.Code != c.code || e.Field != c.field {
				t.Errorf("Create: %v, want invalid %s on %s", err, c.code, c.field)
			}
			if c.in.Name == nil {
				return
			}
			_, err = f.svc.Update(ctx, f.owner.Actor(), existing.ID, c.in)
			if e := apperr.From(err); err == nil || e.Kind != apperr.Invalid || e.Code != c.code || e.Field != c.field {
				t.Errorf("Update: %v, want invalid %s on %s", err, c.code, c.field)
			}
		})
	}
	list, err := f.svc.List(ctx, f.owner.Actor())
	if err != nil || len(list) != 1 {
		t.Fatalf("after refused input: %d sites (err %v), want only the first", len(list), err)
	}
	got, err := f.svc.Get(ctx, f.owner.Actor(), existing.ID)
	if err != nil || got.Name != "Shop" || !got.UpdatedAt.Equal(existing.UpdatedAt) {
		t.Fatalf("the existing site changed: %+v (err %v)", got, err)
	}
}

func TestAgentsCannotManageSites(t *testing.T) {
	t.Parallel()
	f, st := withShop(t)
	ctx := t.Context()
	for _, role := range []auth.Role{auth.Agent, auth.Supervisor} {
		p := f.agent
		p.Agent.Role = string(role)
		calls := map[string]func() error{
			"create": func() error { _, err := f.svc.Create(ctx, p.Actor(), Input{Name: ptr("Mine")}); return err },
			"update": func() error { _, err := f.svc.Update(ctx, p.Actor(), st.ID, Input{Name: ptr("Mine")}); return err },
			"rotate": func() error { _, err := f.svc.RotateKey(ctx, p.Actor(), st.ID); return err },
			"secret": func() error { _, err := f.svc.RevealSecret(ctx, p.Actor(), st.ID); return err },
			"delete": func() error { return f.svc.Delete(ctx, p.Actor(), st.ID) },
		}
		for name, call := range calls {
			if err := call(); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s may %s a site: %v", role, name, err)
			}
		}
		// Reading is allowed: every agent sees the workspace's sites.
		if _, err := f.svc.Get(ctx, p.Actor(), st.ID); err != nil {
			t.Errorf("%s reading a site: %v", role, err)
		}
		if list, err := f.svc.List(ctx, p.Actor()); err != nil || len(list) != 1 {
			t.Errorf("%s listing sites: %d, %v", role, len(list), err)
		}
	}
	got, err := f.svc.Get(ctx, f.owner.Actor(), st.ID)
	if err != nil || got.Name != "Shop" || got.WidgetKey != st.WidgetKey {
		t.Fatalf("site changed: %+v, %v", got, err)
	}
}

func TestRotateKeyAndSecret(t *testing.T) {
	t.Parallel()
	f, st := withShop(t)
	ctx := t.Context()
	rotated, err := f.svc.RotateKey(ctx, f.owner.Actor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.WidgetKey == st.WidgetKey || !strings.HasPrefix(rotated.WidgetKey, "wk_") {
		t.Fatalf("rotated key %q (was %q)", rotated.WidgetKey, st.WidgetKey)
	}
	if _, err := f.st.SiteByWidgetKey(ctx, st.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old key still finds the site: %v", err)
	}
	if got, err := f.st.SiteByWidgetKey(ctx, rotated.WidgetKey); err != nil || got.ID != st.ID {
		t.Fatalf("the new key: %v", err)
	}
	secret, err := f.svc.RevealSecret(ctx, f.owner.Actor(), st.ID)
	if err != nil || secret != st.IdentitySecret || secret == "" {
		t.Fatalf("identity secret %q, %v", secret, err)
	}
	if _, err := f.svc.RotateKey(ctx, f.owner.Actor(), store.NewID()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("rotating an unknown site: %v, want not found", err)
	}
	if _, err := f.svc.RevealSecret(ctx, f.owner.Actor(), store.NewID()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("secret of an unknown site: %v, want not found", err)
	}
}

func TestUpdateKeepsUnsetFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	st, err := f.svc.Create(ctx, f.owner.Actor(), Input{Name: ptr("Shop"), AllowedOrigins: &[]string{"https://shop.example"},
		DefaultDepartmentID: &f.dept.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Name: ptr("Shop 2")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Shop 2" || len(got.AllowedOrigins) != 1 || got.DefaultDepartmentID != f.dept.ID ||
		got.WidgetKey != st.WidgetKey || got.IdentitySecret != st.IdentitySecret {
		t.Fatalf("update of the name changed other fields: %+v", got)
	}
	got, err = f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{AllowedOrigins: &[]string{}, DefaultDepartmentID: ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.AllowedOrigins) != 0 || got.DefaultDepartmentID != "" {
		t.Fatalf("clearing origins and department: %+v", got)
	}
	if err := f.svc.Delete(ctx, f.owner.Actor(), st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, f.owner.Actor(), st.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
