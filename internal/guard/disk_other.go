//go:build !unix

package guard

import "errors"

// freeBytes cannot be read here; the watch then never reports low.
func freeBytes(string) (uint64, error) {
	return 0, errors.New("guard: free space unknown on this platform")
}
