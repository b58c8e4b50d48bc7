// Package analytics answers the numbers a support lead checks every
// morning: how many chats started, were answered, missed and closed, how
// fast the first answer came and how long a chat took to close, by day,
// hour of day and weekday in the workspace's time zone, and by agent.
//
// It reads each period's conversations through two indexes (by start and
// by end) and the facts the store keeps on each conversation as its
// messages are stored (store.ConversationFact): never the messages
// themselves. Medians and 90th percentiles are exact. A Service is
// stateless and safe for concurrent use.
package analytics

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what analytics needs from the database.
type Store interface {
	ConversationsStarted(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.ConversationFact, error)
	ConversationsEnded(ctx context.Context, workspaceID string, f store.AnalyticsFilter) ([]store.ConversationFact, error)
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
}

// Counts are a period's (or a day's) chats.
type Counts struct {
	// Started: chats that began in it. Answered: of those, the ones an
	// agent answered (whenever). Missed: of those, the ones that ended
	// without an answer. Closed: chats that ended in it.
	Started  int `json:"started"`
	Answered int `json:"answered"`
	Missed   int `json:"missed"`
	Closed   int `json:"closed"`
}

// Day is one day's counts.
type Day struct {
	Date string `json:"date"`
	Counts
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

// Conversations is the answer: the period (dates in the zone), its totals
// and the previous period's (as long, just before), by day, by local hour
// of day and weekday (Monday first) of their start, the spreads of the
// first answer (from the start) and of resolution (start to end, of those
// that ended in the period), and by agent, most chats first.
type Conversations struct {
	TimeZone string `json:"time_zone"`
	From     string `json:"from"`
	To       string `json:"to"`
	// Start and End are the period's bounds as instants: the first day's
	// local midnight and the one after the last day (for other queries of
	// the same days, such as GET /api/v1/ratings).
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Totals        Counts    `json:"totals"`
	Previous      Counts    `json:"previous"`
	Days          []Day     `json:"days"`
	Hours         [24]int   `json:"hours"`
	Weekdays      [7]int    `json:"weekdays"`
	FirstResponse Spread    `json:"first_response"`
	Resolution    Spread    `json:"resolution"`
	Agents        []Agent   `json:"agents"`
}

// ConversationsOf answers for the period: supervisors and above.
func (s *Service) ConversationsOf(ctx context.Context, a auth.Actor, q Query) (Conversations, error) {
	if !a.Can(auth.ManageAnyConversation) {
		return Conversations{}, apperr.ErrForbidden
	}
	set, err := s.zones.Settings(ctx, a.WorkspaceID)
	if err != nil {
		return Conversations{}, err
	}
	loc, err := time.LoadLocation(set.TimeZone)
	if err != nil {
		loc = time.UTC // a zone this build lacks: counted in UTC rather than not at all
	}
	first, last, err := period(q, s.clock.Now().In(loc), loc)
	if err != nil {
		return Conversations{}, err
	}
	days := int(last.Sub(first).Hours()/24+0.5) + 1 // a DST day is 23 or 25 hours
	from, to := first, last.AddDate(0, 0, 1)
	f := store.AnalyticsFilter{From: from, To: to, SiteID: q.SiteID, DepartmentID: q.DepartmentID, AgentID: q.AgentID}
	started, err := s.store.ConversationsStarted(ctx, a.WorkspaceID, f)
	if err != nil {
		return Conversations{}, err
	}
	ended, err := s.store.ConversationsEnded(ctx, a.WorkspaceID, f)
	if err != nil {
		return Conversations{}, err
	}
	prev := f
	prev.From, prev.To = first.AddDate(0, 0, -days), first
	prevStarted, err := s.store.ConversationsStarted(ctx, a.WorkspaceID, prev)
	if err != nil {
		return Conversations{}, err
	}
	prevEnded, err := s.store.ConversationsEnded(ctx, a.WorkspaceID, prev)
	if err != nil {
		return Conversations{}, err
	}

	out := Conversations{TimeZone: loc.String(), From: first.Format(DateLayout), To: last.Format(DateLayout), Start: from.UTC(), End: to.UTC(),
		Agents: []Agent{}}
	byDate := map[string]*Day{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out.Days = append(out.Days, Day{Date: d.Format(DateLayout)})
	}
	for i := range out.Days {
		byDate[out.Days[i].Date] = &out.Days[i]
	}
	out.Totals = count(started, ended, loc, byDate)
	out.Previous = count(prevStarted, prevEnded, loc, nil)

	var firsts, resolutions []time.Duration
	agents := map[string]*Agent{}
	mine := map[string][]time.Duration{}
	for _, c := range started {
		local := c.CreatedAt.In(loc)
		out.Hours[local.Hour()]++
		out.Weekdays[(int(local.Weekday())+6)%7]++
		if c.FirstResponseAt != nil {
			d := c.FirstResponseAt.Sub(c.CreatedAt)
			firsts = append(firsts, d)
			if c.FirstResponderID != "" {
				mine[c.FirstResponderID] = append(mine[c.FirstResponderID], d)
			}
		}
		if c.AgentID != "" {
			ag := agents[c.AgentID]
			if ag == nil {
				ag = &Agent{AgentID: c.AgentID}
				agents[c.AgentID] = ag
			}
			ag.Chats++
			ag.Messages += c.AgentMessages
		}
	}
	for _, c := range ended {
		if c.ClosedAt != nil {
			resolutions = append(resolutions, c.ClosedAt.Sub(c.CreatedAt))
		}
	}
	out.FirstResponse, out.Resolution = spread(firsts), spread(resolutions)
	for id, ds := range mine {
		if agents[id] == nil {
			agents[id] = &Agent{AgentID: id}
		}
		agents[id].FirstResponse = spread(ds)
	}
	for _, ag := range agents {
		out.Agents = append(out.Agents, *ag)
	}
	slices.SortFunc(out.Agents, func(x, y Agent) int {
		if x.Chats != y.Chats {
			return y.Chats - x.Chats
		}
		if x.AgentID < y.AgentID {
			return -1
		}
		return 1
	})
	return out, nil
}

// period is the first and last day asked for, at local midnight: the
// last 7 days up to today by default, at most MaxDays.
func period(q Query, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
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
		if last, err = time.ParseInLocation(DateLayout, q.To, loc); err != nil {
			return time.Time{}, time.Time{}, apperr.Invalidf("to", "invalid_date", "to is a date, YYYY-MM-DD")
		}
		if q.From == "" {
			first = last.AddDate(0, 0, -6)
		}
	}
	if q.From != "" {
		if first, err = time.ParseInLocation(DateLayout, q.From, loc); err != nil {
			return time.Time{}, time.Time{}, apperr.Invalidf("from", "invalid_date", "from is a date, YYYY-MM-DD")
		}
	}
	if last.Before(first) || first.AddDate(0, 0, MaxDays).Before(last.AddDate(0, 0, 1)) {
		return time.Time{}, time.Time{}, apperr.Invalidf("from", "invalid_period", "from is on or before to, at most %d days", MaxDays)
	}
	return first, last, nil
}

