package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/querytel/livedesk/internal/clock"
)

// Blobs holds the bytes of files, by workspace and file id. The default is
// the database (DBBlobs), so every node of a cluster serves every file with
// no extra service; an S3-compatible store can stand behind the same
// interface.
type Blobs interface {
	// Write stores r's bytes as the file's content and returns how many
	// there were. It stops with ErrTooLarge past max bytes; what it wrote
	// by then stays with the incomplete file (the caller deletes it).
	Write(ctx context.Context, workspaceID, fileID string, r io.Reader, max int64) (int64, error)
	// Open reads the content of size bytes back, seekable for ranges.
	Open(ctx context.Context, workspaceID, fileID string, size int64) io.ReadSeeker
}

// ErrTooLarge ends a Write past its bound.
var ErrTooLarge = errors.New("file: larger than allowed")

// ChunkSize is the size of a database chunk: small enough that writing one
// holds SQLite's single writer for well under a millisecond, between the
// chats' messages, and that a download holds one chunk in memory at a time.
const ChunkSize = 256 << 10

// ChunkStore is what DBBlobs needs from the database.
type ChunkStore interface {
	PutFileChunk(ctx context.Context, workspaceID, fileID string, n int, data []byte, now time.Time) error
	FileChunk(ctx context.Context, workspaceID, fileID string, n int) ([]byte, error)
}

// DBBlobs keeps file contents in the database, in chunks of ChunkSize
// (file_chunks), deleted with their file's row.
type DBBlobs struct {
	Store ChunkStore
	Clock clock.Clock // when each chunk is written (an upload's progress)
}

// Write stores r in chunks.
func (d DBBlobs) Write(ctx context.Context, workspaceID, fileID string, r io.Reader, max int64) (int64, error) {
	buf := make([]byte, ChunkSize)
	var total int64
	for n := 0; ; n++ {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			total += int64(k)
			if total > max {
				return total, ErrTooLarge
			}
			if err := d.Store.PutFileChunk(ctx, workspaceID, fileID, n, buf[:k], d.Clock.Now()); err != nil {
				return total, fmt.Errorf("file: write chunk %d: %w", n, err)
			}
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return total, nil
		case err != nil:
			return total, fmt.Errorf("file: read upload: %w", err)
		}
	}
}

// Open returns a reader that fetches one chunk at a time.
func (d DBBlobs) Open(ctx context.Context, workspaceID, fileID string, size int64) io.ReadSeeker {
	return &chunkReader{ctx: ctx, store: d.Store, ws: workspaceID, id: fileID, size: size, n: -1}
}

// chunkReader reads a file's chunks in order, holding the current one.
type chunkReader struct {
	ctx   context.Context
	store ChunkStore
	ws    string
	id    string
	size  int64
	off   int64
	n     int    // the chunk held, -1 for none
	chunk []byte // its bytes
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	n := int(c.off / ChunkSize)
	if n != c.n {
		data, err := c.store.FileChunk(c.ctx, c.ws, c.id, n)
		if err != nil {
			return 0, fmt.Errorf("file: read chunk %d: %w", n, err)
		}
		c.n, c.chunk = n, data
	}
	at := int(c.off % ChunkSize)
	if at >= len(c.chunk) {
		return 0, io.ErrUnexpectedEOF // a chunk shorter than the size says
	}
	k := copy(p, c.chunk[at:])
	c.off += int64(k)
	return k, nil
}

func (c *chunkReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	default:
		return 0, errors.New("file: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("file: seek before the start")
	}
	c.off = offset
	return offset, nil
}
