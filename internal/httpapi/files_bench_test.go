package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
)

// BenchmarkFileRoundTrip uploads a 4 MiB PDF as an agent and downloads it
// back, through HTTP into SQLite's chunks and out: the bytes per second a
// node moves for attachments (b.SetBytes counts one way).
func BenchmarkFileRoundTrip(b *testing.B) {
	srv := apptest.New(b)
	ctx := b.Context()
	st := srv.DemoSite(b)
	v, _, err := srv.App.Visitors.Session(ctx, st, "", "127.0.0.1", nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	c, err := srv.App.Chat.Start(ctx, auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID}, "")
	if err != nil {
		b.Fatal(err)
	}
	agent := srv.Admin(b)
	body := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), 4<<16)...)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%40 == 0 {
			b.StopTimer() // a conversation holds at most 50 files
			if c, err = srv.App.Chat.Start(ctx, auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID}, ""); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		q := url.Values{"client_msg_id": {fmt.Sprint("b-", i)}, "name": {"big.pdf"}}
		req := srv.NewRequest(b, "POST", "/api/v1/conversations/"+c.ID+"/files?"+q.Encode(), body)
		req.Header.Set("Origin", srv.URL)
		status, out := srv.Send(b, agent, req)
		if status != http.StatusCreated {
			b.Fatalf("upload: %d %s", status, out)
		}
		m := apptest.Decode[struct {
			Meta struct {
				File struct {
					ID string `json:"id"`
				} `json:"file"`
			} `json:"meta"`
		}](b, out)
		if status, got := srv.Do(b, agent, "GET", "/api/v1/files/"+m.Meta.File.ID, nil); status != 200 || len(got) != len(body) {
			b.Fatalf("download: %d, %d bytes", status, len(got))
		}
	}
}
