// Package offhours holds the rules of the out-of-hours flow (issue 12): a
// visitor who writes while a site is closed gets the site's closed
// message and a question, answers YES to leave a message for the agents
// (a ticket) or NO, and ends with "//end" or by going quiet.
//
// The rules are a pure function of the session's state, the visitor's
// text and the time, so that every rule is a table test and the caller
// (which stores the session, sends the replies as ordinary system
// messages and makes the ticket) fires each step once: it stores the
// outcome in the same transaction as the message that caused it.
package offhours

import (
	"strings"
	"time"
)

// Phase is where a session stands.
type Phase string

const (
	// Asked: the question was sent; the visitor has not said YES or NO.
	Asked Phase = "asked"
	// Leaving: the visitor said YES; each message adds to the ticket
	// until "//end", or LeaveWindow of silence.
	Leaving Phase = "leaving"
	// Ended: the session is over; the visitor's next message starts a
	// new one.
	Ended Phase = "ended"
)

// LeaveWindow is how long after the visitor's last message a session in
// which the visitor said YES stays open without "//end".
const LeaveWindow = 10 * time.Minute

// EndWord ends a session, before or after YES.
const EndWord = "//end"

// Session is what the caller stores between two steps.
type Session struct {
	Phase Phase
	// Due is when the session ends if the visitor writes nothing more.
	Due time.Time
}

// Texts are the system messages of the flow; a site may reword each.
type Texts struct {
	Closed   string // the site's out-of-hours message, sent first
	Question string // the YES/NO question
	Accepted string // after YES
	Declined string // after NO
	Thanks   string // after "//end" once the visitor said YES
}

// DefaultTexts are the texts a site starts with.
var DefaultTexts = Texts{
	Closed:   "We are closed right now.",
	Question: `Would you like to leave a message for the agent? Please respond with YES or NO. If you select Yes, after your last message, please send "//end" without the quotes to end the chat.`,
	Accepted: "Thank you. Please write your message; an agent will answer as soon as we are open.",
	Declined: "Thank you for writing to us. Goodbye.",
	Thanks:   "Thank you, we have your message and will get back to you.",
}

// Or returns t with each empty text taken from d.
func (t Texts) Or(d Texts) Texts {
	pick := func(a, b string) string {
		if strings.TrimSpace(a) == "" {
			return b
		}
		return a
	}
	return Texts{
		Closed: pick(t.Closed, d.Closed), Question: pick(t.Question, d.Question), Accepted: pick(t.Accepted, d.Accepted),
		Declined: pick(t.Declined, d.Declined), Thanks: pick(t.Thanks, d.Thanks),
	}
}

// Step is the outcome of one visitor message, or of the clock.
type Step struct {
	Session Session
	// Replies are the system messages to send the visitor, in order, and
	// Keys which of the Texts each is ("closed", "question", "accepted",
	// "declined", "thanks"): a widget shows it in the visitor's language.
	Replies []string
	Keys    []string
	// Keep: the visitor's message goes into the ticket (it is stored in
	// the conversation in any case).
	Keep bool
	// Open: the visitor said YES; the conversation becomes a ticket now.
	Open bool
	// Ended: the session is over (NO, "//end" or silence).
	Ended bool
}

// Rules are a site's settings for the flow.
type Rules struct {
	Texts Texts
	// Quiet is how long a session that was asked but not answered waits:
	// the same inactivity time as a live chat.
	Quiet time.Duration
}

// Message applies one visitor message, written at now, to s (the zero
// Session, or an Ended one, starts a new session).
func (r Rules) Message(s Session, text string, now time.Time) Step {
	word := strings.ToUpper(strings.TrimSpace(text))
	if s.Phase == "" || s.Phase == Ended || !now.Before(s.Due) {
		// A new session: the closed message, then the question. A
		// session whose time is up counts as ended even when the clock
		// has not ended it yet.
		return Step{Session: Session{Phase: Asked, Due: now.Add(r.Quiet)}, Replies: []string{r.Texts.Closed, r.Texts.Question}, Keys: []string{"closed", "question"}}
	}
	switch s.Phase {
	case Asked:
		// YES and NO in every language the widget ships (a German
		// visitor is asked for JA or NEIN).
		switch word {
		case "YES", "JA":
			return Step{Session: Session{Phase: Leaving, Due: now.Add(LeaveWindow)}, Replies: []string{r.Texts.Accepted}, Keys: []string{"accepted"}, Open: true}
		case "NO", "NEIN":
			return Step{Session: Session{Phase: Ended}, Replies: []string{r.Texts.Declined}, Keys: []string{"declined"}, Ended: true}
		case strings.ToUpper(EndWord):
			return Step{Session: Session{Phase: Ended}, Replies: []string{r.Texts.Declined}, Keys: []string{"declined"}, Ended: true}
		}
		// Anything else before an answer: ask again.
		return Step{Session: Session{Phase: Asked, Due: now.Add(r.Quiet)}, Replies: []string{r.Texts.Question}, Keys: []string{"question"}}
	default: // Leaving
		if word == strings.ToUpper(EndWord) {
			return Step{Session: Session{Phase: Ended}, Replies: []string{r.Texts.Thanks}, Keys: []string{"thanks"}, Ended: true}
		}
		// NO after YES is an ordinary message.
		return Step{Session: Session{Phase: Leaving, Due: now.Add(LeaveWindow)}, Keep: true}
	}
}

// Tick ends s when its time is up at now; ok is false when nothing is
// due.
func (r Rules) Tick(s Session, now time.Time) (Step, bool) {
	if (s.Phase != Asked && s.Phase != Leaving) || now.Before(s.Due) {
		return Step{}, false
	}
	return Step{Session: Session{Phase: Ended}, Ended: true}, true
}
