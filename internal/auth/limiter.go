package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the buckets one limiter keeps. Idle buckets that
// have refilled are dropped on a sweep, so normally it holds only the keys
// seen in the last refill period; past this many (a flood of distinct
// e-mails or addresses), new keys share one overflow bucket instead of
// growing memory. 100,000 buckets are about 10 MB.
const maxLimiterKeys = 100_000

// limiter is a set of token buckets keyed by a string (an IP, an e-mail),
// on the caller's clock. Keys are bounded in length by the callers.
type limiter struct {
	mu        sync.Mutex
	every     time.Duration
	burst     int
	maxKeys   int
	buckets   map[string]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

func newLimiter(every time.Duration, burst int) *limiter {
	return &limiter{every: every, burst: burst, maxKeys: maxLimiterKeys, buckets: map[string]*rate.Limiter{},
		overflow: rate.NewLimiter(rate.Every(every), burst)}
}

// bucket returns key's bucket; l.mu is held.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	if b, ok := l.buckets[key]; ok {
		return b
	}
	full := l.every * time.Duration(l.burst)
	if now.Sub(l.lastSweep) > full || len(l.buckets) >= l.maxKeys {
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	if len(l.buckets) >= l.maxKeys {
		return l.overflow
	}
	b := rate.NewLimiter(rate.Every(l.every), l.burst)
	l.buckets[key] = b
	return b
}

// allow takes one token from key's bucket at time now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, now).AllowN(now, 1)
}

// ready reports whether key's bucket holds a token, taking none: for
// limits charged only by failures.
func (l *limiter) ready(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, now).TokensAt(now) >= 1
}

// fail takes one token from key's bucket (if one is left): a failure.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, now).AllowN(now, 1)
}

// size is how many keys l holds (tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
