package store_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/querytel/livedesk/internal/store"
)

// TestMigrationFoldersMatch: both dialects have the same numbered
// migrations, so a schema change is never made for one engine only.
func TestMigrationFoldersMatch(t *testing.T) {
	t.Parallel()
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration folders differ:\nsqlite   %v\npostgres %v", lite, pg)
	}
	name := regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+$`)
	for i, n := range lite {
		if !name.MatchString(n) {
			t.Errorf("migration %q is not named NNNN_snake_case", n)
		}
		if want := i + 1; n[:4] != leftPad(want) {
			t.Errorf("migration %q: numbers must run 0001, 0002, ... without gaps (want %04d)", n, want)
		}
	}
	if _, err := store.Migrations("oracle"); err == nil {
		t.Error("Migrations of an unknown dialect succeeded")
	}
}

func leftPad(n int) string {
	s := []byte("0000")
	for i := 3; i >= 0 && n > 0; i-- {
		s[i] = byte('0' + n%10)
		n /= 10
	}
	return string(s)
}
