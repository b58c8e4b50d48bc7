package file

import (
	"bytes"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// The kinds of file a workspace may allow (its file_types setting). A
// kind is a fixed list of extensions, each with the one content type it is
// stored and served as and a check of the first bytes, so that a file is
// what its name says. No kind holds HTML, SVG, XML or scripts: a browser
// could run them.
const (
	KindImage    = "image"    // PNG, JPEG, GIF, WebP: shown inline
	KindPDF      = "pdf"      // PDF
	KindText     = "text"     // plain text, CSV, Markdown, logs (UTF-8)
	KindDocument = "document" // Word, Excel, PowerPoint, OpenDocument, RTF
	KindArchive  = "archive"  // ZIP
	KindAudio    = "audio"    // MP3, Ogg, WAV, M4A
	KindVideo    = "video"    // MP4, WebM, QuickTime
)

// Kinds lists every kind, in the order a settings screen shows them.
var Kinds = []string{KindImage, KindPDF, KindText, KindDocument, KindArchive, KindAudio, KindVideo}

// DefaultKinds are allowed when a workspace has chosen none: what support
// chats exchange most, none of them executable.
var DefaultKinds = []string{KindImage, KindPDF, KindText, KindDocument}

// MaxMB bounds the file_max_mb setting: files live in the database.
const MaxMB = 25

// fileType is what an extension stands for.
type fileType struct {
	kind        string
	contentType string
	// is checks the first bytes of the content (up to sniffLen).
	is func(head []byte) bool
}

// sniffLen is how much of a file's start the checks look at.
const sniffLen = 512

// sniffed checks with the standard library's content sniffing.
func sniffed(want string) func([]byte) bool {
	return func(head []byte) bool { return strings.HasPrefix(http.DetectContentType(head), want) }
}

func prefixed(magic ...string) func([]byte) bool {
	return func(head []byte) bool {
		for _, m := range magic {
			if bytes.HasPrefix(head, []byte(m)) {
				return true
			}
		}
		return false
	}
}

var (
	zipped = prefixed("PK\x03\x04")
	// ole is the container of the old Office formats.
	ole = prefixed("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	// isoMedia is an MP4-family file: a box of type ftyp first.
	isoMedia  = func(head []byte) bool { return len(head) >= 8 && string(head[4:8]) == "ftyp" }
	mpegAudio = func(head []byte) bool {
		return bytes.HasPrefix(head, []byte("ID3")) || len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0
	}
)

// plainText accepts UTF-8 without NUL that the standard sniffing calls
// plain text and that does not open with markup: not HTML, not XML, not
// SVG (which the standard sniffing calls text when it has no <?xml).
func plainText(head []byte) bool {
	// The check may cut the last character in two.
	for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	return utf8.Valid(head) && !bytes.ContainsRune(head, 0) && strings.HasPrefix(http.DetectContentType(head), "text/plain") && !markup(head)
}

// markup reports whether text opens with a tag, a declaration or a
// processing instruction ("<svg", "<!DOCTYPE", "<?xml"), after any byte
// order mark and white space. A syslog line ("<134>…") is not markup.
func markup(text []byte) bool {
	text = bytes.TrimLeft(bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
	if len(text) < 2 || text[0] != '<' {
		return false
	}
	c := text[1] | 0x20 // lower case for letters
	return c >= 'a' && c <= 'z' || text[1] == '!' || text[1] == '?' || text[1] == '/'
}

var types = map[string]fileType{
	".png":  {KindImage, "image/png", sniffed("image/png")},
	".jpg":  {KindImage, "image/jpeg", sniffed("image/jpeg")},
	".jpeg": {KindImage, "image/jpeg", sniffed("image/jpeg")},
	".gif":  {KindImage, "image/gif", sniffed("image/gif")},
	".webp": {KindImage, "image/webp", sniffed("image/webp")},
	".pdf":  {KindPDF, "application/pdf", prefixed("%PDF-")},
	".txt":  {KindText, "text/plain; charset=utf-8", plainText},
	".log":  {KindText, "text/plain; charset=utf-8", plainText},
	".csv":  {KindText, "text/csv; charset=utf-8", plainText},
	".md":   {KindText, "text/markdown; charset=utf-8", plainText},
	".doc":  {KindDocument, "application/msword", ole},
	".xls":  {KindDocument, "application/vnd.ms-excel", ole},
	".ppt":  {KindDocument, "application/vnd.ms-powerpoint", ole},
	".docx": {KindDocument, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zipped},
	".xlsx": {KindDocument, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", zipped},
	".pptx": {KindDocument, "application/vnd.openxmlformats-officedocument.presentationml.presentation", zipped},
	".odt":  {KindDocument, "application/vnd.oasis.opendocument.text", zipped},
	".ods":  {KindDocument, "application/vnd.oasis.opendocument.spreadsheet", zipped},
	".odp":  {KindDocument, "application/vnd.oasis.opendocument.presentation", zipped},
	".rtf":  {KindDocument, "application/rtf", prefixed(`{\rtf`)},
	".zip":  {KindArchive, "application/zip", zipped},
	".mp3":  {KindAudio, "audio/mpeg", mpegAudio},
	".ogg":  {KindAudio, "audio/ogg", prefixed("OggS")},
	".wav":  {KindAudio, "audio/wav", sniffed("audio/wave")},
	".m4a":  {KindAudio, "audio/mp4", isoMedia},
	".mp4":  {KindVideo, "video/mp4", isoMedia},
	".webm": {KindVideo, "video/webm", prefixed("\x1A\x45\xDF\xA3")},
	".mov":  {KindVideo, "video/quicktime", isoMedia},
}

// typeOf is the type a file name stands for, and whether it has one.
func typeOf(name string) (fileType, bool) {
	t, ok := types[strings.ToLower(path.Ext(name))]
	return t, ok
}

// Inline reports whether a stored content type may be shown in the
// browser (an image tag or a tab) rather than downloaded: the raster
// images only. Everything else, whatever it says it is, is served as an
// attachment.
func Inline(contentType string) bool {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// Accept lists the extensions of kinds, sorted: what a file picker offers
// (its accept attribute) and what an error names.
func Accept(kinds []string) []string {
	var out []string
	for ext, t := range types {
		if slices.Contains(kinds, t.kind) {
			out = append(out, ext)
		}
	}
	slices.Sort(out)
	return out
}
