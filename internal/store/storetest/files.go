package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runFiles(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"files/an upload is written in chunks, completed once, found again by its client_msg_id", testFiles},
		{"files/deleting or erasing a conversation deletes its files and their bytes", testFilesGoWithConversations},
		{"files/the sweep deletes uploads left incomplete or without their message, only", testFileSweep},
	})
}

// attach stores a complete file of chunks in conversation c, by its
// visitor, under clientID, and optionally its file message.
func attach(t *testing.T, s *store.Store, c store.Conversation, clientID string, chunks [][]byte, withMessage bool, at time.Time) store.File {
	t.Helper()
	ctx := t.Context()
	f, err := s.CreateFile(ctx, store.File{WorkspaceID: c.WorkspaceID, ConversationID: c.ID, ClientMsgID: clientID,
		AuthorType: store.AuthorVisitor, AuthorID: c.VisitorID, Name: clientID + ".pdf", ContentType: "application/pdf"}, at)
	noErr(t, "create file", err)
	var size int64
	for n, data := range chunks {
		noErr(t, "chunk", s.PutFileChunk(ctx, c.WorkspaceID, f.ID, n, data, at))
		size += int64(len(data))
	}
	noErr(t, "complete", s.CompleteFile(ctx, c.WorkspaceID, f.ID, size, 0, 0))
	f.Size, f.Complete = size, true
	if withMessage {
		m := textMessage(c.WorkspaceID, c.ID, clientID, f.Name)
		m.Kind, m.AuthorType, m.AuthorID, m.Meta = store.KindFile, store.AuthorVisitor, c.VisitorID, map[string]any{"file": map[string]any{"id": f.ID}}
		_, err := s.AppendMessage(ctx, m, at)
		noErr(t, "file message", err)
	}
	return f
}

func testFiles(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c := writer(t, s, tn, "ann", "", Epoch)
	f, err := s.CreateFile(ctx, store.File{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "up-1", AuthorType: store.AuthorVisitor,
		AuthorID: c.VisitorID, Name: "photo.png", ContentType: "image/png"}, Epoch)
	noErr(t, "create", err)
	if len(f.ID) < 24 {
		t.Fatalf("file id %q is short: ids must be unguessable", f.ID)
	}
	// Binary content, NUL and high bytes included, round-trips.
	first, second := bytes.Repeat([]byte{0, 0xFF, 'x', 0x80}, 1000), []byte("\x00tail\xFE")
	noErr(t, "chunk 0", s.PutFileChunk(ctx, tn.ws.ID, f.ID, 0, first, Epoch))
	noErr(t, "chunk 1", s.PutFileChunk(ctx, tn.ws.ID, f.ID, 1, second, Epoch))
	got, err := s.GetFile(ctx, tn.ws.ID, f.ID)
	noErr(t, "get", err)
	equal(t, "incomplete while written", got.Complete, false)
	// A retry gives up an upload only once it stopped moving.
	wantErr(t, s.AbandonUpload(ctx, tn.ws.ID, f.ID, Epoch), store.ErrNotFound)
	noErr(t, "complete", s.CompleteFile(ctx, tn.ws.ID, f.ID, int64(len(first)+len(second)), 640, 480))
	wantErr(t, s.AbandonUpload(ctx, tn.ws.ID, f.ID, Epoch.Add(time.Hour)), store.ErrNotFound) // complete: kept

	got, err = s.FileByClientMsgID(ctx, tn.ws.ID, c.ID, "up-1")
	noErr(t, "by client_msg_id", err)
	equal(t, "read back", got, store.File{ID: f.ID, WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "up-1", AuthorType: store.AuthorVisitor,
		AuthorID: c.VisitorID, Name: "photo.png", ContentType: "image/png", Size: int64(len(first) + len(second)), Width: 640, Height: 480,
		Complete: true, CreatedAt: Epoch, WrittenAt: Epoch})
	for n, want := range [][]byte{first, second} {
		data, err := s.FileChunk(ctx, tn.ws.ID, f.ID, n)
		noErr(t, "read chunk", err)
		equal(t, "chunk bytes", data, want)
	}
	_, err = s.FileChunk(ctx, tn.ws.ID, f.ID, 2)
	wantErr(t, err, store.ErrNotFound)
	// A complete file's bytes never change.
	wantErr(t, s.PutFileChunk(ctx, tn.ws.ID, f.ID, 2, []byte("more"), Epoch), store.ErrNotFound)

	_, err = s.CreateFile(ctx, store.File{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "up-1", AuthorType: store.AuthorVisitor,
		AuthorID: c.VisitorID, Name: "again.png", ContentType: "image/png"}, Epoch)
	wantErr(t, err, store.ErrConflict)
	_, err = s.CreateFile(ctx, store.File{WorkspaceID: tn.ws.ID, ConversationID: "no-such-conversation", ClientMsgID: "up-2",
		AuthorType: store.AuthorVisitor, AuthorID: c.VisitorID, Name: "x.png", ContentType: "image/png"}, Epoch)
	wantErr(t, err, store.ErrNotFound)
	attach(t, s, c, "up-3", [][]byte{[]byte("%PDF-1.7")}, true, Epoch)
	n, err := s.CountFiles(ctx, tn.ws.ID, c.ID)
	noErr(t, "count", err)
	equal(t, "files in the conversation", n, 2)

	noErr(t, "delete", s.DeleteFile(ctx, tn.ws.ID, f.ID))
	_, err = s.GetFile(ctx, tn.ws.ID, f.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FileChunk(ctx, tn.ws.ID, f.ID, 0)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteFile(ctx, tn.ws.ID, f.ID), store.ErrNotFound)
}

