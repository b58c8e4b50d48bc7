package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// benchConversations opens a migrated SQLite store in b.TempDir() and
// starts n conversations, one visitor each.
func benchConversations(b *testing.B, n int) (*store.Store, string, []string) {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "livedesk.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx, now); err != nil {
		b.Fatal(err)
	}
	ws, err := st.CreateWorkspace(ctx, "Bench", now)
	if err != nil {
		b.Fatal(err)
	}
	site, err := st.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Bench", WidgetKey: "wk_" + store.NewID()}, now)
	if err != nil {
		b.Fatal(err)
	}
	convs := make([]string, n)
	for i := range convs {
		v, err := st.CreateVisitor(ctx, ws.ID, site.ID, fmt.Sprint("hash", i), now)
		if err != nil {
			b.Fatal(err)
		}
		c, _, err := st.StartConversation(ctx, ws.ID, v.ID, "", now)
		if err != nil {
			b.Fatal(err)
		}
		convs[i] = c.ID
	}
	return st, ws.ID, convs
}

// BenchmarkAppendMessageSQLite stores one agent message per op, spread
// over 2,000 conversations as in the chat load scenario, from one
// goroutine and from many: SQLite has one writer, so this is the ceiling
// of messages stored per second on one node.
func BenchmarkAppendMessageSQLite(b *testing.B) {
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprint("writers=", par), func(b *testing.B) {
			st, ws, convs := benchConversations(b, 2000)
			ctx := context.Background()
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					m := store.Message{WorkspaceID: ws, ConversationID: convs[i%int64(len(convs))], ClientMsgID: fmt.Sprint("c", i),
						Kind: store.KindText, AuthorType: store.AuthorAgent, AuthorID: "agent", Body: "Hello, I have a question about my order."}
					if _, err := st.AppendMessage(ctx, m, time.Now()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
