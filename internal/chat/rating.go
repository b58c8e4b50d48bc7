package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// RatingWindow is how long after a chat ended its visitor may rate it, or
// change the rating: long enough to come back to it later that day, short
// enough that a rating speaks of that chat.
const RatingWindow = 24 * time.Hour

// MaxRatingComment bounds a rating's comment, in characters.
const MaxRatingComment = 1000

var (
	ErrRatingsOff    = apperr.New(apperr.Forbidden, "ratings_off", "this site does not ask for ratings")
	ErrNotEnded      = apperr.New(apperr.Conflict, "conversation_open", "a chat is rated once it has ended")
	ErrRatingClosed  = apperr.New(apperr.Conflict, "rating_closed", "a chat is rated within a day of its end")
	errInvalidRating = apperr.Invalidf("rating", "invalid_rating", "rating is good or bad")
)

// Rate stores the visitor's rating of its own chat once it ended: good or
// bad (two taps, the answer most visitors give; the comment says why),
// with an optional comment. It may be changed within RatingWindow of the
// end; a chat has one rating, however often it is changed. Every desk sees
// it at once (the conversation event), and so do the visitor's other tabs.
func (s *Service) Rate(ctx context.Context, a auth.Actor, id, rating, comment string) (store.Conversation, error) {
	if a.VisitorID == "" {
		return store.Conversation{}, ErrForbidden
	}
	if rating != store.RatingGood && rating != store.RatingBad {
		return store.Conversation{}, errInvalidRating
	}
	comment = strings.TrimSpace(comment)
	if !utf8.ValidString(comment) || strings.ContainsRune(comment, 0) || utf8.RuneCountInString(comment) > MaxRatingComment {
		return store.Conversation{}, apperr.Invalidf("comment", "invalid_comment", "a comment has at most %d characters", MaxRatingComment)
	}
	st, err := s.site(ctx, a.WorkspaceID, a.SiteID)
	if err != nil {
		return store.Conversation{}, err
	}
	if !st.Look.Ratings {
		return store.Conversation{}, ErrRatingsOff
	}
	if id == "" {
		return store.Conversation{}, apperr.Invalidf("conversation_id", "required", "conversation_id is required")
	}
	now := s.clock.Now()
	c, err := s.store.RateConversation(ctx, a.WorkspaceID, id, a.VisitorID, rating, comment, now.Add(-RatingWindow), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Conversation{}, ErrConversationNotFound
	case errors.Is(err, store.ErrStale):
		return store.Conversation{}, ErrNotEnded
	case errors.Is(err, store.ErrRatingClosed):
		return store.Conversation{}, ErrRatingClosed
	case err != nil:
		return store.Conversation{}, err
	}
	s.publish(ctx, c, nil)
	return visitorView(c), nil
}
