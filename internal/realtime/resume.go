package realtime

import (
	"context"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// replayBatchBytes is when a batch of welcome and replay frames is
// written out: one WebSocket message (frames separated by "\n", as the
// protocol allows) instead of one per frame, bounded so that a long replay
// does not build one huge message.
const replayBatchBytes = 32 << 10

// writeWelcomeResume writes a widget's welcome and then, for each
// conversation in resume, its events after the seq the client holds.
//
// convs is the visitor's conversation list, read after the connection was
// registered with the hub, with each conversation's last_seq. A listed
// conversation is the visitor's own (the list is filtered by visitor), so
// its replay needs no ownership read: nothing to send when the client
// holds last_seq already, else only the messages (chat.HistoryOf, which
// redacts private events to hidden stubs as History does). An
// event stored after the list was read is delivered live, since the
// connection was registered first; one stored before it is replayed. A
// conversation not in the list (older than the list's 20, another
// visitor's, unknown) goes through chat.History, which checks ownership
// and skips another visitor's conversation silently.
func (s *Server) writeWelcomeResume(ctx context.Context, c *conn, welcome WelcomeFrame, resume map[string]int64) error {
	buf := encode(welcome)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
		defer cancel()
		err := c.ws.Write(wctx, websocket.MessageText, buf)
		buf = buf[:0]
		return err
	}
	for convID, after := range resume {
		conv, listed := findConversation(welcome.Conversations, convID)
		if !listed {
			if err := flush(); err != nil { // the welcome goes first
				return err
			}
			if err := s.replay(ctx, c, convID, after); err != nil && !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
				return err
			}
			continue
		}
		// A negative seq is skipped, as chat.History refuses it.
		for after >= 0 && after < conv.LastSeq {
			page, err := s.chat.HistoryOf(ctx, c.who(), conv, after, 0, chat.MaxHistoryPage)
			if err != nil {
				return err
			}
			for _, m := range page.Messages {
				if len(buf) > 0 {
					buf = append(buf, '\n')
				}
				buf = append(buf, encode(event.MessageFrame{Type: event.TypeMessage, Message: m})...)
				if len(buf) >= replayBatchBytes {
					if err := flush(); err != nil {
						return err
					}
				}
				after = m.Seq
			}
			if !page.More {
				break
			}
		}
	}
	return flush()
}

func findConversation(convs []store.Conversation, id string) (store.Conversation, bool) {
	for _, cv := range convs {
		if cv.ID == id {
			return cv, true
		}
	}
	return store.Conversation{}, false
}
