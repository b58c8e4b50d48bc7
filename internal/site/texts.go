package site

import (
	"maps"
	"slices"
	"strings"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/store"
)

// Languages are the languages the widget ships, each complete (LANGUAGES
// in web/widget/i18n.ts; TestTextsMatchTheWidget holds the two together).
// A site enables some of them in its look.
var Languages = []string{"en", "de"}

// MaxWidgetText is the longest text an owner may set for one of the
// widget's texts, in characters: the longest default is under 100, and
// 300 still fits the 372 px panel in a few lines.
const MaxWidgetText = 300

// WidgetText is one of the widget's translatable texts (TEXTS in
// web/widget/i18n.ts).
type WidgetText struct {
	Key string
	// Placeholders are the {names} the widget fills in; an owner's text
	// must keep each of them.
	Placeholders []string
	// Multiline: the text is a paragraph, so line breaks are allowed;
	// the others are labels, buttons and one-line statuses.
	Multiline bool
}

// WidgetTexts lists the widget's texts in the catalogue's order.
var WidgetTexts = []WidgetText{
	{Key: "greeting_title"},
	{Key: "greeting", Multiline: true},
	{Key: "subtitle"},
	{Key: "placeholder"},
	{Key: "message_label"},
	{Key: "messages_label"},
	{Key: "send"},
	{Key: "open"},
	{Key: "open_unread", Placeholders: []string{"n"}},
	{Key: "close"},
	{Key: "chat_with", Placeholders: []string{"name"}},
	{Key: "end_chat"},
	{Key: "end_confirm", Multiline: true},
	{Key: "keep_chatting"},
	{Key: "end_failed"},
	{Key: "ended_title"},
	{Key: "ended_text", Multiline: true},
	{Key: "start_new"},
	{Key: "connecting"},
	{Key: "reconnecting"},
	{Key: "unavailable"},
	{Key: "sending"},
	{Key: "not_sent"},
	{Key: "retry"},
	{Key: "sent"},
	{Key: "delivered"},
	{Key: "seen"},
	{Key: "typing", Placeholders: []string{"name"}},
	{Key: "new_message_from", Placeholders: []string{"name"}},
	{Key: "agent"},
	{Key: "offline_title"},
	{Key: "offline_text", Multiline: true},
	{Key: "name_label"},
	{Key: "email_label"},
	{Key: "offline_continue"},
	{Key: "offline_skip"},
	{Key: "attach"},
	{Key: "uploading"},
	{Key: "file_too_large", Placeholders: []string{"name", "size"}},
	{Key: "file_refused", Placeholders: []string{"name"}},
	{Key: "remove"},
	{Key: "requests"},
	{Key: "stage_new"},
	{Key: "stage_in_progress"},
	{Key: "stage_waiting"},
	{Key: "stage_resolved"},
	{Key: "stage_closed"},
	{Key: "rate_question"},
	{Key: "rate_good"},
	{Key: "rate_bad"},
	{Key: "rate_comment"},
	{Key: "rate_send"},
	{Key: "rate_thanks"},
	{Key: "rate_change"},
	{Key: "rate_failed"},
	{Key: "dismiss"},
	{Key: "announcement"},
	// The server's lines and replies as a visitor sees them, by their
	// meta (the conversation keeps the server's English words).
	{Key: "ev_joined", Placeholders: []string{"name"}},
	{Key: "ev_left", Placeholders: []string{"name"}},
	{Key: "ev_closed", Placeholders: []string{"name"}},
	{Key: "ev_reopened", Placeholders: []string{"name"}},
	{Key: "ev_ended_you"},
	{Key: "ev_ended"},
	{Key: "offhours_closed", Multiline: true},
	{Key: "offhours_question", Multiline: true},
	{Key: "offhours_accepted", Multiline: true},
	{Key: "offhours_declined", Multiline: true},
	{Key: "offhours_thanks", Multiline: true},
	{Key: "ticket_notice", Multiline: true},
}

func widgetText(key string) (WidgetText, bool) {
	i := slices.IndexFunc(WidgetTexts, func(w WidgetText) bool { return w.Key == key })
	if i < 0 {
		return WidgetText{}, false
	}
	return WidgetTexts[i], true
}

// applyLanguages validates the enabled languages and sets them on l. The
// owner's texts for a language no longer enabled are dropped, so every
// key of Texts is always an enabled language.
func applyLanguages(l *store.SiteLook, in []string) error {
	if len(in) == 0 {
		return apperr.Invalidf("look.languages", "required", "enable at least one language")
	}
	langs := make([]string, 0, len(in))
	for _, s := range in {
		lang := strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(Languages, lang) {
			return apperr.Invalidf("look.languages", "invalid_language", "%q is not a language of the widget: use one of %s", s, strings.Join(Languages, ", "))
		}
		if slices.Contains(langs, lang) {
			return apperr.Invalidf("look.languages", "invalid_language", "%q is listed twice", s)
		}
		langs = append(langs, lang)
	}
	l.Languages = langs
	// A new map: l may share its map with a site read elsewhere.
	texts := map[string]map[string]string{}
	for lang, t := range l.Texts {
		if slices.Contains(langs, lang) {
			texts[lang] = t
		}
	}
	l.Texts = texts
	return nil
}

// applyTexts validates an owner's texts and replaces l.Texts with them
// (an empty text, or a language with none, is left out: the widget's own).
// Errors name the text at fault: look.texts.<lang>.<key>. The map is
// walked in sorted order, so the same input always reports the same error.
func applyTexts(l *store.SiteLook, in map[string]map[string]string) error {
	out := map[string]map[string]string{}
	for _, lang := range slices.Sorted(maps.Keys(in)) {
		switch {
		case !slices.Contains(Languages, lang):
			return apperr.Invalidf("look.texts", "invalid_language", "%q is not a language of the widget: use one of %s", lang, strings.Join(Languages, ", "))
		case !slices.Contains(l.Languages, lang):
			return apperr.Invalidf("look.texts."+lang, "invalid_language", "%s is not enabled: add it to languages first", lang)
		}
		for _, key := range slices.Sorted(maps.Keys(in[lang])) {
			w, ok := widgetText(key)
			if !ok {
				return apperr.Invalidf("look.texts."+lang, "unknown_text", "%q is not one of the widget's texts", key)
			}
			field := "look.texts." + lang + "." + key
			s, err := lookText(field, "invalid_text", in[lang][key], MaxWidgetText, w.Multiline)
			if err != nil {
				return err
			}
			if s == "" {
				continue
			}
			for _, p := range w.Placeholders {
				if !strings.Contains(s, "{"+p+"}") {
					return apperr.Invalidf(field, "missing_placeholder", "keep {%s} in the text: the widget puts the %s there", p, placeholderMeaning[p])
				}
			}
			if out[lang] == nil {
				out[lang] = map[string]string{}
			}
			out[lang][key] = s
		}
	}
	l.Texts = out
	return nil
}

// placeholderMeaning says, in an error, what the widget puts in a
// placeholder.
var placeholderMeaning = map[string]string{"n": "number of unread messages", "name": "name"}
