package visitor

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// FuzzPage: an accepted heartbeat carries http(s) URLs within bounds and a
// bounded UTF-8 title.
func FuzzPage(f *testing.F) {
	f.Add("https://a.example/x?y=1", "Title", "https://b.example/")
	f.Add("javascript:alert(1)", "", "")
	f.Add("", "\xff", "ftp://x")
	f.Fuzz(func(t *testing.T, u, title, ref string) {
		pv, err := Page{URL: u, Title: title, Referrer: ref}.validate()
		if err != nil {
			return
		}
		for _, v := range []string{pv.URL, pv.Referrer} {
			if v == "" {
				continue
			}
			p, err := url.Parse(v)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || len(v) > maxURL {
				t.Fatalf("accepted URL %q", v)
			}
		}
		if !utf8.ValidString(pv.Title) || utf8.RuneCountInString(pv.Title) > maxTitle {
			t.Fatalf("accepted title %q", pv.Title)
		}
	})
}

// contextStore records what SetContext stores.
type contextStore struct {
	Store
	stored map[string]any
}

func (s *contextStore) SetVisitorContext(_ context.Context, _, _ string, data map[string]any, _ time.Time) error {
	s.stored = data
	return nil
}

// FuzzSetContext: whatever JSON a page passes, stored context data stays
// within the documented limits and holds only strings, finite numbers and
// bools.
func FuzzSetContext(f *testing.F) {
	f.Add(`{"plan":"pro","cart":42.5,"vip":true}`)
	f.Add(`{"gone":null}`)
	f.Add(`{"bad key":1}`)
	f.Add(`{"nested":{"a":1}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var data map[string]any
		if json.Unmarshal([]byte(in), &data) != nil {
			return
		}
		st := &contextStore{}
		svc := New(st, clock.NewFake(time.Unix(0, 0)), event.NewPublisher(bus.NewMemory(), nil), Options{})
		merged, err := svc.SetContext(context.Background(), store.Visitor{ID: "v", WorkspaceID: "w"}, data)
		if err != nil {
			if st.stored != nil {
				t.Fatal("a refused context was stored")
			}
			return
		}
		if len(merged) > MaxContextKeys {
			t.Fatalf("%d keys stored", len(merged))
		}
		for k, v := range st.stored {
			if len(k) == 0 || len(k) > MaxContextKey || !contextKey.MatchString(k) {
				t.Fatalf("stored key %q", k)
			}
			switch x := v.(type) {
			case string:
				if utf8.RuneCountInString(x) > MaxContextString {
					t.Fatalf("stored a %d-character string", utf8.RuneCountInString(x))
				}
			case float64, bool:
			default:
				t.Fatalf("stored a %T", v)
			}
		}
	})
}
