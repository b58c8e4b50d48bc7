package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/pgtest"
)

// BenchmarkContactSearch searches and pages 100,000 contacts of one
// workspace (with a second workspace of 20,000 beside it), on SQLite and,
// with LIVEDESK_TEST_POSTGRES_URL, PostgreSQL. Each case reports the
// median and 95th percentile of a query's time, in milliseconds
// (docs/benchmarks.md, Contact search):
//
//	go test -run '^$' -bench BenchmarkContactSearch -benchtime 200x ./internal/store/
func BenchmarkContactSearch(b *testing.B) {
	for _, db := range []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "livedesk.db") }},
		{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
	} {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, db.dsn(b), Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			now := time.Now()
			if _, err := s.Migrate(ctx, now); err != nil {
				b.Fatal(err)
			}
			ws := seedContacts(b, s, 100_000, now)
			seedContacts(b, s, 20_000, now)
			deep, err := s.ListContacts(ctx, ws, ContactQuery{Limit: 1, After: nil, Sort: ContactsByName, Query: "user9000"})
			if err != nil || len(deep) == 0 {
				b.Fatalf("a contact deep in the list: %v", err)
			}
			for _, c := range []struct {
				name string
				q    ContactQuery
			}{
				{"first page by name", ContactQuery{Limit: 50}},
				{"page 1800 by name (keyset)", ContactQuery{Limit: 50, After: &deep[0]}},
				{"newest first", ContactQuery{Limit: 50, Sort: ContactsByCreated}},
				{"a common name", ContactQuery{Limit: 50, Query: "ann"}},
				{"an e-mail address", ContactQuery{Limit: 50, Query: "user77777@"}},
				{"phone digits", ContactQuery{Limit: 50, Query: "555 0123"}},
				{"a field value", ContactQuery{Limit: 50, Query: "gold"}},
				{"no match", ContactQuery{Limit: 50, Query: "zzzz"}},
			} {
				b.Run(c.name, func(b *testing.B) {
					took := make([]time.Duration, 0, b.N)
					for b.Loop() {
						t0 := time.Now()
						if _, err := s.ListContacts(ctx, ws, c.q); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(t0))
					}
					slices.Sort(took)
					ms := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))]) / 1e6 }
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.95), "p95-ms")
				})
			}
		})
	}
}

// seedContacts makes a workspace with n contacts, in batches of 500 rows
// per statement, and returns its id.
func seedContacts(b *testing.B, s *Store, n int, now time.Time) string {
	b.Helper()
	ctx := context.Background()
	w, err := s.CreateWorkspace(ctx, "Bench", now)
	if err != nil {
		b.Fatal(err)
	}
	first := []string{"Ann", "Bea", "Cy", "Dee", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo", "Kim", "Lea", "Max", "Nia", "Otto", "Pia"}
	last := []string{"Lee", "Park", "Meyer", "Rossi", "Silva", "Novak", "Kaur", "Smith", "Diaz", "Weber", "Sato", "Berg"}
	plans := []string{"free", "silver", "gold"}
	var base int64
	if err := s.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts`).Scan(&base); err != nil {
		b.Fatal(err)
	}
	cols, extra := "", 0
	if s.dialect == SQLite {
		cols, extra = ", search_id", 1 // the trigram index's key, as insertContact sets it
	}
	for start := 0; start < n; start += 500 {
		var rows []string
		var args []any
		for i := start; i < min(start+500, n); i++ {
			c := Contact{WorkspaceID: w.ID, ExternalID: fmt.Sprintf("ext-%d", i),
				Name:   first[i%len(first)] + " " + last[(i/len(first))%len(last)],
				Email:  fmt.Sprintf("user%d@shop%d.example", i, i%97),
				Phone:  fmt.Sprintf("+1 555 %04d %03d", i%10000, i%1000),
				Fields: map[string]ContactField{"plan": {Type: FieldText, Value: plans[i%len(plans)]}}}
			fields, err := fieldsJSON(c.Fields)
			if err != nil {
				b.Fatal(err)
			}
			k := len(args)
			marks := make([]string, 10+extra)
			for j := range marks {
				marks[j] = fmt.Sprintf("$%d", k+j+1)
			}
			rows = append(rows, "("+strings.Join(marks, ", ")+")")
			at := millis(now.Add(time.Duration(i) * time.Millisecond))
			args = append(args, NewID(), w.ID, c.ExternalID, c.Name, c.Email, c.Phone, fields, searchText(c), at, at)
			if extra > 0 {
				args = append(args, base+int64(i)+1)
			}
		}
		if _, err := s.write.ExecContext(ctx, `INSERT INTO contacts (id, workspace_id, external_id, name, email, phone, fields, search, created_at, updated_at`+cols+`)
			VALUES `+strings.Join(rows, ", "), args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return w.ID
}
