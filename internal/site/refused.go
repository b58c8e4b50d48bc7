package site

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
)

// Refused origins: a widget pasted on a page whose origin the site does
// not allow fails in the visitor's browser, where the site owner cannot
// see why. Each node remembers the origins it refused lately, per site,
// so the owner can see them beside the allow-list and add the right one.
// The record is in memory on purpose: it is a diagnosis of the last
// minutes, not history, and a refused connection must cost no write (a
// page on a wrong origin can open many). It is bounded: refusedPerSite
// origins per site, refusedSites sites (the least recently refused go
// first), refusedOriginLen bytes per origin.
const (
	refusedPerSite   = 10
	refusedSites     = 10_000
	refusedOriginLen = 200
	// RefusedWindow is how long a refused origin is remembered.
	RefusedWindow = 24 * time.Hour
)

// RefusedOrigin is an origin the widget was refused from.
type RefusedOrigin struct {
	Origin   string    `json:"origin"`
	Count    int       `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

type refusals struct {
	mu    sync.Mutex
	sites map[string][]RefusedOrigin // by site id, most recent first
	order []string                   // site ids, least recently refused first
}

func (r *refusals) add(siteID, origin string, now time.Time) {
	if len(origin) > refusedOriginLen {
		origin = origin[:refusedOriginLen]
	}
	origin = strings.ToValidUTF8(origin, "?")
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sites == nil {
		r.sites = map[string][]RefusedOrigin{}
	}
	list, known := r.sites[siteID]
	count := 1
	if i := slices.IndexFunc(list, func(o RefusedOrigin) bool { return o.Origin == origin }); i >= 0 {
		count += list[i].Count
		list = slices.Delete(list, i, i+1)
	}
	list = slices.Insert(list, 0, RefusedOrigin{Origin: origin, Count: count, LastSeen: now})
	if len(list) > refusedPerSite {
		list = list[:refusedPerSite]
	}
	r.sites[siteID] = list
	if known {
		r.order = slices.DeleteFunc(r.order, func(id string) bool { return id == siteID })
	}
	r.order = append(r.order, siteID)
	if len(r.order) > refusedSites {
		delete(r.sites, r.order[0])
		r.order = slices.Delete(r.order, 0, 1)
	}
}

func (r *refusals) list(siteID string, since time.Time) []RefusedOrigin {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []RefusedOrigin{}
	for _, o := range r.sites[siteID] {
		if o.LastSeen.After(since) {
			out = append(out, o)
		}
	}
	return out
}

func (r *refusals) forget(siteID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sites, siteID)
	r.order = slices.DeleteFunc(r.order, func(id string) bool { return id == siteID })
}

// OriginRefused records that a widget of site siteID was refused from
// origin (by this node).
func (s *Service) OriginRefused(siteID, origin string) {
	s.refused.add(siteID, origin, s.clock.Now())
}

// RefusedOrigins lists the origins this node refused a site's widget from
// in the last RefusedWindow, most recent first. Owners and admins.
func (s *Service) RefusedOrigins(ctx context.Context, actor auth.Actor, id string) ([]RefusedOrigin, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	if _, err := s.store.GetSite(ctx, actor.WorkspaceID, id); err != nil {
		return nil, err
	}
	return s.refused.list(id, s.clock.Now().Add(-RefusedWindow)), nil
}
