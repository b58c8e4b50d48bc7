package store

import (
	"context"
	"fmt"
	"time"
)

// RatingFilter narrows the ratings read: given in [From, To), by agent
// (the one each counts for), site and department ("" = any).
type RatingFilter struct {
	From, To                      time.Time
	AgentID, SiteID, DepartmentID string
}

// RatingCount is how many good and bad ratings one agent (or, with
// AgentID "", the workspace) received.
type RatingCount struct {
	AgentID string `json:"agent_id,omitempty"`
	Good    int    `json:"good"`
	Bad     int    `json:"bad"`
}

// RatedChat is one rating, for the list of comments.
type RatedChat struct {
	ConversationID string    `json:"conversation_id"`
	SiteID         string    `json:"site_id"`
	VisitorID      string    `json:"visitor_id"`
	AgentID        string    `json:"agent_id,omitempty"`
	Rating         string    `json:"rating"`
	Comment        string    `json:"comment,omitempty"`
	RatedAt        time.Time `json:"rated_at"`
}

// ratingWhere is the condition of f on conversations, with its arguments
// after the workspace's ($1).
func ratingWhere(f RatingFilter) (string, []any) {
	where := `workspace_id = $1 AND rated_at IS NOT NULL AND rated_at >= $2 AND rated_at < $3`
	args := []any{millis(f.From), millis(f.To)}
	if f.AgentID != "" {
		args = append(args, f.AgentID)
		where += fmt.Sprintf(" AND rated_agent_id = $%d", len(args)+1)
	}
	if f.SiteID != "" {
		args = append(args, f.SiteID)
		where += fmt.Sprintf(" AND site_id = $%d", len(args)+1)
	}
	if f.DepartmentID != "" {
		args = append(args, f.DepartmentID)
		where += fmt.Sprintf(" AND department_id = $%d", len(args)+1)
	}
	return where, args
}

// RatingCounts counts the ratings given in the filter's period (each chat
// once, as it is now), by the agent each counts for, most rated first; a
// rating no agent held the chat for counts under AgentID "".
func (s *Store) RatingCounts(ctx context.Context, workspaceID string, f RatingFilter) ([]RatingCount, error) {
	where, args := ratingWhere(f)
	rows, err := s.read.QueryContext(ctx, `SELECT COALESCE(rated_agent_id, ''),
		SUM(CASE WHEN rating = 'good' THEN 1 ELSE 0 END), SUM(CASE WHEN rating = 'bad' THEN 1 ELSE 0 END)
		FROM conversations WHERE `+where+` GROUP BY COALESCE(rated_agent_id, '') ORDER BY COUNT(*) DESC, 1`,
		append([]any{workspaceID}, args...)...)
	return collect(rows, err, "store: rating counts", func(sc scanner) (RatingCount, error) {
		var c RatingCount
		return c, sc.Scan(&c.AgentID, &c.Good, &c.Bad)
	})
}

// RatingSlot counts the good and bad ratings given in one slot (its
// start is Slot·SlotMillis).
type RatingSlot struct {
	Slot      int64
	Good, Bad int
}

// RatingSlots counts the ratings of the filter's period by slot (each
// chat once, when it was last rated).
func (s *Store) RatingSlots(ctx context.Context, workspaceID string, f RatingFilter) ([]RatingSlot, error) {
	where, args := ratingWhere(f)
	rows, err := s.read.QueryContext(ctx, fmt.Sprintf(`SELECT rated_at / %d,
		SUM(CASE WHEN rating = 'good' THEN 1 ELSE 0 END), SUM(CASE WHEN rating = 'bad' THEN 1 ELSE 0 END)
		FROM conversations WHERE %s GROUP BY rated_at / %d`, SlotMillis, where, SlotMillis), append([]any{workspaceID}, args...)...)
	return collect(rows, err, "store: rating slots", func(sc scanner) (RatingSlot, error) {
		var c RatingSlot
		return c, sc.Scan(&c.Slot, &c.Good, &c.Bad)
	})
}

// RatedChats lists the ratings of the filter's period, latest first, at
// most limit; commented only keeps those with a comment.
func (s *Store) RatedChats(ctx context.Context, workspaceID string, f RatingFilter, commented bool, limit int) ([]RatedChat, error) {
	where, args := ratingWhere(f)
	if commented {
		where += ` AND rating_comment <> ''`
	}
	args = append([]any{workspaceID}, args...)
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT id, site_id, visitor_id, COALESCE(rated_agent_id, ''), rating, rating_comment, rated_at
		FROM conversations WHERE `+where+fmt.Sprintf(` ORDER BY rated_at DESC, id DESC LIMIT $%d`, len(args)), args...)
	return collect(rows, err, "store: rated chats", func(sc scanner) (RatedChat, error) {
		var (
			r  RatedChat
			at int64
		)
		if err := sc.Scan(&r.ConversationID, &r.SiteID, &r.VisitorID, &r.AgentID, &r.Rating, &r.Comment, &at); err != nil {
			return RatedChat{}, err
		}
		r.RatedAt = fromMillis(at)
		return r, nil
	})
}
