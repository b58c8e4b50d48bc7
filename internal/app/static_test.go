package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"maps"
	"path"
	"testing"

	"github.com/querytel/livedesk/web"
)

func TestParseAcceptEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		want   acceptEncoding
	}{
		{"", acceptEncoding{}},
		{"gzip", acceptEncoding{"gzip": 1000}},
		{"gzip, deflate, br, zstd", acceptEncoding{"gzip": 1000, "deflate": 1000, "br": 1000, "zstd": 1000}},
		{"br;q=0.8, gzip;q=0.5", acceptEncoding{"br": 800, "gzip": 500}},
		{"  GZIP ; Q=0.25 ,BR", acceptEncoding{"gzip": 250, "br": 1000}},
		{"gzip;q=0, br;q=0", acceptEncoding{"gzip": 0, "br": 0}},
		{"*", acceptEncoding{"*": 1000}},
		{"*;q=0, identity;q=1", acceptEncoding{"*": 0, "identity": 1000}},
		{"x-gzip", acceptEncoding{"gzip": 1000}},
		{"gzip;q=1.000, br;q=0., identity;q=0.001", acceptEncoding{"gzip": 1000, "br": 0, "identity": 1}},
		{"br;level=5;q=0.7", acceptEncoding{"br": 700}},
		{",, gzip ,", acceptEncoding{"gzip": 1000}},
		{"gzip;q=0.2, gzip;q=0.9", acceptEncoding{"gzip": 200}}, // the first wins
		// Malformed elements are dropped, the rest kept.
		{"br;q=1.5, gzip", acceptEncoding{"gzip": 1000}},
		{"br;q=0.5000, gzip;q=abc, deflate;q=", acceptEncoding{}},
		{"br;q=-1, gzip;q=2", acceptEncoding{}},
		{"g zip, br", acceptEncoding{"br": 1000}},
		{"gzip;q=0.5;q=", acceptEncoding{}},
	} {
		if got := parseAcceptEncoding(tc.header); !maps.Equal(got, tc.want) {
			t.Errorf("parseAcceptEncoding(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestParseQValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"0.", 0, true}, {"0.5", 500, true}, {"0.05", 50, true}, {"0.123", 123, true},
		{"1", 1000, true}, {"1.", 1000, true}, {"1.0", 1000, true}, {"1.000", 1000, true},
		{"", 0, false}, {".5", 0, false}, {"0.1234", 0, false}, {"1.001", 0, false}, {"2", 0, false},
		{"0.5a", 0, false}, {"-0", 0, false}, {"00.5", 0, false}, {"0,5", 0, false},
	} {
		got, ok := parseQValue(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseQValue(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNegotiateEncoding(t *testing.T) {
	t.Parallel()
	both := []string{"br", "gzip", ""}
	for _, tc := range []struct {
		header  string
		offered []string
		want    string
	}{
		{"", both, ""}, // no header (or an empty one): identity
		{"br", both, "br"},
		{"gzip", both, "gzip"},
		{"gzip, deflate, br, zstd", both, "br"}, // a browser: the server prefers brotli on a tie
		{"gzip, deflate", both, "gzip"},
		{"x-gzip", both, "gzip"},
		{"identity", both, ""},
		{"*", both, "br"},
		{"*;q=0.5", both, "br"},
		{"gzip;q=0, br;q=0", both, ""},
		{"br;q=0, *", both, "gzip"},
		{"br;q=0.5, gzip", both, "gzip"}, // q-values beat the server's preference
		{"gzip;q=0.5", both, "gzip"},     // an unlisted identity is the last resort
		{"gzip;q=0.5, identity", both, ""},
		{"*;q=0, identity", both, ""},
		{"*;q=0", both, ""},        // nothing acceptable: identity anyway, no 406
		{"identity;q=0", both, ""}, // nothing else listed: identity anyway
		{"identity;q=0, gzip", both, "gzip"},
		{"deflate, zstd", both, ""},
		{"br, gzip", []string{"gzip", ""}, "gzip"}, // a file built without .br
		{"br", []string{""}, ""},
		{"BR;Q=1", both, "br"},
	} {
		if got := negotiateEncoding(tc.header, tc.offered); got != tc.want {
			t.Errorf("negotiateEncoding(%q, %q) = %q, want %q", tc.header, tc.offered, got, tc.want)
		}
	}
}

// Every compressible file web/build.mjs writes has its .gz and .br
// siblings, so a build that forgot them fails here. The build keeps a
// variant only when it saves 5% of a file over 256 B; every file of 1 KiB
// or more of text does, so those must have both.
func TestEmbeddedAssetsArePrecompressed(t *testing.T) {
	t.Parallel()
	dist := web.Dist()
	compressible := map[string]bool{".js": true, ".mjs": true, ".css": true, ".html": true, ".svg": true,
		".json": true, ".txt": true, ".xml": true, ".map": true}
	checked := 0
	err := fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if isVariantName(name) {
			base := name[:len(name)-len(path.Ext(name))]
			if _, err := fs.Stat(dist, base); err != nil || !compressible[path.Ext(base)] {
				t.Errorf("%s compresses %s, which is not a compressible file of dist", name, base)
			}
			return nil
		}
		if !compressible[path.Ext(name)] {
			return nil
		}
		body, err := fs.ReadFile(dist, name)
		if err != nil {
			return err
		}
		for _, p := range precompressed {
			enc, err := fs.ReadFile(dist, name+p.ext)
			if err != nil {
				if len(body) >= 1024 {
					t.Errorf("%s (%d B) has no %s: run make web", name, len(body), p.ext)
				}
				continue
			}
			checked++
			if len(enc) == 0 || float64(len(enc)) > 0.95*float64(len(body)) || len(body) <= 256 {
				t.Errorf("%s%s is %d B for %d B: the build keeps only variants that save 5%% of files over 256 B",
					name, p.ext, len(enc), len(body))
			}
			if p.coding != "gzip" {
				continue // no brotli decoder in the standard library; web-check compares it with a fresh build
			}
			zr, err := gzip.NewReader(bytes.NewReader(enc))
			if err != nil {
				t.Errorf("%s.gz: %v", name, err)
				continue
			}
			if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, body) {
				t.Errorf("%s.gz does not decompress to %s (err %v): run make web", name, name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 4 {
		t.Errorf("only %d precompressed files in dist: run make web", checked)
	}
}
