package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Cache policies. Vite names every file under assets/ by its content hash,
// so those never change. index.html must be revalidated so a new release
// reaches the desk at once. The widget loader keeps its name too, but it
// runs on every page view of every customer's site: a browser reuses it for
// five minutes without asking, then revalidates it by its ETag (a 304), so
// a release reaches visitors within five minutes.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheLoader     = "public, max-age=300"
)

// Content codings made at build time (web/build.mjs), in the server's order
// of preference when the client weighs them equally: brotli is smaller.
var precompressed = []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// asset is one file of web/dist with the encodings it was built in.
type asset struct {
	contentType  string
	cacheControl string
	variants     []variant // precompressed ones in preference order, identity last
}

// variant is one encoding of an asset. Its ETag is the identity content's
// hash with the coding as suffix: each encoding is a representation of its
// own, and a cache must not answer a gzip request with brotli bytes.
type variant struct {
	coding string // "br", "gzip" or "" (identity)
	body   []byte
	etag   string
}

// loadAssets indexes every file of dist by its path. The .gz and .br files
// become variants of the file they compress and are not served under their
// own names: nothing links to them, and serving them as application/gzip
// would only give caches and crawlers a second copy of each file to keep.
func loadAssets(dist fs.FS) (map[string]*asset, error) {
	assets := map[string]*asset{}
	err := fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isVariantName(name) {
			return err
		}
		body, err := fs.ReadFile(dist, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		tag := hex.EncodeToString(sum[:8])
		a := &asset{contentType: contentType(name), cacheControl: cachePolicy(name)}
		for _, p := range precompressed {
			if b, err := fs.ReadFile(dist, name+p.ext); err == nil {
				a.variants = append(a.variants, variant{coding: p.coding, body: b, etag: `"` + tag + "-" + p.coding + `"`})
			}
		}
		a.variants = append(a.variants, variant{body: body, etag: `"` + tag + `"`})
		assets[name] = a
		return nil
	})
	return assets, err
}

func isVariantName(name string) bool {
	for _, p := range precompressed {
		if strings.HasSuffix(name, p.ext) {
			return true
		}
	}
	return false
}

// cachePolicy is the Cache-Control of a file of dist, by its name.
func cachePolicy(name string) string {
	switch {
	case strings.HasPrefix(name, "assets/"):
		return cacheImmutable
	case name == "widget.js":
		return cacheLoader
	default:
		return cacheRevalidate
	}
}

// contentType names the types web/dist holds itself, so the answer does
// not depend on the host's /etc/mime.types, and asks package mime for the
// rest.
func contentType(name string) string {
	switch ext := path.Ext(name); ext {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".map":
		return "application/json"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// serve writes the variant the request accepts best. ServeContent answers
// If-None-Match (304, dropping Content-Encoding and Content-Length), HEAD
// and Range requests; a range is a range of the encoded bytes, which is
// what HTTP means by it.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	v := a.pick(strings.Join(r.Header.Values("Accept-Encoding"), ","))
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cacheControl)
	if len(a.variants) > 1 {
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("ETag", v.etag)
	if v.coding != "" {
		h.Set("Content-Encoding", v.coding)
		// ServeContent leaves Content-Length out once Content-Encoding is
		// set (for handlers that compress on the fly); these bytes are final.
		h.Set("Content-Length", strconv.Itoa(len(v.body)))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(v.body))
}

// pick chooses the variant for an Accept-Encoding header.
func (a *asset) pick(acceptEncoding string) variant {
	offered := make([]string, len(a.variants))
	for i, v := range a.variants {
		offered[i] = v.coding
	}
	coding := negotiateEncoding(acceptEncoding, offered)
	for _, v := range a.variants {
		if v.coding == coding {
			return v
		}
	}
	return a.variants[len(a.variants)-1]
}

// acceptEncoding is a parsed Accept-Encoding header (RFC 9110 §12.5.3):
// the weight of each listed coding in thousandths (q=0.5 is 500), "*"
// included. Codings are lower case; x-gzip is gzip.
type acceptEncoding map[string]int

// parseAcceptEncoding reads a header value such as "gzip, br;q=0.9, *;q=0".
// An element whose coding or q-value is malformed is ignored, as if it were
// not listed; when a coding is listed twice the first wins.
func parseAcceptEncoding(header string) acceptEncoding {
	accept := acceptEncoding{}
	for _, elem := range strings.Split(header, ",") {
		params := strings.Split(elem, ";")
		coding := strings.ToLower(strings.TrimSpace(params[0]))
		if coding == "x-gzip" {
			coding = "gzip"
		}
		if !isToken(coding) {
			continue
		}
		weight, ok := 1000, true
		for _, p := range params[1:] {
			name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(name), "q") {
				weight, ok = parseQValue(strings.TrimSpace(value))
			}
		}
		if _, seen := accept[coding]; ok && !seen {
			accept[coding] = weight
		}
	}
	return accept
}

// weight is how much the client wants a coding ("" is identity): its own
// entry, else that of "*". Identity is acceptable unless excluded by
// "identity;q=0" or "*;q=0"; when neither is listed it gets the lowest
// weight, so a listed coding ("gzip;q=0.5") is preferred to it.
func (a acceptEncoding) weight(coding string) int {
	if coding == "" {
		coding = "identity"
	}
	if w, ok := a[coding]; ok {
		return w
	}
	if w, ok := a["*"]; ok {
		return w
	}
	if coding == "identity" {
		return 1
	}
	return 0
}

// negotiateEncoding returns the coding of offered ("" for identity) that
// the header weighs highest, the earlier one on a tie, so offered is in
// the server's order of preference. When the header accepts none of them,
// identity is sent anyway: RFC 9110 allows it, and a 406 for a script
// helps nobody.
func negotiateEncoding(header string, offered []string) string {
	accept := parseAcceptEncoding(header)
	best, bestWeight := "", 0
	for _, c := range offered {
		if w := accept.weight(c); w > bestWeight {
			best, bestWeight = c, w
		}
	}
	return best
}

// parseQValue reads a qvalue, "0" or "1" with an optional dot and up to
// three decimals ("0.5", "1.000", "0."), as thousandths.
func parseQValue(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 {
		return 0, false
	}
	n := 0
	for i := range 3 {
		d := 0
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, false
			}
			d = int(frac[i] - '0')
		}
		n = n*10 + d
	}
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), or "*".
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
