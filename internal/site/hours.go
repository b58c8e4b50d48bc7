package site

import (
	"slices"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/store"
)

// maxClosedDays bounds a site's closed days: two years of public holidays
// and company days off fit with room to spare, and the list travels with
// every read of the site.
const maxClosedDays = 100

// dateLayout is a closed day's form: a calendar date in the site's zone.
const dateLayout = "2006-01-02"

// closedDays validates a site's closed days and returns them sorted.
// Each must be a real calendar date written "YYYY-MM-DD", listed once.
func closedDays(days []string) ([]string, error) {
	if len(days) > maxClosedDays {
		return nil, apperr.Invalidf("business_hours.closed_days", "too_many_closed_days", "at most %d closed days", maxClosedDays)
	}
	out := make([]string, 0, len(days))
	for _, d := range days {
		// time.Parse refuses "2026-02-30" and "2026-2-3"; the round trip
		// refuses what it would still accept in another spelling.
		if t, err := time.Parse(dateLayout, d); err != nil || t.Format(dateLayout) != d {
			return nil, apperr.Invalidf("business_hours.closed_days", "invalid_closed_day", "%q is not a date: use YYYY-MM-DD", d)
		}
		out = append(out, d)
	}
	slices.Sort(out) // the layout sorts as the calendar does
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, apperr.Invalidf("business_hours.closed_days", "invalid_closed_day", "%s is listed twice", out[i])
		}
	}
	return out, nil
}

// Schedule validates the schedule part of business hours (time zone,
// weekly spans, closed days) and returns it normalized: "" is UTC, the
// closed days sorted. A site's hours add the out-of-hours texts; a
// department's are the schedule alone.
func Schedule(bh store.BusinessHours) (store.BusinessHours, error) {
	if bh.TimeZone == "" {
		bh.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(bh.TimeZone); err != nil {
		return bh, apperr.Invalidf("business_hours.time_zone", "invalid_time_zone", "unknown time zone %q", bh.TimeZone)
	}
	if len(bh.Days) > 7*4 {
		return bh, apperr.Invalidf("business_hours.days", "too_many_spans", "at most 28 opening spans")
	}
	for _, d := range bh.Days {
		if d.Weekday < 0 || d.Weekday > 6 || !hhmm.MatchString(d.Open) || !hhmm.MatchString(d.Close) || d.Open >= d.Close {
			return bh, apperr.Invalidf("business_hours.days", "invalid_span",
				"each span needs weekday 0-6 and open < close as HH:MM")
		}
	}
	if bh.Days == nil {
		bh.Days = []store.OpenSpan{}
	}
	days, err := closedDays(bh.ClosedDays)
	if err != nil {
		return bh, err
	}
	bh.ClosedDays = days
	return bh, nil
}

// OpenAt reports whether a site with hours h is open at instant t, by the
// wall clock of the site's time zone: closed all day on a closed day;
// otherwise always open when h has no spans, else open when t falls in a
// span of its weekday (open ≤ HH:MM < close, so a span closing at 17:00 is
// closed at 17:00:00). Across a DST change the spans stay in wall time: a
// span over a skipped hour is that much shorter, one over a repeated hour
// that much longer.
//
// The out-of-hours flow (chat, package offhours) asks it for each
// visitor message that no agent holds.
func OpenAt(h store.BusinessHours, t time.Time) bool {
	if len(h.Days) == 0 && len(h.ClosedDays) == 0 {
		return true // always open: no zone to load
	}
	local := t.In(zone(h.TimeZone))
	if slices.Contains(h.ClosedDays, local.Format(dateLayout)) {
		return false
	}
	if len(h.Days) == 0 {
		return true
	}
	wd, hm := int(local.Weekday()), local.Format("15:04")
	for _, d := range h.Days {
		if d.Weekday == wd && d.Open <= hm && hm < d.Close {
			return true
		}
	}
	return false
}

// zones caches loaded time zones: time.LoadLocation reads and parses the
// zone's file on every call, and OpenAt runs for visitor messages.
var zones sync.Map // name → *time.Location

// zone loads a time zone once. A zone that fails to load (validated on
// save, and "" is UTC; one a newer tzdata dropped) falls back to UTC
// rather than to "always closed".
func zone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(name, loc)
	return loc
}
