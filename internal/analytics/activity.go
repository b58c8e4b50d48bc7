package analytics

import (
	"context"
	"slices"
	"strings"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// TicketCounts are a period's (or a day's) tickets: made, accepted by an
// agent and closed in it (duplicates merged into another not counted).
type TicketCounts struct {
	Created  int `json:"created"`
	Accepted int `json:"accepted"`
	Closed   int `json:"closed"`
}

// TicketDay is one day's tickets.
type TicketDay struct {
	Date string `json:"date"`
	TicketCounts
}

// Tickets is the tickets' answer: totals against the period before, by
// day, and how long the tickets made in the period waited to be accepted.
type Tickets struct {
	Period
	Totals       TicketCounts `json:"totals"`
	Previous     TicketCounts `json:"previous"`
	Days         []TicketDay  `json:"days"`
	TimeToAccept Spread       `json:"time_to_accept"`
}

// TicketsOf answers for the period's tickets (of a site, a department, an
// assignee): supervisors and above.
func (s *Service) TicketsOf(ctx context.Context, a auth.Actor, q Query) (Tickets, error) {
	w, err := s.window(ctx, a, q)
	if err != nil {
		return Tickets{}, err
	}
	// Each moment's slots, the period before's totals, the waits: at once.
	moments := []string{store.TicketsMade, store.TicketsAccepted, store.TicketsClosed}
	slots := make([][]store.SlotCount, len(moments))
	before := make([]int, len(moments))
	var waits []store.Took
	reads := []func() error{func() (err error) {
		waits, err = s.store.TicketAcceptTimes(ctx, a.WorkspaceID, q.filter(w.from, w.to))
		return err
	}}
	for i, m := range moments {
		reads = append(reads,
			func() (err error) {
				slots[i], err = s.store.TicketSlots(ctx, a.WorkspaceID, q.filter(w.from, w.to), m)
				return err
			},
			func() (err error) {
				before[i], err = s.store.TicketCount(ctx, a.WorkspaceID, q.filter(w.prev, w.from), m)
				return err
			})
	}
	if err := parallel(reads...); err != nil {
		return Tickets{}, err
	}
	out := Tickets{Period: w.period(), TimeToAccept: spread(waits, ""),
		Previous: TicketCounts{Created: before[0], Accepted: before[1], Closed: before[2]}}
	var days map[string]*TicketDay
	out.Days, days = eachDay(w, func(date string) TicketDay { return TicketDay{Date: date} })
	for i, counts := range slots {
		for _, c := range counts {
			var n TicketCounts
			*[]*int{&n.Created, &n.Accepted, &n.Closed}[i] = c.N
			out.Totals.add(n)
			if d := days[w.local(c.Slot).Format(DateLayout)]; d != nil {
				d.add(n)
			}
		}
	}
	return out, nil
}

func (c *TicketCounts) add(n TicketCounts) {
	c.Created += n.Created
	c.Accepted += n.Accepted
	c.Closed += n.Closed
}

// ContactDay is one day's new contacts.
type ContactDay struct {
	Date string `json:"date"`
	New  int    `json:"new"`
}

// Contacts is the contacts' answer: how many were made in the period and
// the period before, and by day. (Returning visitors are the chats'
// figure: Counts.Returning.)
type Contacts struct {
	Period
	New         int          `json:"new"`
	PreviousNew int          `json:"previous_new"`
	Days        []ContactDay `json:"days"`
}

// ContactsOf answers for the period's new contacts: supervisors and
// above. Contacts belong to the workspace, not to a site or department,
// so q's filters do not apply.
func (s *Service) ContactsOf(ctx context.Context, a auth.Actor, q Query) (Contacts, error) {
	w, err := s.window(ctx, a, q)
	if err != nil {
		return Contacts{}, err
	}
	var slots, prev []store.SlotCount
	if err := parallel(
		func() (err error) { slots, err = s.store.NewContacts(ctx, a.WorkspaceID, w.from, w.to); return err },
		func() (err error) { prev, err = s.store.NewContacts(ctx, a.WorkspaceID, w.prev, w.from); return err },
	); err != nil {
		return Contacts{}, err
	}
	out := Contacts{Period: w.period()}
	var days map[string]*ContactDay
	out.Days, days = eachDay(w, func(date string) ContactDay { return ContactDay{Date: date} })
	for _, c := range slots {
		out.New += c.N
		if d := days[w.local(c.Slot).Format(DateLayout)]; d != nil {
			d.New += c.N
		}
	}
	for _, c := range prev {
		out.PreviousNew += c.N
	}
	return out, nil
}

// AgentTime is how long an agent was online, busy and offline in the
// period, in seconds, up to now. Time before an agent's first recorded
// state (one made after the period began) is in none of them.
type AgentTime struct {
	AgentID  string `json:"agent_id"`
	OnlineS  int64  `json:"online_s"`
	BusyS    int64  `json:"busy_s"`
	OfflineS int64  `json:"offline_s"`
}

// Operators is the operators' answer: each agent's time by state, most
// time online first.
type Operators struct {
	Period
	Agents []AgentTime `json:"agents"`
}

// OperatorsOf answers for the period's operators (one, with q's agent):
// supervisors and above.
func (s *Service) OperatorsOf(ctx context.Context, a auth.Actor, q Query) (Operators, error) {
	w, err := s.window(ctx, a, q)
	if err != nil {
		return Operators{}, err
	}
	end := min(w.to.UnixMilli(), s.clock.Now().UnixMilli())
	states, err := s.store.AgentStates(ctx, a.WorkspaceID, w.from, w.to)
	if err != nil {
		return Operators{}, err
	}
	out := Operators{Period: w.period(), Agents: []AgentTime{}}
	// The states come by agent and time: each lasts until the next of
	// the same agent, the last until the period's end (or now).
	for i := 0; i < len(states); {
		j := i
		for j < len(states) && states[j].AgentID == states[i].AgentID {
			j++
		}
		if q.AgentID == "" || q.AgentID == states[i].AgentID {
			t := AgentTime{AgentID: states[i].AgentID}
			for k := i; k < j; k++ {
				until := end
				if k+1 < j {
					until = min(end, states[k+1].At.UnixMilli())
				}
				ms := max(0, until-states[k].At.UnixMilli())
				switch states[k].State {
				case store.StateOnline:
					t.OnlineS += ms
				case store.StateBusy:
					t.BusyS += ms
				default:
					t.OfflineS += ms
				}
			}
			t.OnlineS, t.BusyS, t.OfflineS = t.OnlineS/1000, t.BusyS/1000, t.OfflineS/1000
			out.Agents = append(out.Agents, t)
		}
		i = j
	}
	slices.SortFunc(out.Agents, func(x, y AgentTime) int {
		if x.OnlineS != y.OnlineS {
			return int(y.OnlineS - x.OnlineS)
		}
		return strings.Compare(x.AgentID, y.AgentID)
	})
	return out, nil
}
