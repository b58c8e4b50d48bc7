// Package clientid checks the ids clients give what they send
// (client_msg_id), which make a retried send idempotent: a message, a
// comment, a proactive invitation, an upload.
package clientid

import (
	"strings"

	"github.com/querytel/livedesk/internal/apperr"
)

// Max is a client id's length.
const Max = 64

// Check accepts 1 to Max letters, digits and - _ . : (what ids made by
// crypto.randomUUID or a ULID library look like).
func Check(id string) error {
	if id == "" || len(id) > Max {
		return apperr.Invalidf("client_msg_id", "invalid_client_msg_id", "client_msg_id needs 1 to %d characters", Max)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return apperr.Invalidf("client_msg_id", "invalid_client_msg_id", "client_msg_id may hold letters, digits and - _ . : only")
		}
	}
	return nil
}
