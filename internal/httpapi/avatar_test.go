package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAvatars: an agent sets its own avatar (a real image, small), every
// agent of the workspace sees it, another workspace does not; it can be
// removed, and refusals change nothing.
func TestAvatars(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.srv
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	put := func(as string, body []byte) (int, []byte) {
		req := s.NewRequest(t, "PUT", "/api/v1/me/avatar", nil)
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		return s.Send(t, e.as[as], req)
	}
	if code, raw := put("agent", []byte("GIF89a not an allowed image")); code != http.StatusUnsupportedMediaType || !strings.Contains(string(raw), "invalid_avatar") {
		t.Fatalf("a GIF: %d %s", code, raw)
	}
	if code, raw := put("agent", append(bytes.Clone(png), make([]byte, 256<<10)...)); code != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "avatar_too_large") {
		t.Fatalf("too large: %d %s", code, raw)
	}
	agentID := e.ids["{agent}"]
	if code, _ := s.Do(t, e.as["owner"], "GET", "/api/v1/agents/"+agentID+"/avatar", nil); code != http.StatusNotFound {
		t.Fatalf("an avatar before one was set (after refusals): %d", code)
	}
	code, raw := put("agent", png)
	if code != http.StatusOK || !strings.Contains(string(raw), `"avatar_at":`) {
		t.Fatalf("set: %d %s", code, raw)
	}
	req := s.NewRequest(t, "GET", "/api/v1/agents/"+agentID+"/avatar", nil)
	resp, err := e.as["supervisor"].Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, png) || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "private") {
		t.Fatalf("read by a colleague: %d %q %v", resp.StatusCode, got, resp.Header)
	}
	if code, _ := s.Do(t, e.as["owner"], "GET", "/api/v1/agents/"+e.ids["{b-agent}"]+"/avatar", nil); code != http.StatusNotFound {
		t.Fatalf("another workspace's agent: %d", code)
	}
	if code, _ := s.Do(t, s.Client(t), "GET", "/api/v1/agents/"+agentID+"/avatar", nil); code != http.StatusUnauthorized {
		t.Fatalf("nobody: %d", code)
	}
	if code, raw := s.Do(t, e.as["agent"], "DELETE", "/api/v1/me/avatar", nil); code != http.StatusOK || strings.Contains(string(raw), "avatar_at") {
		t.Fatalf("remove: %d %s", code, raw)
	}
	if code, _ := s.Do(t, e.as["owner"], "GET", "/api/v1/agents/"+agentID+"/avatar", nil); code != http.StatusNotFound {
		t.Fatalf("after removing: %d", code)
	}
}
