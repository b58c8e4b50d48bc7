package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/rating"
)

func (a *API) ratingSummary(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	in := rating.Query{AgentID: q.Get("agent_id"), SiteID: q.Get("site_id"), DepartmentID: q.Get("department_id"), Commented: q.Get("commented") == "true"}
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"from", &in.From}, {"to", &in.To}} {
		if v := q.Get(t.name); v != "" {
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				a.writeError(w, r, apperr.Invalidf(t.name, "invalid_time", "%s is an RFC 3339 time", t.name))
				return
			}
			*t.to = at
		}
	}
	a.respond(w, r, http.StatusOK)(a.ratings.Summarize(r.Context(), p.Actor(), in))
}

// analyticsQuery reads a period and its filters from the URL
// (analytics.Query), or answers 400 and reports false.
func (a *API) analyticsQuery(w http.ResponseWriter, r *http.Request) (analytics.Query, bool) {
	q := r.URL.Query()
	in := analytics.Query{From: q.Get("from"), To: q.Get("to"), SiteID: q.Get("site_id"), DepartmentID: q.Get("department_id"), AgentID: q.Get("agent_id"), BroadcastID: q.Get("broadcast_id")}
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			a.writeError(w, r, apperr.Invalidf("days", "invalid_period", "days is a whole number of days, 1 or more"))
			return in, false
		}
		in.Days = n
	}
	return in, true
}

// analyticsHandler answers a GET of one analytics section.
func analyticsHandler[T any](a *API, of func(context.Context, auth.Actor, analytics.Query) (T, error)) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		if in, ok := a.analyticsQuery(w, r); ok {
			a.respond(w, r, http.StatusOK)(of(r.Context(), p.Actor(), in))
		}
	}
}
