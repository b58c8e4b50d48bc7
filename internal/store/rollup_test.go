package store

import (
	"reflect"
	"testing"
	"time"
)

func TestSpansCoverDaysWithTheFewestRows(t *testing.T) {
	for _, c := range []struct {
		a, b int64
		want []span
	}{
		{5, 6, []span{{1, 5, 6}}},
		{5, 5, nil},
		{6, 17, []span{{1, 6, 8}, {8, 8, 16}, {1, 16, 17}}},
		{60, 200, []span{{1, 60, 64}, {64, 64, 192}, {8, 192, 200}}},
		{0, 64, []span{{64, 0, 64}}},
	} {
		if got := spans(c.a, c.b); !reflect.DeepEqual(got, c.want) {
			t.Errorf("spans(%d, %d) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestDurationBuckets(t *testing.T) {
	for s, want := range map[int64]int64{0: 0, 59: 59, 119: 119, 120: 120, 137: 135, 599: 595, 600: 600, 629: 600, 3599: 3570,
		3600: 3600, 3659: 3600, 86399: 86340, 86400: 86400, 90599: 90000} {
		if got := DurationBucket(s); got != want {
			t.Errorf("DurationBucket(%d) = %d, want %d", s, got, want)
		}
	}
	// The database counts alike.
	s := migratedSQLite(t, Options{}, time.Unix(0, 0))
	for _, v := range []int64{0, 59, 137, 599, 629, 3599, 3659, 86399, 90599} {
		var got int64
		if err := s.read.QueryRowContext(t.Context(), "SELECT "+bucketSQL("CAST($1 AS BIGINT)"), v).Scan(&got); err != nil || got != DurationBucket(v) {
			t.Errorf("bucketSQL(%d) = %d, %v; want %d", v, got, err, DurationBucket(v))
		}
	}
}
