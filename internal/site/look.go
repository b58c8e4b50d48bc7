package site

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// LookInput changes a site's widget look; nil fields stay as they are, so
// {"look":{"color":"#0a7f5a"}} changes the colour alone (a whole-object
// replace would turn an absent agent_names into false). Languages and
// Texts each replace the whole list or map when sent (texts.go).
type LookInput struct {
	Color      *string                       `json:"color"`
	Greeting   *string                       `json:"greeting"`
	AgentNames *bool                         `json:"agent_names"`
	TeamName   *string                       `json:"team_name"`
	Languages  *[]string                     `json:"languages"`
	Texts      *map[string]map[string]string `json:"texts"`
	Ratings    *bool                         `json:"ratings"`
}

// Limits of a site's look, in characters.
const (
	// MaxGreeting keeps the greeting to a few lines of the 372 px panel.
	MaxGreeting = 200
	// MaxTeamName fits the author line above a bubble.
	MaxTeamName = 60
)

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// defaultLook is a new site's look: the widget's own colour and texts, in
// English.
func defaultLook() store.SiteLook { return store.DefaultLook() }

// applyLook validates in and sets it on l.
func applyLook(l *store.SiteLook, in LookInput) error {
	if in.Color != nil {
		if !hexColor.MatchString(*in.Color) {
			return apperr.Invalidf("look.color", "invalid_color", "%q is not a colour: use #rrggbb", *in.Color)
		}
		l.Color = strings.ToLower(*in.Color)
	}
	if in.Greeting != nil {
		g, err := lookText("look.greeting", "invalid_text", *in.Greeting, MaxGreeting, true)
		if err != nil {
			return err
		}
		l.Greeting = g
	}
	if in.AgentNames != nil {
		l.AgentNames = *in.AgentNames
	}
	if in.Ratings != nil {
		l.Ratings = *in.Ratings
	}
	if in.TeamName != nil {
		n, err := lookText("look.team_name", "invalid_name", *in.TeamName, MaxTeamName, false)
		if err != nil {
			return err
		}
		l.TeamName = n
	}
	// Languages first: the texts are checked against the languages sent
	// with them.
	if in.Languages != nil {
		if err := applyLanguages(l, *in.Languages); err != nil {
			return err
		}
	}
	if in.Texts != nil {
		return applyTexts(l, *in.Texts)
	}
	return nil
}

// lookText trims s and checks it is at most max characters of printable
// text (package printable), else refuses it with code on field;
// multiline allows line breaks. "" is allowed: it means the default.
func lookText(field, code, s string, max int, multiline bool) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if utf8.RuneCountInString(s) > max {
		return "", apperr.Invalidf(field, "too_long", "at most %d characters", max)
	}
	lines := []string{s}
	if multiline {
		lines = strings.Split(s, "\n")
	} else if strings.Contains(s, "\n") {
		return "", apperr.Invalidf(field, code, "one line only: line breaks are not allowed")
	}
	for _, line := range lines {
		if _, ok := printable.Name(line, max, true); !ok {
			return "", apperr.Invalidf(field, code, "control characters and bidirectional controls are not allowed")
		}
	}
	return s, nil
}
