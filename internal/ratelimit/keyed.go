// Package ratelimit holds token buckets keyed by a string (a client
// address, an e-mail, a site), on the caller's clock, with bounded memory.
// A Keyed is safe for concurrent use.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxKeys bounds the buckets one limiter keeps. Idle buckets that
// have refilled are dropped on a sweep, so normally it holds only the keys
// seen in the last refill period; past this many (a flood of distinct
// e-mails or addresses), new keys share one overflow bucket instead of
// growing memory. 100,000 buckets are about 10 MB.
const MaxKeys = 100_000

// Keyed is a set of token buckets keyed by a string. Keys are bounded in
// length by the callers.
type Keyed struct {
	mu        sync.Mutex
	every     time.Duration
	burst     int
	maxKeys   int
	buckets   map[string]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

// New returns a Keyed whose buckets hold burst tokens and gain one every
// every.
func New(every time.Duration, burst int) *Keyed {
	return NewBounded(every, burst, MaxKeys)
}

// NewBounded is New with at most maxKeys buckets.
func NewBounded(every time.Duration, burst, maxKeys int) *Keyed {
	return &Keyed{every: every, burst: burst, maxKeys: maxKeys, buckets: map[string]*rate.Limiter{},
		overflow: rate.NewLimiter(rate.Every(every), burst)}
}

// bucket returns key's bucket; l.mu is held.
func (l *Keyed) bucket(key string, now time.Time) *rate.Limiter {
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

// Allow takes one token from key's bucket at time now, and reports
// whether there was one.
func (l *Keyed) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, now).AllowN(now, 1)
}

// Ready reports whether key's bucket holds a token, taking none: for
// limits charged only by failures.
func (l *Keyed) Ready(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, now).TokensAt(now) >= 1
}

// Take takes one token from key's bucket, if one is left (a failure, for
// limits checked with Ready).
func (l *Keyed) Take(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, now).AllowN(now, 1)
}

// Size is how many keys l holds.
func (l *Keyed) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Hold takes one token from key's bucket now, if one is left, and returns
// a func that gives it back. Taking before a costly check and giving back
// when the check passes charges only failures, and parallel attempts
// cannot all pass a check made before any of them was charged.
func (l *Keyed) Hold(key string, now time.Time) (giveBack func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucket(key, now).ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		r.CancelAt(now)
	}, true
}

// Spend takes one token from key's bucket at time now, and reports
// whether there was one, how many whole tokens are left, and how long
// until the next token: what RateLimit-* and Retry-After headers say.
func (l *Keyed) Spend(key string, now time.Time) (ok bool, left int, next time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	ok = b.AllowN(now, 1)
	left = max(int(b.TokensAt(now)), 0)
	return ok, left, UntilToken(b, now)
}

// UntilToken is how long until b holds a whole token at time now (0 when
// it does). It only reads b: a reservation cancelled at once may keep a
// token that refilled in between.
func UntilToken(b *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(b.Limit()) * float64(time.Second))
}

// Burst is a bucket's size.
func (l *Keyed) Burst() int { return l.burst }
