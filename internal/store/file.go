package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"time"
)

// File is an attachment of a conversation: what its download needs. The
// bytes are in chunks (the database is the default blob store); Complete is
// set once they are all written.
type File struct {
	ID             string    `json:"id"`
	WorkspaceID    string    `json:"-"`
	ConversationID string    `json:"conversation_id"`
	ClientMsgID    string    `json:"client_msg_id"`
	AuthorType     string    `json:"author_type"`
	AuthorID       string    `json:"author_id,omitempty"`
	Name           string    `json:"name"`
	ContentType    string    `json:"content_type"`
	Size           int64     `json:"size"`
	Width          int       `json:"width,omitempty"`
	Height         int       `json:"height,omitempty"`
	Complete       bool      `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	// WrittenAt is when a chunk was last written (an upload under way
	// moves it).
	WrittenAt time.Time `json:"-"`
}

// NewFileID returns a file id: 144 random bits, URL-safe. A file's URL is
// its id, so it must not be guessable from another one (a UUIDv7 carries
// its time and has fewer random bits); the download checks the requester
// as well.
func NewFileID() string {
	var b [18]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

const fileColumns = `id, workspace_id, conversation_id, client_msg_id, author_type, author_id, name, content_type, size, width, height,
	complete, created_at, written_at`

func scanFile(sc scanner) (File, error) {
	var (
		f        File
		cre, wrt int64
	)
	err := sc.Scan(&f.ID, &f.WorkspaceID, &f.ConversationID, &f.ClientMsgID, &f.AuthorType, &f.AuthorID, &f.Name, &f.ContentType,
		&f.Size, &f.Width, &f.Height, &f.Complete, &cre, &wrt)
	f.CreatedAt, f.WrittenAt = fromMillis(cre), fromMillis(wrt)
	return f, err
}

// CreateFile records an upload starting in one of the workspace's
// conversations (ErrNotFound for another's), incomplete until
// CompleteFile. A file with the same (conversation, client_msg_id) is
// ErrConflict: the caller reads it with FileByClientMsgID.
func (s *Store) CreateFile(ctx context.Context, f File, now time.Time) (File, error) {
	if f.ID == "" {
		f.ID = NewFileID()
	}
	f.CreatedAt, f.WrittenAt, f.Complete, f.Size, f.Width, f.Height = stored(now), stored(now), false, 0, 0, 0
	err := s.inTx(ctx, "store: create file", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "conversations", f.WorkspaceID, f.ConversationID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO files (id, workspace_id, conversation_id, client_msg_id, author_type, author_id, name,
			content_type, created_at, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			f.ID, f.WorkspaceID, f.ConversationID, f.ClientMsgID, f.AuthorType, f.AuthorID, f.Name, f.ContentType, millis(now))
		return mapErr("store: create file", err)
	})
	return f, err
}

// GetFile reads one of the workspace's files.
func (s *Store) GetFile(ctx context.Context, workspaceID, id string) (File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return f, mapErr("store: get file", err)
}

// FileByClientMsgID reads the file uploaded to a conversation under a
// client_msg_id: a retried upload finds what the first one stored.
func (s *Store) FileByClientMsgID(ctx context.Context, workspaceID, conversationID, clientMsgID string) (File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files
		WHERE workspace_id = $1 AND conversation_id = $2 AND client_msg_id = $3`, workspaceID, conversationID, clientMsgID))
	return f, mapErr("store: file by client_msg_id", err)
}

// CountFiles is how many files a conversation holds, complete or not.
func (s *Store) CountFiles(ctx context.Context, workspaceID, conversationID string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM files WHERE workspace_id = $1 AND conversation_id = $2`,
		workspaceID, conversationID).Scan(&n)
	return n, mapErr("store: count files", err)
}

// PutFileChunk stores the n-th chunk of an incomplete file of the
// workspace (ErrNotFound for another's, or a complete one: its bytes
// never change once a message names them) and moves its written_at. Each
// chunk is its own short write, so a large upload never holds SQLite's
// writer for long.
func (s *Store) PutFileChunk(ctx context.Context, workspaceID, fileID string, n int, data []byte, now time.Time) error {
	return s.inTx(ctx, "store: put file chunk", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE files SET written_at = $3 WHERE workspace_id = $1 AND id = $2 AND complete = $4`,
			workspaceID, fileID, millis(now), false)
		if err := mustAffect("store: put file chunk", res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO file_chunks (file_id, n, data) VALUES ($1, $2, $3)`, fileID, n, data)
		return mapErr("store: put file chunk", err)
	})
}

// FileChunk reads the n-th chunk of one of the workspace's files.
func (s *Store) FileChunk(ctx context.Context, workspaceID, fileID string, n int) ([]byte, error) {
	var data []byte
	err := s.read.QueryRowContext(ctx, `SELECT c.data FROM file_chunks c JOIN files f ON f.id = c.file_id
		WHERE f.workspace_id = $1 AND c.file_id = $2 AND c.n = $3`, workspaceID, fileID, n).Scan(&data)
	return data, mapErr("store: file chunk", err)
}

// CompleteFile marks a file's bytes written, with their size and (for an
// image) its dimensions.
func (s *Store) CompleteFile(ctx context.Context, workspaceID, id string, size int64, width, height int) error {
	res, err := s.write.ExecContext(ctx, `UPDATE files SET complete = $3, size = $4, width = $5, height = $6
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, true, size, width, height)
	return mustAffect("store: complete file", res, err)
}

// AbandonUpload deletes one of the workspace's incomplete files whose last
// chunk was written before cutoff: an upload that stopped (its client
// retries). ErrNotFound when there is none such: it completed, or is
// still moving.
func (s *Store) AbandonUpload(ctx context.Context, workspaceID, id string, cutoff time.Time) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM files WHERE workspace_id = $1 AND id = $2 AND complete = $3 AND written_at < $4`,
		workspaceID, id, false, millis(cutoff))
	return mustAffect("store: abandon upload", res, err)
}

// DeleteFile deletes one of the workspace's files with its chunks.
func (s *Store) DeleteFile(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM files WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return mustAffect("store: delete file", res, err)
}

// DeleteStaleFiles deletes, across workspaces, up to limit files created
// before cutoff that were left incomplete (an upload cut off) or that no
// message names (the message was refused, or its client never came back):
// the blob store's sweep. A file with a message is kept until its
// conversation is deleted.
func (s *Store) DeleteStaleFiles(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM files WHERE id IN (
		SELECT f.id FROM files f WHERE f.created_at < $1 AND (f.complete = $2 OR NOT EXISTS (
			SELECT 1 FROM messages m WHERE m.conversation_id = f.conversation_id AND m.client_msg_id = f.client_msg_id)) LIMIT $3)`,
		millis(cutoff), false, limit)
	n, err := affected(res, err)
	return int(n), mapErr("store: delete stale files", err)
}
