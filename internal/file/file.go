// Package file keeps the attachments of conversations: it checks an upload
// against its workspace's limits (size, count, kinds) and its content
// against its name, stores the bytes in a Blobs (the database by default),
// and posts the file message; it serves a file back to who may see it. A
// file message is a message (seq, idempotent by client_msg_id, resumed
// like any other); its upload is idempotent by the same id. A Service is
// safe for concurrent use.
package file

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image dimensions, for a preview that holds its place
	_ "image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clientid"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/readcache"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what file needs from the database.
type Store interface {
	CreateFile(ctx context.Context, f store.File, now time.Time) (store.File, error)
	GetFile(ctx context.Context, workspaceID, id string) (store.File, error)
	FileByClientMsgID(ctx context.Context, workspaceID, conversationID, clientMsgID string) (store.File, error)
	CountFiles(ctx context.Context, workspaceID, conversationID string) (int, error)
	CompleteFile(ctx context.Context, workspaceID, id string, size int64, width, height int) error
	DeleteFile(ctx context.Context, workspaceID, id string) error
	AbandonUpload(ctx context.Context, workspaceID, id string, cutoff time.Time) error
	DeleteStaleFiles(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Chat is what file needs from the chat service: who may see a
// conversation, and the file message.
type Chat interface {
	Get(ctx context.Context, a auth.Actor, id string) (store.Conversation, error)
	Attach(ctx context.Context, a auth.Actor, f store.File) (store.Message, bool, error)
	// MayAttach refuses a file its conversation's channel would not take
	// now (a WhatsApp window past), before a byte of it is read.
	MayAttach(ctx context.Context, a auth.Actor, conversationID string) error
}

// Settings reads a workspace's effective settings (package workspace).
type Settings interface {
	Settings(ctx context.Context, workspaceID string) (store.Settings, error)
}

// Service stores and serves files.
type Service struct {
	store    Store
	blobs    Blobs
	chat     Chat
	settings Settings
	clock    clock.Clock
	log      *slog.Logger
	// policies caches what each workspace accepts for the welcomes (a
	// reconnect storm must not read settings once per socket); an upload
	// reads the settings themselves.
	policies *readcache.Cache[Policy]
}

// New returns a Service keeping bytes in blobs.
func New(st Store, blobs Blobs, chat Chat, set Settings, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, blobs: blobs, chat: chat, settings: set, clock: clk, log: log,
		policies: readcache.New[Policy](clk, 5*time.Second, 10000, nil)}
}

// MaxName bounds a file's name.
const MaxName = 200

// Errors (the others are the chat's: conversation_not_found,
// conversation_closed).
var (
	ErrNotFound   = apperr.New(apperr.NotFound, "file_not_found", "no such file")
	errEmpty      = apperr.Invalidf("file", "empty_file", "the file is empty")
	errFilesOff   = apperr.New(apperr.Forbidden, "files_disabled", "this workspace does not accept files")
	errInProgress = &apperr.Error{Kind: apperr.Conflict, Code: "upload_in_progress", Message: "this file is being uploaded: try again in a moment"}
	errIDTaken    = &apperr.Error{Kind: apperr.Conflict, Code: "client_msg_id_taken", Field: "client_msg_id",
		Message: "this client_msg_id belongs to another message; generate a new one"}
	errTruncated    = apperr.Invalidf("file", "incomplete_body", "the body ended before its Content-Length")
	errNameRequired = apperr.Invalidf("name", "invalid_file_name", "a file needs a name of 1 to %d characters, without control characters", MaxName)
)

// Policy is what a workspace accepts, as clients are told (the welcome).
type Policy struct {
	// MaxBytes is the largest file; 0 when files are off.
	MaxBytes int64 `json:"max_bytes"`
	// PerConversation is how many files one conversation may hold.
	PerConversation int `json:"per_conversation"`
	// Accept lists the allowed extensions (".pdf", ".png", …).
	Accept []string `json:"accept"`
}

// PolicyOf is what settings (effective) accept.
func PolicyOf(set store.Settings) Policy {
	if set.FileMaxMB < 0 {
		return Policy{Accept: []string{}}
	}
	return Policy{MaxBytes: int64(set.FileMaxMB) << 20, PerConversation: set.FilesPerConversation, Accept: Accept(set.FileTypes)}
}

// Policy is what a workspace accepts, as a welcome tells it (read at most
// every few seconds per workspace).
func (s *Service) Policy(ctx context.Context, workspaceID string) (Policy, error) {
	return s.policies.Get(ctx, workspaceID, func(ctx context.Context) (Policy, error) {
		set, err := s.settings.Settings(ctx, workspaceID)
		return PolicyOf(set), err
	})
}

// Upload is one file sent to a conversation.
type Upload struct {
	ConversationID string
	ClientMsgID    string
	Name           string
	// Length is the declared size (Content-Length), -1 when unknown: a
	// declared size over the limit is refused before a byte is read.
	Length int64
	Body   io.Reader
}

// Upload stores the file and posts its message as a. A retry with the
// same client_msg_id returns the message stored the first time
// (duplicate), reading nothing. Every refusal leaves nothing behind.
func (s *Service) Upload(ctx context.Context, a auth.Actor, in Upload) (store.Message, bool, error) {
	if err := clientid.Check(in.ClientMsgID); err != nil {
		return store.Message{}, false, err
	}
	c, err := s.chat.Get(ctx, a, in.ConversationID)
	if err != nil {
		return store.Message{}, false, err
	}
	author, authorID := a.Author()
	f, err := s.store.FileByClientMsgID(ctx, a.WorkspaceID, c.ID, in.ClientMsgID)
	switch {
	case err == nil && f.Complete && f.AuthorType == author && f.AuthorID == authorID:
		// Stored before: post its message (again: idempotent).
		m, dup, err := s.chat.Attach(ctx, a, f)
		if err == nil && !names(m, f.ID) {
			return store.Message{}, false, errIDTaken
		}
		return m, dup, err
	case err == nil && f.Complete:
		return store.Message{}, false, errIDTaken
	case err == nil:
		// Not complete: an upload of this id still moving (the client sent
		// it again meanwhile: it is told to wait, and its next try finds
		// the file complete), or one that stopped (a crash): start over.
		err := s.store.AbandonUpload(ctx, a.WorkspaceID, f.ID, s.clock.Now().Add(-StallAfter))
		if errors.Is(err, store.ErrNotFound) {
			return store.Message{}, false, errInProgress
		}
		if err != nil {
			return store.Message{}, false, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.Message{}, false, err
	}
	if c.Status == store.StatusClosed {
		return store.Message{}, false, &apperr.Error{Kind: apperr.Conflict, Code: "conversation_closed", Message: "the conversation is closed"}
	}
	if err := s.chat.MayAttach(ctx, a, c.ID); err != nil {
		return store.Message{}, false, err
	}
	name, typ, max, err := s.check(ctx, a.WorkspaceID, c.ID, in)
	if err != nil {
		return store.Message{}, false, err
	}
	// The first bytes say what the content is, whatever the name says.
	body := bufio.NewReaderSize(in.Body, probeLen)
	head, err := body.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return store.Message{}, false, fmt.Errorf("file: read upload: %w", err)
	}
	if len(head) == 0 {
		return store.Message{}, false, errEmpty
	}
	if !typ.is(head) {
		return store.Message{}, false, apperr.New(apperr.Unsupported, "file_type_mismatch",
			fmt.Sprintf("the content of %q is not what a %s file holds", name, path.Ext(name)))
	}
	f, err = s.store.CreateFile(ctx, store.File{WorkspaceID: a.WorkspaceID, ConversationID: c.ID, ClientMsgID: in.ClientMsgID,
		AuthorType: author, AuthorID: authorID, Name: name, ContentType: typ.contentType}, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return store.Message{}, false, errInProgress // the same upload, sent twice at once
	}
	if err != nil {
		return store.Message{}, false, err
	}
	var dims dimensions
	if typ.kind == KindImage {
		dims.probe(body)
	}
	size, err := s.blobs.Write(ctx, a.WorkspaceID, f.ID, body, max)
	if err == nil && in.Length >= 0 && size != in.Length {
		err = errTruncated // the body ended before its declared length
	}
	if err == nil {
		f.Size, f.Width, f.Height, f.Complete = size, dims.width, dims.height, true
		err = s.store.CompleteFile(ctx, a.WorkspaceID, f.ID, f.Size, f.Width, f.Height)
	}
	if err != nil {
		// Nothing of a refused or broken upload stays.
		if derr := s.store.DeleteFile(context.WithoutCancel(ctx), a.WorkspaceID, f.ID); derr != nil {
			s.log.Warn("file: delete a failed upload (the sweep will)", "file", f.ID, "err", derr)
		}
		if errors.Is(err, ErrTooLarge) {
			return store.Message{}, false, tooLarge(max)
		}
		return store.Message{}, false, err
	}
	m, dup, err := s.chat.Attach(ctx, a, f)
	if err == nil && dup && !names(m, f.ID) {
		// The id was the author's for another message (a text): this file
		// has none and would never be swept (a message holds its id).
		err = errIDTaken
	}
	if err != nil && !errors.Is(err, store.ErrBusy) && apperr.From(err).Kind != apperr.Unavailable {
		// Refused for good (closed meanwhile, say): the file has no
		// message and goes. A busy refusal keeps it for the retry.
		s.store.DeleteFile(context.WithoutCancel(ctx), a.WorkspaceID, f.ID) //nolint:errcheck // else swept
		return store.Message{}, false, err
	}
	return m, dup, err
}

// names reports whether m is the file message of file id.
func names(m store.Message, id string) bool {
	meta, _ := m.Meta["file"].(map[string]any)
	return m.Kind == store.KindFile && meta["id"] == id
}

// check validates the name and the workspace's limits before anything is
// read or stored, and returns the name, its type and the largest size.
func (s *Service) check(ctx context.Context, workspaceID, conversationID string, in Upload) (string, fileType, int64, error) {
	// Only the last element of a path a browser may send counts.
	name := in.Name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name, ok := printable.Name(name, MaxName, false)
	if !ok || name == "." || name == ".." {
		return "", fileType{}, 0, errNameRequired
	}
	set, err := s.settings.Settings(ctx, workspaceID)
	if err != nil {
		return "", fileType{}, 0, err
	}
	p := PolicyOf(set)
	if p.MaxBytes == 0 {
		return "", fileType{}, 0, errFilesOff
	}
	typ, known := typeOf(name)
	if !known || !slices.Contains(set.FileTypes, typ.kind) {
		return "", fileType{}, 0, &apperr.Error{Kind: apperr.Unsupported, Code: "file_type_not_allowed", Field: "name",
			Message: fmt.Sprintf("files of this type are not accepted here; accepted: %s", strings.Join(p.Accept, " "))}
	}
	if in.Length == 0 {
		return "", fileType{}, 0, errEmpty
	}
	if in.Length > p.MaxBytes {
		return "", fileType{}, 0, tooLarge(p.MaxBytes)
	}
	n, err := s.store.CountFiles(ctx, workspaceID, conversationID)
	if err != nil {
		return "", fileType{}, 0, err
	}
	if n >= p.PerConversation {
		return "", fileType{}, 0, &apperr.Error{Kind: apperr.Conflict, Code: "too_many_files",
			Message: fmt.Sprintf("a conversation holds at most %d files", p.PerConversation)}
	}
	return name, typ, p.MaxBytes, nil
}

func tooLarge(max int64) error {
	return &apperr.Error{Kind: apperr.TooLarge, Code: "file_too_large", Field: "file",
		Message: fmt.Sprintf("a file may have at most %d MB", max>>20)}
}

// Open returns a file a may see, with its content: an agent, any file of
// its workspace; a visitor, a file of its own conversation on its site.
// Any other file, an incomplete one, or an unknown id is ErrNotFound, the
// same answer, so that nothing is learnt from trying ids.
func (s *Service) Open(ctx context.Context, a auth.Actor, id string) (store.File, io.ReadSeeker, error) {
	if id == "" || len(id) > 64 {
		return store.File{}, nil, ErrNotFound
	}
	f, err := s.store.GetFile(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !f.Complete) {
		return store.File{}, nil, ErrNotFound
	}
	if err != nil {
		return store.File{}, nil, err
	}
	if a.IsVisitor() {
		c, err := s.chat.Get(ctx, a, f.ConversationID)
		if err != nil || c.SiteID != a.SiteID {
			return store.File{}, nil, ErrNotFound
		}
	}
	return f, s.blobs.Open(ctx, a.WorkspaceID, f.ID, f.Size), nil
}

// StallAfter is how long an upload may write no chunk before a retry of it
// starts over (the connection of the first is gone).
const StallAfter = 30 * time.Second

// StaleAfter is how long an upload may stay incomplete, or without its
// message, before the sweep deletes it: longer than any client retries.
const StaleAfter = 24 * time.Hour

// Sweep deletes the files left incomplete or without a message for
// StaleAfter, in batches of batch, and returns how many.
func (s *Service) Sweep(ctx context.Context, batch int) (int, error) {
	total := 0
	for {
		n, err := s.store.DeleteStaleFiles(ctx, s.clock.Now().Add(-StaleAfter), batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// dimensions are an image's width and height, read from its first bytes
// (0 when they cannot be).
type dimensions struct{ width, height int }

// probeLen is how much of an upload is read ahead: enough for the
// dimensions of a JPEG whose metadata comes first.
const probeLen = 64 << 10

// probe reads the dimensions from the first probeLen bytes of r, without
// consuming them.
func (d *dimensions) probe(r *bufio.Reader) {
	head, _ := r.Peek(probeLen) // a shorter file: what there is
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(head)); err == nil {
		d.width, d.height = cfg.Width, cfg.Height
	}
}
