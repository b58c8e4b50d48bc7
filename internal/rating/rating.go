// Package rating reads what visitors said of their chats: how many good
// and bad ratings, for whom, and the comments. A visitor gives a rating
// over the widget's socket (chat.Service.Rate); each lives on its
// conversation, so a chat is counted once however often it was changed.
// A Service is stateless and safe for concurrent use.
package rating

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what rating needs from the database.
type Store interface {
	RatingCounts(ctx context.Context, workspaceID string, f store.RatingFilter) ([]store.RatingCount, error)
	RatedChats(ctx context.Context, workspaceID string, f store.RatingFilter, commented bool, limit int) ([]store.RatedChat, error)
}

// Service reads ratings.
type Service struct {
	store Store
	clock clock.Clock
}

// New returns a Service.
func New(st Store, clk clock.Clock) *Service { return &Service{store: st, clock: clk} }

// Limits of a query.
const (
	DefaultPeriod = 30 * 24 * time.Hour
	MaxPeriod     = 366 * 24 * time.Hour
	ListLimit     = 50
)

// Query is what a caller asks: a period (zero times: the last 30 days up
// to now), an agent, a site, and whether to list only commented ratings.
type Query struct {
	From, To                      time.Time
	AgentID, SiteID, DepartmentID string
	Commented                     bool
}

// Summary is the ratings of a period: the totals, the score (the share of
// good ratings, nil without any), the counts by agent, and the latest
// ratings themselves.
type Summary struct {
	From   time.Time           `json:"from"`
	To     time.Time           `json:"to"`
	Good   int                 `json:"good"`
	Bad    int                 `json:"bad"`
	Score  *float64            `json:"score"`
	Agents []store.RatingCount `json:"agents"`
	Items  []store.RatedChat   `json:"items"`
}

// Summarize reads the ratings of a period. Supervisors and above read any
// agent's; an agent its own (an agent_id of another is forbidden, none
// means its own).
func (s *Service) Summarize(ctx context.Context, a auth.Actor, q Query) (Summary, error) {
	if a.AgentID == "" {
		return Summary{}, apperr.ErrForbidden
	}
	if !a.Can(auth.ViewAnalytics) {
		if q.AgentID != "" && q.AgentID != a.AgentID {
			return Summary{}, apperr.ErrForbidden
		}
		q.AgentID = a.AgentID
	}
	if q.To.IsZero() {
		q.To = s.clock.Now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-DefaultPeriod)
	}
	if !q.From.Before(q.To) || q.To.Sub(q.From) > MaxPeriod {
		return Summary{}, apperr.Invalidf("from", "invalid_period", "from is before to, at most 366 days apart")
	}
	f := store.RatingFilter{From: q.From, To: q.To, AgentID: q.AgentID, SiteID: q.SiteID, DepartmentID: q.DepartmentID}
	counts, err := s.store.RatingCounts(ctx, a.WorkspaceID, f)
	if err != nil {
		return Summary{}, err
	}
	items, err := s.store.RatedChats(ctx, a.WorkspaceID, f, q.Commented, ListLimit)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{From: q.From, To: q.To, Agents: counts, Items: items}
	for _, c := range counts {
		out.Good += c.Good
		out.Bad += c.Bad
	}
	if n := out.Good + out.Bad; n > 0 {
		score := float64(out.Good) / float64(n)
		out.Score = &score
	}
	return out, nil
}