// count totals the started and ended chats, and adds each to its local
// day when byDate is given.
func count(started, ended []store.ConversationFact, loc *time.Location, byDate map[string]*Day) Counts {
	var total Counts
	add := func(at time.Time, fn func(c *Counts)) {
		fn(&total)
		if d := byDate[at.In(loc).Format(DateLayout)]; d != nil {
			fn(&d.Counts)
		}
	}
	for _, c := range started {
		add(c.CreatedAt, func(n *Counts) {
			n.Started++
			if c.FirstResponseAt != nil {
				n.Answered++
			} else if c.Closed {
				n.Missed++
			}
		})
	}
	for _, c := range ended {
		if c.ClosedAt != nil {
			add(*c.ClosedAt, func(n *Counts) { n.Closed++ })
		}
	}
	return total
}

// spread is the count, median and 90th percentile of ds (nearest rank:
// the value at rank ceil(p·n), so every figure is a duration that
// happened).
func spread(ds []time.Duration) Spread {
	out := Spread{Count: len(ds)}
	if len(ds) == 0 {
		return out
	}
	slices.Sort(ds)
	rank := func(p float64) *float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		v := ds[max(0, min(i, len(ds)-1))].Seconds()
		return &v
	}
	out.MedianS, out.P90S = rank(0.5), rank(0.9)
	return out
}
