package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/clock"
)

// TestTypes: a file is accepted as what its name says only when its first
// bytes agree, and no kind lets markup through.
func TestTypes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		head string
		want bool
	}{
		{"a.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", true},
		{"A.JPG", "\xFF\xD8\xFF\xE0\x00\x10JFIF", true},
		{"a.gif", "GIF89a\x01\x00", true},
		{"a.webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", true},
		{"a.png", "\xFF\xD8\xFF\xE0\x00\x10JFIF", false}, // a JPEG named .png
		{"a.pdf", "%PDF-1.4", true},
		{"a.pdf", "<html>", false},
		{"a.txt", "hello, world\nsecond line", true},
		{"a.log", "<134>Nov 30 12:00:00 host app: started", true}, // syslog is text
		{"a.txt", "Grüße\n", true},
		{"a.txt", "\xEF\xBB\xBF<svg onload=alert(1)>", false},
		{"a.txt", "  <!DOCTYPE html>", false},
		{"a.csv", "<?xml version=\"1.0\"?>", false},
		{"a.md", "</script>", false},
		{"a.txt", "bin\x00ary", false},
		{"a.txt", "\xFF\xFE bad utf-8", false},
		{"a.docx", "PK\x03\x04\x14\x00", true},
		{"a.docx", "%PDF-1.4", false},
		{"a.doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", true},
		{"a.mp3", "ID3\x04\x00", true},
		{"a.mp4", "\x00\x00\x00\x18ftypmp42", true},
		{"a.webm", "\x1A\x45\xDF\xA3", true},
		{"a.svg", "<svg/>", false},
		{"a.html", "<p>", false},
		{"noext", "hello", false},
	} {
		typ, ok := typeOf(c.name)
		if got := ok && typ.is([]byte(c.head)); got != c.want {
			t.Errorf("%s holding %q: accepted %v, want %v", c.name, c.head, got, c.want)
		}
	}
	// A character cut in two by the sniffing window is still text.
	long := bytes.Repeat([]byte("é"), sniffLen)[:sniffLen-1]
	if typ, _ := typeOf("a.txt"); !typ.is(long) {
		t.Error("UTF-8 text cut mid-character refused")
	}
}

// TestInlineOnlyRasterImages: nothing but PNG, JPEG, GIF and WebP is ever
// shown in the browser.
func TestInlineOnlyRasterImages(t *testing.T) {
	t.Parallel()
	for ext, typ := range types {
		if Inline(typ.contentType) != (typ.kind == KindImage) {
			t.Errorf("%s (%s): inline %v", ext, typ.contentType, Inline(typ.contentType))
		}
	}
	for _, ct := range []string{"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml"} {
		if Inline(ct) {
			t.Errorf("%s served inline", ct)
		}
	}
}

// chunks is a ChunkStore in memory.
type chunks map[string][][]byte

func (c chunks) PutFileChunk(_ context.Context, ws, id string, n int, data []byte, _ time.Time) error {
	k := ws + "/" + id
	if n != len(c[k]) {
		return fmt.Errorf("chunk %d out of order", n)
	}
	c[k] = append(c[k], bytes.Clone(data))
	return nil
}

func (c chunks) FileChunk(_ context.Context, ws, id string, n int) ([]byte, error) {
	k := ws + "/" + id
	if n >= len(c[k]) {
		return nil, errors.New("no such chunk")
	}
	return c[k][n], nil
}

// TestDBBlobs: content round-trips through chunks, seeks land across chunk
// boundaries, and a write past its bound stops.
func TestDBBlobs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := chunks{}
	b := DBBlobs{Store: store, Clock: clock.Real{}}
	data := make([]byte, 2*ChunkSize+1234)
	for i := range data {
		data[i] = byte(i * 7)
	}
	n, err := b.Write(ctx, "w", "f", bytes.NewReader(data), int64(len(data)))
	if err != nil || n != int64(len(data)) || len(store["w/f"]) != 3 {
		t.Fatalf("write: %d, %v, %d chunks", n, err, len(store["w/f"]))
	}
	r := b.Open(ctx, "w", "f", n)
	all, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("read back: %d bytes, %v", len(all), err)
	}
	for _, off := range []int64{0, ChunkSize - 3, ChunkSize, 2*ChunkSize + 1000} {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 10)
		k, err := io.ReadFull(r, got)
		want := data[off:min(off+10, int64(len(data)))]
		if !bytes.Equal(got[:k], want) || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
			t.Errorf("at %d: %x, %v; want %x", off, got[:k], err, want)
		}
	}
	if end, _ := r.Seek(-5, io.SeekEnd); end != n-5 {
		t.Errorf("seek from the end: %d", end)
	}
	if _, err := b.Write(ctx, "w", "g", bytes.NewReader(data), ChunkSize); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a write past its bound: %v", err)
	}
}