func testFilesGoWithConversations(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	// Retention deletes a closed conversation with its files.
	_, old := writer(t, s, tn, "old", "", Epoch)
	oldFile := attach(t, s, old, "old-1", [][]byte{[]byte("%PDF-old")}, true, Epoch)
	_, _, err := s.Transition(ctx, tn.ws.ID, old.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorSystem}, Epoch)
	noErr(t, "close", err)
	// Erasing a contact deletes its conversations' files.
	gone, err := s.UpsertContact(ctx, tn.ws.ID, "u-1", "Gone", "gone@x.example", Epoch)
	noErr(t, "contact", err)
	v, erased := writer(t, s, tn, "gone", "", Epoch)
	_, err = s.SetVisitorIdentity(ctx, tn.ws.ID, v.ID, "Gone", "gone@x.example", gone.ID)
	noErr(t, "link", err)
	erasedFile := attach(t, s, erased, "gone-1", [][]byte{[]byte("%PDF-gone")}, true, Epoch)
	_, kept := writer(t, s, tn, "kept", "", Epoch)
	keptFile := attach(t, s, kept, "kept-1", [][]byte{[]byte("%PDF-kept")}, true, Epoch)

	_, err = s.DeleteClosedConversations(ctx, tn.ws.ID, Epoch.Add(time.Hour), 10)
	noErr(t, "retention", err)
	_, err = s.EraseContact(ctx, tn.ws.ID, gone.ID)
	noErr(t, "erase", err)
	for _, f := range []store.File{oldFile, erasedFile} {
		_, err := s.GetFile(ctx, tn.ws.ID, f.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.FileChunk(ctx, tn.ws.ID, f.ID, 0)
		wantErr(t, err, store.ErrNotFound)
	}
	data, err := s.FileChunk(ctx, tn.ws.ID, keptFile.ID, 0)
	noErr(t, "another conversation's file is kept", err)
	equal(t, "kept bytes", string(data), "%PDF-kept")
}

func testFileSweep(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c := writer(t, s, tn, "ann", "", Epoch)
	posted := attach(t, s, c, "posted", [][]byte{[]byte("%PDF-a")}, true, Epoch)
	orphan := attach(t, s, c, "orphan", [][]byte{[]byte("%PDF-b")}, false, Epoch)
	cut, err := s.CreateFile(ctx, store.File{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "cut", AuthorType: store.AuthorVisitor,
		AuthorID: c.VisitorID, Name: "cut.pdf", ContentType: "application/pdf"}, Epoch)
	noErr(t, "cut off upload", err)
	noErr(t, "its first chunk", s.PutFileChunk(ctx, tn.ws.ID, cut.ID, 0, []byte("%PDF-"), Epoch))
	recent := attach(t, s, c, "recent", [][]byte{[]byte("%PDF-c")}, false, Epoch.Add(2*time.Hour))
	stalled, err := s.CreateFile(ctx, store.File{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "stalled", AuthorType: store.AuthorVisitor,
		AuthorID: c.VisitorID, Name: "s.pdf", ContentType: "application/pdf"}, Epoch.Add(2*time.Hour))
	noErr(t, "stalled upload", err)
	noErr(t, "abandon a stopped upload", s.AbandonUpload(ctx, tn.ws.ID, stalled.ID, Epoch.Add(3*time.Hour)))
	_, err = s.GetFile(ctx, tn.ws.ID, stalled.ID)
	wantErr(t, err, store.ErrNotFound)

	n, err := s.DeleteStaleFiles(ctx, Epoch.Add(time.Hour), 1)
	noErr(t, "sweep", err)
	equal(t, "bounded by its limit", n, 1)
	n, err = s.DeleteStaleFiles(ctx, Epoch.Add(time.Hour), 10)
	noErr(t, "sweep", err)
	equal(t, "the rest of the stale ones", n, 1)
	for _, f := range []store.File{orphan, cut} {
		_, err := s.GetFile(ctx, tn.ws.ID, f.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, f := range []store.File{posted, recent} {
		_, err := s.GetFile(ctx, tn.ws.ID, f.ID)
		noErr(t, "kept: posted, or too recent", err)
	}
}
