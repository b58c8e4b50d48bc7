package pgtest_test

import (
	"context"
	"testing"

	"github.com/querytel/livedesk/internal/pgtest"
)

// TestCreateSchemaRefusesOtherURLs: a URL that is not postgres:// fails
// before any connection is tried. (The schema itself is covered by the
// store's TestPostgresSchemaPerTest, which needs a database.)
func TestCreateSchemaRefusesOtherURLs(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "mysql://127.0.0.1/test", "/tmp/livedesk.db", "::bad"} {
		if _, _, err := pgtest.CreateSchema(context.Background(), base, "x_"); err == nil {
			t.Errorf("CreateSchema(%q) succeeded", base)
		}
	}
}
