package site

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func TestOpenAt(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	weekdays := func(tz string, closed ...string) store.BusinessHours {
		h := store.BusinessHours{TimeZone: tz, ClosedDays: closed}
		for wd := 1; wd <= 5; wd++ {
			h.Days = append(h.Days, store.OpenSpan{Weekday: wd, Open: "09:00", Close: "17:00"})
		}
		return h
	}
	always := func(tz string, closed ...string) store.BusinessHours {
		return store.BusinessHours{TimeZone: tz, Days: []store.OpenSpan{}, ClosedDays: closed}
	}
	span := func(tz string, wd int, open, close string) store.BusinessHours {
		return store.BusinessHours{TimeZone: tz, Days: []store.OpenSpan{{Weekday: wd, Open: open, Close: close}}}
	}
	cases := []struct {
		name  string
		hours store.BusinessHours
		t     string
		want  bool
	}{
		{"always open", always("UTC"), "2026-07-04T03:00:00Z", true},
		{"always open, the zone left empty", store.BusinessHours{}, "2026-07-04T03:00:00Z", true},
		{"always open but a closed day", always("UTC", "2026-07-04"), "2026-07-04T03:00:00Z", false},
		{"always open, the day after the closed day", always("UTC", "2026-07-04"), "2026-07-05T00:00:00Z", true},

		{"Monday at opening", weekdays("UTC"), "2026-03-02T09:00:00Z", true},
		{"Monday a second before opening", weekdays("UTC"), "2026-03-02T08:59:59Z", false},
		{"Monday a second before closing", weekdays("UTC"), "2026-03-02T16:59:59Z", true},
		{"Monday at closing", weekdays("UTC"), "2026-03-02T17:00:00Z", false},
		{"Saturday", weekdays("UTC"), "2026-03-07T12:00:00Z", false},
		{"a span to midnight, a minute before", span("UTC", 5, "18:00", "24:00"), "2026-03-06T23:59:30Z", true},
		{"a span to midnight, at midnight", span("UTC", 5, "18:00", "24:00"), "2026-03-07T00:00:00Z", false},
		{"two spans a day, the break", store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{
			{Weekday: 1, Open: "09:00", Close: "12:00"}, {Weekday: 1, Open: "13:00", Close: "17:00"}}}, "2026-03-02T12:30:00Z", false},
		{"two spans a day, the afternoon", store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{
			{Weekday: 1, Open: "09:00", Close: "12:00"}, {Weekday: 1, Open: "13:00", Close: "17:00"}}}, "2026-03-02T13:30:00Z", true},

		// The site's zone decides the hour: 09:30 in Paris (CET) is 08:30 UTC.
		{"Paris, 09:30 local in winter", weekdays("Europe/Paris"), "2026-03-02T08:30:00Z", true},
		{"Paris, 08:30 local in winter", weekdays("Europe/Paris"), "2026-03-02T07:30:00Z", false},
		// ... and the weekday: Monday 09:30 in Auckland is Sunday 20:30 UTC.
		{"Auckland, Monday morning is Sunday in UTC", weekdays("Pacific/Auckland"), "2026-03-01T20:30:00Z", true},
		{"Los Angeles, Friday 16:30 is Saturday in UTC", weekdays("America/Los_Angeles"), "2026-03-07T00:30:00Z", true},
		{"Los Angeles, Saturday 09:30 local", weekdays("America/Los_Angeles"), "2026-03-07T17:30:00Z", false},

		// DST, Europe/Berlin: on 2026-03-29 clocks go 02:00 CET → 03:00 CEST.
		{"spring forward: 01:59 CET is inside 01:00-03:30", span("Europe/Berlin", 0, "01:00", "03:30"), "2026-03-29T00:59:00Z", true},
		{"spring forward: the next minute is 03:00 CEST, inside", span("Europe/Berlin", 0, "01:00", "03:30"), "2026-03-29T01:00:00Z", true},
		{"spring forward: 03:30 CEST closes", span("Europe/Berlin", 0, "01:00", "03:30"), "2026-03-29T01:30:00Z", false},
		{"summer: 09:00 CEST is 07:00 UTC", weekdays("Europe/Berlin"), "2026-03-30T07:00:00Z", true},
		{"summer: 08:30 CEST is still closed", weekdays("Europe/Berlin"), "2026-03-30T06:30:00Z", false},
		// On 2026-10-25 03:00 CEST → 02:00 CET: 02:15 happens twice, both inside.
		{"fall back: the first 02:15 (CEST)", span("Europe/Berlin", 0, "02:00", "02:30"), "2026-10-25T00:15:00Z", true},
		{"fall back: the second 02:15 (CET)", span("Europe/Berlin", 0, "02:00", "02:30"), "2026-10-25T01:15:00Z", true},
		{"fall back: 02:45 (CET)", span("Europe/Berlin", 0, "02:00", "02:30"), "2026-10-25T01:45:00Z", false},
		// New York: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
		{"New York before DST: 13:30 UTC is 08:30 EST", weekdays("America/New_York"), "2026-03-06T13:30:00Z", false},
		{"New York after DST: 13:30 UTC is 09:30 EDT", weekdays("America/New_York"), "2026-03-09T13:30:00Z", true},

		// A closed day is a date in the site's zone, not in UTC.
		{"Los Angeles, Christmas evening is Dec 26 in UTC", always("America/Los_Angeles", "2026-12-25"), "2026-12-26T03:00:00Z", false},
		{"Los Angeles, Christmas Eve evening is Dec 25 in UTC", always("America/Los_Angeles", "2026-12-25"), "2026-12-25T05:00:00Z", true},
		{"Los Angeles, Dec 26 morning", always("America/Los_Angeles", "2026-12-25"), "2026-12-26T09:00:00Z", true},
		{"Auckland, Christmas 01:00 is Dec 24 in UTC", always("Pacific/Auckland", "2026-12-25"), "2026-12-24T12:00:00Z", false},
		{"Auckland, Boxing Day 00:30 is Dec 25 in UTC", always("Pacific/Auckland", "2026-12-25"), "2026-12-25T11:30:00Z", true},
		{"a closed weekday within its span", weekdays("Europe/Paris", "2026-12-25"), "2026-12-25T10:00:00Z", false},
		{"the weekday after a closed day", weekdays("Europe/Paris", "2026-12-24"), "2026-12-25T10:00:00Z", true},

		{"an unknown zone counts as UTC", always("Mars/Olympus", "2026-12-25"), "2026-12-25T12:00:00Z", false},
	}
	for _, c := range cases {
		if got := OpenAt(c.hours, at(c.t)); got != c.want {
			t.Errorf("%s: OpenAt(%s) = %v, want %v", c.name, c.t, got, c.want)
		}
	}
}

