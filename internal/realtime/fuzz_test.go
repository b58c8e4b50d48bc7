package realtime_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// FuzzWidgetFrames sends arbitrary frames as a visitor to a live server.
// Whatever the input, the server must answer and stay up, and a visitor
// must never see or change another visitor's conversation.
func FuzzWidgetFrames(f *testing.F) {
	for _, seed := range []string{
		`{"type":"message.send","id":"1","conversation_id":"CONV","client_msg_id":"m1","text":"hi"}`,
		`{"type":"heartbeat","id":"2","url":"https://a.example/x?y=1","title":"T","referrer":"https://b.example"}`,
		`{"type":"context.set","id":"3","data":{"plan":"pro","n":1.5,"ok":true,"gone":null}}`,
		`{"type":"identify","id":"4","external_id":"u1","name":"N","email":"a@b.c","hash":"abcd"}`,
		`{"type":"sync","id":"5","conversation_id":"CONV","after_seq":0,"until_seq":3,"limit":1000}`,
		`{"type":"typing","id":"6","conversation_id":"OTHER","on":false}`,
		`{"type":"conversation.start","id":"7","department_id":"x"}`,
		`{"type":"message.send","id":"8","conversation_id":"OTHER","client_msg_id":"m","text":"x"}`,
		`{"type":"conversations.list","id":"9"}`,
	} {
		f.Add([]byte(seed))
	}
	ctx := context.Background()
	s := apptest.New(f, withRealtime(func(o *realtime.Options) { o.FrameRate, o.FrameBurst = 1e6, 1e6 }))
	key, wsID := s.DemoSite(f).WidgetKey, s.WorkspaceID(f)
	victim, err := client.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), client.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer victim.Kill()
	st, err := victim.Do(ctx, "conversation.start", nil)
	if err != nil {
		f.Fatal(err)
	}
	other := st.ConversationID
	if _, err := victim.Do(ctx, "message.send", map[string]any{"conversation_id": other, "client_msg_id": "v", "text": "private"}); err != nil {
		f.Fatal(err)
	}
	var (
		w    *client.Conn
		conv string
	)
	f.Fuzz(func(t *testing.T, frame []byte) {
		if w == nil || isClosed(w.Done()) {
			var err error
			w, err = client.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			conv = do(t, ctx, w, "conversation.start", nil).ConversationID
		}
		frame = replaceAll(frame, "CONV", conv)
		frame = replaceAll(frame, "OTHER", other)
		if err := w.WriteRaw(ctx, frame); err != nil {
			return
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := w.Do(pctx, "ping", nil)
		cancel()
		var answered *client.Error
		if err != nil && !errors.As(err, &answered) { // an error frame means it answered (the fuzz frame may reuse the ping's id)
			// The only acceptable silence is the documented close for a
			// client that keeps sending invalid frames.
			<-w.Done()
			if code := w.CloseStatus(); code != 4400 {
				t.Fatalf("server stopped answering after %q: %v (close %d)", frame, err, code)
			}
			return
		}
		for {
			done, cancel := context.WithCancel(ctx)
			cancel()
			ev, err := w.Next(done)
			if err != nil {
				break
			}
			if ev.Type == "message" {
				if m, _ := ev.Msg(); m.ConversationID == other {
					t.Fatalf("a visitor received another visitor's message after %q", frame)
				}
			}
		}
		c, err := s.App.Store.GetConversation(ctx, wsID, other)
		if err != nil || c.LastSeq != 1 {
			t.Fatalf("another visitor's conversation changed after %q: %d %v", frame, c.LastSeq, err)
		}
	})
}

func replaceAll(b []byte, old, new string) []byte {
	return bytes.ReplaceAll(b, []byte(old), []byte(new))
}
