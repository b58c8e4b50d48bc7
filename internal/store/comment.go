package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// KindComment is an agent's private comment in a conversation: stored
// with the conversation's history (its own seq), never shown to the
// visitor (Private, so a widget receives it as KindHidden).
const KindComment = "comment"

// Comment events: a comment changed after it was sent. Each is appended
// as a private system event naming the comment (meta "message_id"), so a
// desk that resumes from a seq learns of the change; the comment itself
// is changed in place, so a history read later shows it as it is now.
const (
	EventCommentEdited  = "comment_edited"
	EventCommentDeleted = "comment_deleted"
)

// ErrNotAuthor means the comment is someone else's: only its author
// edits or deletes it.
var ErrNotAuthor = errors.New("store: not the comment's author")

// ReviseComment edits a comment of a conversation (body) or, with deleted,
// deletes it: its body is emptied and it stays as a deleted marker. The
// comment's meta gets "edited_at" or "deleted"; ev, the change as a
// private event, is appended in the same transaction and returned with
// its seq. It returns ErrNotFound when there is no such comment,
// ErrNotAuthor when authorID did not write it, and ErrStale when it was
// deleted already.
func (s *Store) ReviseComment(ctx context.Context, workspaceID, conversationID, messageID, authorID, body string, deleted bool, ev Message, now time.Time) (comment, event Message, err error) {
	err = s.inTx(ctx, "store: revise comment", func(tx *sql.Tx) error {
		// The conversation's row first: appends lock it too, in that order.
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET updated_at = updated_at WHERE workspace_id = $1 AND id = $2`,
			workspaceID, conversationID); err != nil {
			return mapErr("store: revise comment", err)
		}
		c, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE workspace_id = $1 AND conversation_id = $2 AND id = $3 AND kind = $4`, workspaceID, conversationID, messageID, KindComment))
		if err != nil {
			return mapErr("store: revise comment", err)
		}
		switch {
		case c.AuthorID != authorID:
			return ErrNotAuthor
		case c.Meta["deleted"] == true:
			return ErrStale
		}
		if c.Meta == nil {
			c.Meta = map[string]any{}
		}
		if deleted {
			c.Body, c.Meta["deleted"] = "", true
			delete(c.Meta, "mentions")
		} else {
			c.Body = body
		}
		c.Meta["edited_at"] = millis(now)
		meta, err := encodeMeta(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = $4, meta = $5 WHERE workspace_id = $1 AND conversation_id = $2 AND id = $3`,
			workspaceID, conversationID, messageID, c.Body, meta); err != nil {
			return mapErr("store: revise comment", err)
		}
		if deleted {
			// What the comment said before goes with it: the bodies its
			// edit events carry too.
			if err := blankEditEvents(ctx, tx, workspaceID, conversationID, messageID); err != nil {
				return err
			}
		}
		// The mentioned agents' inbox items show the comment as it is now.
		if _, err := tx.ExecContext(ctx, `UPDATE inbox_items SET summary = $3 WHERE workspace_id = $1 AND dedupe = $2`,
			workspaceID, "mention:"+messageID, truncateUTF8(strings.Join(strings.Fields(c.Body), " "), previewLen)); err != nil {
			return mapErr("store: revise comment: inbox", err)
		}
		if ev.Meta == nil {
			ev.Meta = map[string]any{}
		}
		ev.Meta["message_id"], ev.Meta["body"] = messageID, c.Body
		ev.Private = true
		if event, err = appendEvent(ctx, tx, workspaceID, conversationID, ev, now); err != nil {
			return err
		}
		// Meta as a reader gets it back from the database (numbers as
		// float64), so callers compare like with like.
		c.Meta["edited_at"] = float64(millis(now))
		comment = c
		return nil
	})
	return comment, event, err
}

// blankEditEvents empties the body the edit events of a comment carry.
func blankEditEvents(ctx context.Context, tx *sql.Tx, workspaceID, conversationID, messageID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE workspace_id = $1 AND conversation_id = $2
		AND kind = $3 AND meta LIKE $4`, workspaceID, conversationID, KindSystem, `%"message_id":"`+messageID+`"%`)
	events, err := collect(rows, err, "store: revise comment: events", scanMessage)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Meta["message_id"] != messageID || e.Meta["event"] != EventCommentEdited {
			continue
		}
		e.Meta["body"] = ""
		meta, err := encodeMeta(e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET meta = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, e.ID, meta); err != nil {
			return mapErr("store: revise comment: events", err)
		}
	}
	return nil
}