func TestClosedDaysAreStoredSorted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	st, err := f.svc.Create(ctx, f.owner.Actor(), Input{Name: ptr("Shop"),
		BusinessHours: &store.BusinessHours{TimeZone: "Europe/Paris", ClosedDays: []string{"2027-01-01", "2026-12-25", "2026-05-01"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-05-01", "2026-12-25", "2027-01-01"}
	if !slices.Equal(st.BusinessHours.ClosedDays, want) {
		t.Fatalf("closed days %v, want %v", st.BusinessHours.ClosedDays, want)
	}
	got, err := f.svc.Get(ctx, f.owner.Actor(), st.ID)
	if err != nil || !slices.Equal(got.BusinessHours.ClosedDays, want) {
		t.Fatalf("read back %v (%v), want %v", got.BusinessHours.ClosedDays, err, want)
	}
	// Hours sent without closed_days clear them: business_hours replaces
	// the whole object.
	got, err = f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{BusinessHours: &store.BusinessHours{TimeZone: "Europe/Paris"}})
	if err != nil || got.BusinessHours.ClosedDays == nil || len(got.BusinessHours.ClosedDays) != 0 {
		t.Fatalf("after clearing: %#v (%v), want an empty list", got.BusinessHours.ClosedDays, err)
	}
}

func TestLook(t *testing.T) {
	t.Parallel()
	f, st := withShop(t)
	ctx := t.Context()
	if want := store.DefaultLook(); !reflect.DeepEqual(st.Look, want) {
		t.Fatalf("a new site's look %+v, want %+v", st.Look, want)
	}
	got, err := f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Look: &LookInput{
		Color: ptr("#0A7F5A"), Greeting: ptr("  Hello!\r\nHow can we help?  "), AgentNames: ptr(false), TeamName: ptr(" Shop team "),
		Ratings: ptr(false)}})
	if err != nil {
		t.Fatal(err)
	}
	want := store.SiteLook{Color: "#0a7f5a", Greeting: "Hello!\nHow can we help?", AgentNames: false, TeamName: "Shop team",
		Languages: []string{"en"}, Texts: map[string]map[string]string{}, Ratings: false}
	if !reflect.DeepEqual(got.Look, want) {
		t.Fatalf("look %+v, want %+v", got.Look, want)
	}
	// A look with one field changes that field only.
	got, err = f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Look: &LookInput{Color: ptr("#111111")}})
	want.Color = "#111111"
	if err != nil || !reflect.DeepEqual(got.Look, want) {
		t.Fatalf("colour only: %+v (%v), want %+v", got.Look, err, want)
	}
	// Empty texts go back to the defaults (the widget's greeting, the site's name).
	got, err = f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Look: &LookInput{Greeting: ptr(""), TeamName: ptr("   ")}})
	want.Greeting, want.TeamName = "", ""
	if err != nil || !reflect.DeepEqual(got.Look, want) {
		t.Fatalf("cleared texts: %+v (%v), want %+v", got.Look, err, want)
	}
	// A greeting of exactly the limit, in multi-byte characters, fits.
	if _, err := f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Look: &LookInput{Greeting: ptr(strings.Repeat("é", MaxGreeting))}}); err != nil {
		t.Fatalf("a greeting of %d characters: %v", MaxGreeting, err)
	}
	// The widget's key lookup sees the change at once on this node.
	byKey, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
	if err != nil || byKey.Look.Color != "#111111" {
		t.Fatalf("by widget key: %+v (%v)", byKey.Look, err)
	}
}
