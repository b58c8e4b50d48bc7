// Package chat holds conversations and their messages: starting a
// conversation, sending a message idempotently with a gap-free seq,
// reading history for resume and gap fill, typing signals, and the
// conversation lifecycle (statuses, assignment, transfer and the timers).
//
// Rules: a visitor sees and writes only its own conversations; an agent
// any conversation of its workspace. A message is stored (and its seq
// assigned) before it is acknowledged, and published to the bus only after
// the commit. What a visitor may see of a conversation or a private event
// is decided here, in one place (view.go), not by the transports. A
// Service is stateless and safe for concurrent use.
//
// Files: chat.go (the service, reads, Start), message.go (Send, Typing),
// history.go (history pages), status.go (status, flag, wrap-up),
// assign.go (assignment, transfer, routing, the queue), timers.go (the
// due-time rules), publish.go (events after commit), view.go (visitor
// views).
//
// The lifecycle (docs/lifecycle.md):
//
//   - open: live. An agent may mark it pending (waiting on the customer),
//     snooze it until a time, or close it. No activity for the workspace's
//     inactivity_close_minutes closes it ("closed by system"), unless it
//     is flagged.
//   - pending: closes by itself pending_close_minutes after it became
//     pending; the visitor's new message reopens it.
//   - snoozed: reopens by itself when its time comes, or on the visitor's
//     new message.
//   - closed: an agent may reopen it (if the visitor has no other open
//     conversation); the visitor can start a new one.
//
// Routing: a new conversation goes to its department (the site's default
// when none is chosen) and is assigned to an online agent of that
// department with free capacity, least-loaded first, ties to the agent idle
// longest; otherwise it waits unassigned in arrival order and is assigned
// as capacity frees. Capacity counts open conversations only. A chat whose
// assigned agent has not replied within reply_timeout_seconds of the
// visitor's message is reassigned to another available agent (never a
// flagged one). Supervisors and above may change any conversation and
// assign beyond an agent's limit.
//
// Who is picked is decided in SQL, inside the assigning transaction
// (store.Assign and store/doc.go), so that choosing and assigning are one
// atomic step; the policy it applies is the one described above.
package chat
