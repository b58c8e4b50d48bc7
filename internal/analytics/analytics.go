// Package analytics answers the numbers a support lead checks every
// morning: how many chats started, were answered, missed and closed, how
// fast the first answer came and how long a chat took to close, by day,
// hour of day and weekday in the workspace's time zone, and by agent.
//
// The database counts: each period's conversations are read through two
// indexes (by start and by end) with the facts the store keeps on each
// conversation as its messages are stored, and come back counted by
// 15-minute slot (each falls in one local hour in every time zone) and
// by whole second of each duration, never a row per chat nor the
// messages. Medians and 90th percentiles are exact to the second. A
// Service is stateless and safe for concurrent use.
package analytics

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what analytics needs from the database.
type Store interface {
	ChatSlots(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.ChatSlot, error)
	FirstResponses(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.Took, error)
	Resolutions(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.Took, error)
	ChatsByAgent(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.AgentChats, error)
	TicketSlots(ctx context.Context, workspaceID string, f store.AnalyticsFilter, moment string) ([]store.SlotCount, error)
	TicketCount(ctx context.Context, workspaceID string, f store.AnalyticsFilter, moment string) (int, error)
	TicketAcceptTimes(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.Took, error)
	NewContacts(ctx context.Context, workspaceID string, from, to time.Time) ([]store.SlotCount, error)
	AgentStates(ctx context.Context, workspaceID string, from, to time.Time) ([]store.AgentState, error)
	RatingSlots(ctx context.Context, workspaceID string, f store.RatingFilter) ([]store.RatingSlot, error)
	BroadcastActivity(ctx context.Context, workspaceID, broadcastID string, from, to time.Time) ([]store.BroadcastSlot, error)
	ListBroadcasts(ctx context.Context, workspaceID, status, beforeID string, limit int) ([]store.Broadcast, error)
}

// Zoner tells a workspace's time zone (its settings' time_zone).
type Zoner interface {
	Settings(ctx context.Context, workspaceID string) (store.Settings, error)
}

// Service answers analytics queries.
type Service struct {
	store Store
	zones Zoner
	clock clock.Clock
}

// New returns a Service.
func New(st Store, zones Zoner, clk clock.Clock) *Service {
	return &Service{store: st, zones: zones, clock: clk}
}

// MaxDays bounds a period.
const MaxDays = 366

// DateLayout is how a day is written: in the workspace's time zone.
const DateLayout = "2006-01-02"

// Query asks for a period of days (From and To inclusive, as DateLayout
// dates in the workspace's zone; "": the last 7 days up to today) and
// narrows it to a site, a department or an agent.
type Query struct {
	From, To string
	// Days, without From and To: the last Days days up to today.
	Days                          int
	SiteID, DepartmentID, AgentID string
	// BroadcastID narrows the broadcasts section to one broadcast.
	BroadcastID string
}

// Counts are a period's (or a day's) chats.
type Counts struct {
	// Started: chats that began in it. Answered: of those, the ones an
	// agent answered (whenever). Missed: of those, the ones that ended
	// without an answer. Returning: of those, the ones whose visitor (by
	// browser or by contact) had begun a chat before. Closed: chats that
	// ended in it.
	Started   int `json:"started"`
	Answered  int `json:"answered"`
	Missed    int `json:"missed"`
	Returning int `json:"returning"`
	Closed    int `json:"closed"`
}

// Day is one day's counts, and the ratings given that day (good and bad,
// as GET /api/v1/ratings counts them: by the agent each counts for).
type Day struct {
	Date string `json:"date"`
	Counts
	Good int `json:"good"`
	Bad  int `json:"bad"`
}

// Spread is how long something took: how many, the median and the 90th
// percentile, in seconds (nil without any).
type Spread struct {
	Count   int      `json:"count"`
	MedianS *float64 `json:"median_s"`
	P90S    *float64 `json:"p90_s"`
}

// Agent is one agent's part of the period.
type Agent struct {
	AgentID string `json:"agent_id"`
	// Chats it handled (held, or answered first when nobody held it) of
	// those started; the texts and files agents wrote in them; its own
	// first answers' spread.
	Chats         int    `json:"chats"`
	Messages      int    `json:"messages"`
	FirstResponse Spread `json:"first_response"`
}

