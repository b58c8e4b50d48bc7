package chat

import "github.com/querytel/livedesk/internal/store"

// What a visitor may see: every object the widget receives passes through
// one of these, so what is agent-only is decided in one place.

// visitorView strips what only agents may see of a conversation.
func visitorView(c store.Conversation) store.Conversation {
	c.WrapupNotes, c.WrapupTags, c.Flagged, c.AwaitingReplySince, c.ContactID = "", []string{}, false, nil, ""
	c.TicketID, c.RatedAgentID, c.FirstResponderID = "", "", ""
	return c
}

// visitorMessage is what a visitor may see of an event: a private one
// keeps its place in the sequence and nothing else.
func visitorMessage(m store.Message) store.Message {
	if !m.Private {
		return m
	}
	return store.Message{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, ClientMsgID: m.ClientMsgID, Kind: store.KindHidden,
		AuthorType: store.AuthorSystem, CreatedAt: m.CreatedAt, Private: true}
}
