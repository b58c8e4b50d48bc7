package guard

import (
	"sync"
	"time"
)

// diskCheckEvery bounds how stale the free-space reading may be: a statfs
// costs a syscall, and every widget write asks. Filling 512 MiB takes far
// longer than this at any rate the limits allow.
const diskCheckEvery = 2 * time.Second

// diskWatch reads a directory's free space at most every diskCheckEvery
// (wall time: it measures the machine, not a rule of the product).
type diskWatch struct {
	dir  string
	min  uint64
	free func(dir string) (uint64, error) // freeBytes; tests replace it

	mu      sync.Mutex
	checked time.Time
	isLow   bool
}

func newDiskWatch(dir string, min uint64) *diskWatch {
	return &diskWatch{dir: dir, min: min, free: freeBytes}
}

func (d *diskWatch) low() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now := time.Now(); now.Sub(d.checked) >= diskCheckEvery {
		d.checked = now
		// An unreadable reading keeps the last verdict: refusing writes
		// because a statfs failed would be worse than a late refusal.
		if free, err := d.free(d.dir); err == nil {
			d.isLow = free < d.min
		}
	}
	return d.isLow
}
