package analytics

import (
	"cmp"
	"context"
	"slices"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// BroadcastDay is one day's counts of the broadcasts.
type BroadcastDay struct {
	Date string `json:"date"`
	store.BroadcastStats
}

// BroadcastLine is one broadcast's counts in the period.
type BroadcastLine struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	store.BroadcastStats
}

// Broadcasts is the broadcasts section: the period's totals, by day, and
// by broadcast (those with any count in it, most reached first).
type Broadcasts struct {
	Period
	Totals     store.BroadcastStats `json:"totals"`
	Days       []BroadcastDay       `json:"days"`
	Broadcasts []BroadcastLine      `json:"broadcasts"`
}

// BroadcastsOf reads what the workspace's broadcasts (or one,
// q.BroadcastID) did in a period: visitors reached, showings, and
// visitors who dismissed, clicked and replied. Those who may read
// analytics or manage broadcasts may read it; it is kept by 15-minute
// slot as it happens (broadcast_stats), so a year is a few thousand rows.
func (s *Service) BroadcastsOf(ctx context.Context, a auth.Actor, q Query) (Broadcasts, error) {
	if !a.Can(auth.ViewAnalytics) && !a.Can(auth.ManageBroadcasts) {
		return Broadcasts{}, apperr.ErrForbidden
	}
	w, err := s.zoned(ctx, a.WorkspaceID, q)
	if err != nil {
		return Broadcasts{}, err
	}
	var (
		slots []store.BroadcastSlot
		list  []store.Broadcast
	)
	if err := parallel(func() (err error) {
		slots, err = s.store.BroadcastActivity(ctx, a.WorkspaceID, q.BroadcastID, w.from, w.to)
		return err
	}, func() (err error) {
		list, err = s.store.ListBroadcasts(ctx, a.WorkspaceID, "", "", 1000)
		return err
	}); err != nil {
		return Broadcasts{}, err
	}
	out := Broadcasts{Period: w.period(), Broadcasts: []BroadcastLine{}}
	days, byDate := eachDay(w, func(date string) BroadcastDay { return BroadcastDay{Date: date} })
	lines := map[string]*BroadcastLine{}
	for _, sl := range slots {
		out.Totals.Add(sl.BroadcastStats)
		if d := byDate[sl.Slot.In(w.loc).Format(DateLayout)]; d != nil {
			d.Add(sl.BroadcastStats)
		}
		line := lines[sl.BroadcastID]
		if line == nil {
			line = &BroadcastLine{ID: sl.BroadcastID}
			lines[sl.BroadcastID] = line
		}
		line.Add(sl.BroadcastStats)
	}
	for _, b := range list {
		if line := lines[b.ID]; line != nil {
			line.Name, line.Kind, line.Status = b.Name, b.Kind, b.Status
			out.Broadcasts = append(out.Broadcasts, *line)
		}
	}
	slices.SortStableFunc(out.Broadcasts, func(x, y BroadcastLine) int { return cmp.Compare(y.Reached, x.Reached) })
	out.Days = days
	return out, nil
}
