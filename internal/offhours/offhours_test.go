package offhours

import (
	"slices"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC)
	rules = Rules{Texts: DefaultTexts, Quiet: 30 * time.Minute}
)

// say is one visitor message at an offset from t0, and what must follow.
type say struct {
	at      time.Duration
	text    string
	replies []string
	keep    bool
	open    bool
	ended   bool
	phase   Phase
}

// TestRules: each rule of the out-of-hours flow as a conversation, step
// by step, from a new session.
func TestRules(t *testing.T) {
	d := DefaultTexts
	start := []string{d.Closed, d.Question}
	for _, tc := range []struct {
		name  string
		steps []say
	}{
		{"the first message gets the closed message, then the question", []say{
			{text: "hello?", replies: start, phase: Asked},
		}},
		{"YES, any case, trimmed, opens a ticket session: every further message adds to it", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "  yEs \n", replies: []string{d.Accepted}, open: true, phase: Leaving},
			{at: 2 * time.Minute, text: "my order 1234 never came", keep: true, phase: Leaving},
			{at: 3 * time.Minute, text: "it was paid", keep: true, phase: Leaving},
		}},
		{"JA and NEIN are YES and NO (the German question asks for them)", []say{
			{text: "hallo", replies: start, phase: Asked},
			{at: time.Minute, text: " Ja ", replies: []string{d.Accepted}, open: true, phase: Leaving},
			{at: 2 * time.Minute, text: "//end", replies: []string{d.Thanks}, ended: true, phase: Ended},
			{at: 3 * time.Minute, text: "noch etwas", replies: start, phase: Asked},
			{at: 4 * time.Minute, text: "nein", replies: []string{d.Declined}, ended: true, phase: Ended},
		}},
		{"NO ends the session at once, politely", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "no", replies: []string{d.Declined}, ended: true, phase: Ended},
		}},
		{"anything but YES or NO before answering: the question again", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "what are your hours?", replies: []string{d.Question}, phase: Asked},
			{at: 2 * time.Minute, text: "yes please", replies: []string{d.Question}, phase: Asked},
			{at: 3 * time.Minute, text: "Yes", replies: []string{d.Accepted}, open: true, phase: Leaving},
		}},
		{"NO after YES is an ordinary message", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "YES", replies: []string{d.Accepted}, open: true, phase: Leaving},
			{at: 2 * time.Minute, text: "NO", keep: true, phase: Leaving},
		}},
		{"//end after YES ends the session; the next message starts a new one", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "yes", replies: []string{d.Accepted}, open: true, phase: Leaving},
			{at: 2 * time.Minute, text: "refund please", keep: true, phase: Leaving},
			{at: 3 * time.Minute, text: " //END ", replies: []string{d.Thanks}, ended: true, phase: Ended},
			{at: 4 * time.Minute, text: "one more thing", replies: start, phase: Asked},
		}},
		{"//end before YES ends the session too", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "//end", replies: []string{d.Declined}, ended: true, phase: Ended},
		}},
		{"after YES with no //end: 10 minutes after the last message, the session is over", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: time.Minute, text: "yes", replies: []string{d.Accepted}, open: true, phase: Leaving},
			{at: 9 * time.Minute, text: "still here", keep: true, phase: Leaving}, // 8 minutes later: still open
			{at: 19*time.Minute - time.Second, text: "and this", keep: true, phase: Leaving},
			{at: 29*time.Minute - time.Second, text: "back much later", replies: start, phase: Asked}, // exactly 10 minutes: a new session
		}},
		{"no answer: the session is over after the live chat's inactivity time", []say{
			{text: "hi", replies: start, phase: Asked},
			{at: 30 * time.Minute, text: "yes", replies: start, phase: Asked}, // too late: asked again from the start
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Session
			for i, st := range tc.steps {
				got := rules.Message(s, st.text, t0.Add(st.at))
				if !slices.Equal(got.Replies, st.replies) || len(got.Keys) != len(got.Replies) || got.Keep != st.keep || got.Open != st.open ||
					got.Ended != st.ended || got.Session.Phase != st.phase {
					t.Fatalf("step %d %q: got replies %q keep %v open %v ended %v phase %q; want %q %v %v %v %q",
						i, st.text, got.Replies, got.Keep, got.Open, got.Ended, got.Session.Phase,
						st.replies, st.keep, st.open, st.ended, st.phase)
				}
				s = got.Session
			}
		})
	}
}

// TestTick: the clock ends an asked or open session at its due time,
// once, and leaves an ended one alone.
func TestTick(t *testing.T) {
	asked := rules.Message(Session{}, "hi", t0).Session
	if _, due := rules.Tick(asked, t0.Add(30*time.Minute-time.Nanosecond)); due {
		t.Fatal("ended before the inactivity time")
	}
	st, due := rules.Tick(asked, t0.Add(30*time.Minute))
	if !due || !st.Ended || st.Session.Phase != Ended || len(st.Replies) != 0 {
		t.Fatalf("at the inactivity time: %+v, %v", st, due)
	}
	if _, again := rules.Tick(st.Session, t0.Add(time.Hour)); again {
		t.Fatal("an ended session ended twice")
	}
	leaving := rules.Message(asked, "YES", t0.Add(time.Minute)).Session
	if _, due := rules.Tick(leaving, t0.Add(11*time.Minute-time.Nanosecond)); due {
		t.Fatal("a ticket session ended before 10 minutes of silence")
	}
	if st, due := rules.Tick(leaving, t0.Add(11*time.Minute)); !due || st.Session.Phase != Ended {
		t.Fatalf("a ticket session after 10 minutes of silence: %+v, %v", st, due)
	}
}

// TestTextsOr: a site's reworded texts replace the defaults one by one;
// a blank one keeps the default.
func TestTextsOr(t *testing.T) {
	got := Texts{Closed: "Wir haben geschlossen.", Question: "  "}.Or(DefaultTexts)
	if got.Closed != "Wir haben geschlossen." || got.Question != DefaultTexts.Question || got.Thanks != DefaultTexts.Thanks {
		t.Fatalf("%+v", got)
	}
}