// Period is the days an answer covers: dates in the workspace's zone,
// and their bounds as instants.
type Period struct {
	TimeZone string `json:"time_zone"`
	From     string `json:"from"`
	To       string `json:"to"`
	// Start and End are the period's bounds as instants: the first day's
	// local midnight and the one after the last day (for other queries of
	// the same days, such as GET /api/v1/ratings).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Conversations is the answer: the period, its totals and the previous
// period's (as long, just before), by day, by local hour of day and
// weekday (Monday first) of their start, the spreads of the first answer
// (from the start) and of resolution (start to end, of those that ended
// in the period), and by agent, most chats first.
type Conversations struct {
	Period
	Totals        Counts  `json:"totals"`
	Previous      Counts  `json:"previous"`
	Days          []Day   `json:"days"`
	Hours         [24]int `json:"hours"`
	Weekdays      [7]int  `json:"weekdays"`
	FirstResponse Spread  `json:"first_response"`
	Resolution    Spread  `json:"resolution"`
	Agents        []Agent `json:"agents"`
}

// window is a query's period: its days as civil dates (midnight UTC
// stands for a date), their bounds in the workspace's zone, and the
// bounds of the period as long just before it.
type window struct {
	loc            *time.Location
	first, last    time.Time
	from, to, prev time.Time
}

// window checks that a may read analytics (supervisors and above) and
// resolves q's period in the workspace's zone.
func (s *Service) window(ctx context.Context, a auth.Actor, q Query) (window, error) {
	if !a.Can(auth.ViewAnalytics) {
		return window{}, apperr.ErrForbidden
	}
	return s.zoned(ctx, a.WorkspaceID, q)
}

// zoned resolves q's period in the workspace's zone.
func (s *Service) zoned(ctx context.Context, workspaceID string, q Query) (window, error) {
	set, err := s.zones.Settings(ctx, workspaceID)
	if err != nil {
		return window{}, err
	}
	loc, err := time.LoadLocation(set.TimeZone)
	if err != nil {
		loc = time.UTC // a zone this build lacks: counted in UTC rather than not at all
	}
	first, last, err := period(q, s.clock.Now().In(loc))
	if err != nil {
		return window{}, err
	}
	days := int(last.Sub(first).Hours()/24) + 1 // civil dates: whole days
	return window{loc: loc, first: first, last: last, from: startOfDay(first, loc), to: startOfDay(last.AddDate(0, 0, 1), loc),
		prev: startOfDay(first.AddDate(0, 0, -days), loc)}, nil
}

func (w window) period() Period {
	return Period{TimeZone: w.loc.String(), From: w.first.Format(DateLayout), To: w.last.Format(DateLayout), Start: w.from.UTC(), End: w.to.UTC()}
}

// eachDay is a value for every day of the period (of its date,
// DateLayout), and each found by its date.
func eachDay[T any](w window, of func(date string) T) ([]T, map[string]*T) {
	var out []T
	for d := w.first; !d.After(w.last); d = d.AddDate(0, 0, 1) { // civil dates, in UTC: every step is a day
		out = append(out, of(d.Format(DateLayout)))
	}
	by := make(map[string]*T, len(out))
	for i := range out {
		by[w.first.AddDate(0, 0, i).Format(DateLayout)] = &out[i]
	}
	return out, by
}

// local is the start of a slot in the workspace's zone.
func (w window) local(slot int64) time.Time {
	return time.UnixMilli(slot * store.SlotMillis).In(w.loc)
}

// filter is the store's filter of q for [from, to).
func (q Query) filter(from, to time.Time) store.AnalyticsFilter {
	return store.AnalyticsFilter{From: from, To: to, SiteID: q.SiteID, DepartmentID: q.DepartmentID, AgentID: q.AgentID}
}

// ConversationsOf answers for the period: supervisors and above.
func (s *Service) ConversationsOf(ctx context.Context, a auth.Actor, q Query) (Conversations, error) {
	w, err := s.window(ctx, a, q)
	if err != nil {
		return Conversations{}, err
	}
	f, prev := q.filter(w.from, w.to), q.filter(w.prev, w.from)
	var (
		slots, prevSlots   []store.ChatSlot
		firsts, resolution []store.Took
		byAgent            []store.AgentChats
		rated              []store.RatingSlot
	)
	if err := parallel(
		func() (err error) { slots, err = s.store.ChatSlots(ctx, a.WorkspaceID, f); return err },
		func() (err error) { prevSlots, err = s.store.ChatSlots(ctx, a.WorkspaceID, prev); return err },
		func() (err error) { firsts, err = s.store.FirstResponses(ctx, a.WorkspaceID, f); return err },
		func() (err error) { resolution, err = s.store.Resolutions(ctx, a.WorkspaceID, f); return err },
		func() (err error) { byAgent, err = s.store.ChatsByAgent(ctx, a.WorkspaceID, f); return err },
		func() (err error) {
			rated, err = s.store.RatingSlots(ctx, a.WorkspaceID, store.RatingFilter{From: f.From, To: f.To, AgentID: q.AgentID, SiteID: q.SiteID,
				DepartmentID: q.DepartmentID})
			return err
		},
	); err != nil {
		return Conversations{}, err
	}

	out := Conversations{Period: w.period(), Agents: []Agent{}}
	var byDate map[string]*Day
	out.Days, byDate = eachDay(w, func(date string) Day { return Day{Date: date} })
	for _, c := range slots {
		local := w.local(c.Slot)
		n := countsOf(c)
		out.Totals.add(n)
		if d := byDate[local.Format(DateLayout)]; d != nil {
			d.add(n)
		}
		out.Hours[local.Hour()] += c.Started
		out.Weekdays[(int(local.Weekday())+6)%7] += c.Started
	}
	for _, c := range rated {
		if d := byDate[w.local(c.Slot).Format(DateLayout)]; d != nil {
			d.Good += c.Good
			d.Bad += c.Bad
		}
	}
	for _, c := range prevSlots {
		out.Previous.add(countsOf(c))
	}
	out.FirstResponse, out.Resolution = spread(firsts, ""), spread(resolution, "")
	agents := map[string]*Agent{}
	for _, c := range byAgent { // an agent's rolled days and the rest come apart
		if agents[c.AgentID] == nil {
			agents[c.AgentID] = &Agent{AgentID: c.AgentID}
		}
		agents[c.AgentID].Chats += c.Chats
		agents[c.AgentID].Messages += c.Messages
	}
	for _, t := range firsts {
		// One who answered first a chat another agent held; not when the
		// period is one agent's (its chats' other answerers are not asked for).
		if t.AgentID != "" && agents[t.AgentID] == nil && q.AgentID == "" {
			agents[t.AgentID] = &Agent{AgentID: t.AgentID}
		}
	}
	for id, ag := range agents {
		ag.FirstResponse = spread(firsts, id)
		out.Agents = append(out.Agents, *ag)
	}
	slices.SortFunc(out.Agents, func(x, y Agent) int {
		if x.Chats != y.Chats {
			return y.Chats - x.Chats
		}
		return strings.Compare(x.AgentID, y.AgentID)
	})
	return out, nil
}

// parallel runs the reads at once (each its own connection of the read
// pool: a year's request waits for its slowest read, not their sum) and
// returns the first error.
func parallel(reads ...func() error) error {
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { errs[i] = read() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func countsOf(c store.ChatSlot) Counts {
	return Counts{Started: c.Started, Answered: c.Answered, Missed: c.Missed, Returning: c.Returning, Closed: c.Closed}
}

func (c *Counts) add(n Counts) {
	c.Started += n.Started
	c.Answered += n.Answered
	c.Missed += n.Missed
	c.Returning += n.Returning
	c.Closed += n.Closed
}

// period is the first and last day asked for, as civil dates (midnight
// UTC stands for the date): the last 7 days up to today by default, at
// most MaxDays.
func period(q Query, now time.Time) (time.Time, time.Time, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	n := 7
	if q.Days != 0 {
		if q.Days < 1 || q.Days > MaxDays {
			return time.Time{}, time.Time{}, apperr.Invalidf("days", "invalid_period", "days is 1 to %d", MaxDays)
		}
		n = q.Days
	}
	last, first := today, today.AddDate(0, 0, -(n-1))
	var err error
	if q.To != "" {
		if last, err = time.Parse(DateLayout, q.To); err != nil {
			return time.Time{}, time.Time{}, apperr.Invalidf("to", "invalid_date", "to is a date, YYYY-MM-DD")
		}
		if q.From == "" {
			first = last.AddDate(0, 0, -6)
		}
	}
	if q.From != "" {
		if first, err = time.Parse(DateLayout, q.From); err != nil {
			return time.Time{}, time.Time{}, apperr.Invalidf("from", "invalid_date", "from is a date, YYYY-MM-DD")
		}
	}
	if last.Before(first) || first.AddDate(0, 0, MaxDays).Before(last.AddDate(0, 0, 1)) {
		return time.Time{}, time.Time{}, apperr.Invalidf("from", "invalid_period", "from is on or before to, at most %d days", MaxDays)
	}
	return first, last, nil
}

// startOfDay is the first instant of a civil date in loc: its midnight,
// or, where the clocks skip midnight (Santiago, Havana, Cairo on the day
// summer time begins), the first local time that date has.
func startOfDay(date time.Time, loc *time.Location) time.Time {
	t := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	for t.Day() != date.Day() { // Date chose the day before's side of the gap
		t = t.Add(15 * time.Minute)
	}
	// Where midnight is skipped, Date may also land after the gap at a
	// time past the day's first: step back while still the same date.
	for u := t.Add(-15 * time.Minute); u.Day() == date.Day(); u = u.Add(-15 * time.Minute) {
		t = u
	}
	return t
}

// spread is the count, median and 90th percentile of the durations (of
// agent's first answers only, when agent is not ""): the nearest rank,
// the duration at rank ceil(p·n), so every figure is one that happened.
func spread(took []store.Took, agent string) Spread {
	var ds []store.Took
	n := 0
	for _, t := range took {
		if agent == "" || t.AgentID == agent {
			ds = append(ds, t)
			n += t.Count
		}
	}
	out := Spread{Count: n}
	if n == 0 {
		return out
	}
	slices.SortFunc(ds, func(x, y store.Took) int { return int(x.Seconds - y.Seconds) })
	rank := func(p float64) *float64 {
		want, seen := int(math.Ceil(p*float64(n))), 0
		for _, t := range ds {
			if seen += t.Count; seen >= want {
				v := float64(t.Seconds)
				return &v
			}
		}
		v := float64(ds[len(ds)-1].Seconds)
		return &v
	}
	out.MedianS, out.P90S = rank(0.5), rank(0.9)
	return out
}
