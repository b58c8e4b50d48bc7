package site

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRefusalsAreBounded: the record of refused origins keeps the latest
// few per site, counts repeats, cuts long origins, forgets old ones and
// the least recently refused sites, so a flood of wrong-origin pages
// cannot grow it.
func TestRefusalsAreBounded(t *testing.T) {
	t.Parallel()
	var r refusals
	now := time.Unix(1_700_000_000, 0)
	for i := range refusedPerSite + 5 {
		r.add("s1", fmt.Sprintf("https://o%d.example", i), now.Add(time.Duration(i)*time.Second))
	}
	r.add("s1", "https://o14.example", now.Add(time.Minute))
	got := r.list("s1", now.Add(-time.Hour))
	if len(got) != refusedPerSite {
		t.Fatalf("kept %d origins, want %d", len(got), refusedPerSite)
	}
	if got[0].Origin != "https://o14.example" || got[0].Count != 2 || !got[0].LastSeen.Equal(now.Add(time.Minute)) {
		t.Errorf("most recent: %+v, want o14 twice at +1m", got[0])
	}
	if got[len(got)-1].Origin != "https://o5.example" {
		t.Errorf("oldest kept: %s, want o5 (o0–o4 dropped)", got[len(got)-1].Origin)
	}
	if old := r.list("s1", now.Add(30*time.Second)); len(old) != 1 {
		t.Errorf("since +30s: %d origins, want the one refused at +1m", len(old))
	}

	r.add("s2", strings.Repeat("x", 5000)+"\xff", now)
	if o := r.list("s2", now.Add(-time.Hour))[0].Origin; len(o) != refusedOriginLen {
		t.Errorf("a long origin kept %d bytes, want %d", len(o), refusedOriginLen)
	}
	for i := range refusedSites {
		r.add(fmt.Sprint("site", i), "https://x.example", now)
	}
	if len(r.sites) != refusedSites || len(r.list("s1", now.Add(-time.Hour))) != 0 {
		t.Errorf("%d sites kept (want %d), s1 still listed: the least recently refused must go first", len(r.sites), refusedSites)
	}
	r.forget("site5")
	if len(r.list("site5", now.Add(-time.Hour))) != 0 {
		t.Error("a deleted site's refusals are still listed")
	}
}
