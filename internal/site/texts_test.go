package site

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/store"
)

// widgetCatalogue is the widget's catalogue, seen from this package.
const widgetCatalogue = "../../web/widget/i18n.ts"

// TestTextsMatchTheWidget: the server's languages, text keys (in order)
// and placeholders are the widget's (web/widget/i18n.ts), so an owner can
// override every text the widget shows and no other, and a refused
// placeholder is one the widget really fills in.
func TestTextsMatchTheWidget(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.FromSlash(widgetCatalogue))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)

	m := regexp.MustCompile(`export const LANGUAGES = \[([^\]]*)\] as const;`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("%s: no `export const LANGUAGES = [...] as const;`", widgetCatalogue)
	}
	var langs []string
	for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
		langs = append(langs, q[1])
	}
	if !slices.Equal(langs, Languages) {
		t.Errorf("the widget ships %v; site.Languages is %v", langs, Languages)
	}

	start := strings.Index(src, "const en = {\n")
	end := strings.Index(src[max(start, 0):], "\n};")
	if start < 0 || end < 0 {
		t.Fatalf("%s: no English catalogue `const en = {` … `};`", widgetCatalogue)
	}
	entry := regexp.MustCompile(`^\s*(\w+): '((?:[^'\\]|\\.)*)',$`)
	var keys []string
	for _, line := range strings.Split(src[start:start+end], "\n")[1:] {
		e := entry.FindStringSubmatch(line)
		if e == nil {
			t.Errorf("%s: cannot read the English text %q (one `key: 'text',` a line)", widgetCatalogue, line)
			continue
		}
		key, text := e[1], e[2]
		keys = append(keys, key)
		w, ok := widgetText(key)
		if !ok {
			continue // reported below, with the whole list
		}
		var ph []string
		for _, p := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(text, -1) {
			ph = append(ph, p[1])
		}
		if !slices.Equal(ph, w.Placeholders) {
			t.Errorf("%s has the placeholders %v in the widget, %v here", key, ph, w.Placeholders)
		}
		if n := utf8.RuneCountInString(text); n > MaxWidgetText {
			t.Errorf("the English %s is %d characters: over MaxWidgetText", key, n)
		}
	}
	var ours []string
	for _, w := range WidgetTexts {
		ours = append(ours, w.Key)
	}
	if !slices.Equal(keys, ours) {
		t.Errorf("the widget's texts are\n%v\nsite.WidgetTexts has\n%v", keys, ours)
	}
	for _, p := range []string{"n", "name"} {
		if placeholderMeaning[p] == "" {
			t.Errorf("placeholder {%s} has no meaning for its error", p)
		}
	}
}

func TestLanguagesAndTexts(t *testing.T) {
	t.Parallel()
	f, st := withShop(t)
	ctx := t.Context()
	if !slices.Equal(st.Look.Languages, []string{"en"}) || st.Look.Texts == nil || len(st.Look.Texts) != 0 {
		t.Fatalf("a new site has %v and %#v, want English and no texts of its own", st.Look.Languages, st.Look.Texts)
	}
	type texts = map[string]map[string]string
	update := func(in LookInput) store.SiteLook {
		t.Helper()
		got, err := f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{Look: &in})
		if err != nil {
			t.Fatal(err)
		}
		return got.Look
	}
	check := func(what string, l store.SiteLook, langs []string, want texts) {
		t.Helper()
		if !slices.Equal(l.Languages, langs) || !reflect.DeepEqual(l.Texts, want) {
			t.Fatalf("%s: %v %v, want %v %v", what, l.Languages, l.Texts, langs, want)
		}
	}

	// Languages in the order given, normalised; texts trimmed, line breaks
	// kept in paragraphs, empty ones (and languages left with none) dropped.
	l := update(LookInput{Languages: &[]string{" DE", "en"}, Texts: &texts{
		"de": {"send": "  Abschicken ", "greeting": "Hallo!\r\nWie können wir helfen?", "retry": "  ", "typing": "{name} tippt…"},
		"en": {"send": ""},
	}})
	want := texts{"de": {"send": "Abschicken", "greeting": "Hallo!\nWie können wir helfen?", "typing": "{name} tippt…"}}
	check("set", l, []string{"de", "en"}, want)

	// Other look fields leave them as they are.
	l = update(LookInput{Color: ptr("#111111")})
	check("colour only", l, []string{"de", "en"}, want)

	// Texts replace the whole map; a text of exactly the limit fits.
	long := strings.Repeat("é", MaxWidgetText-len("{n}")) + "{n}"
	l = update(LookInput{Texts: &texts{"en": {"open_unread": long}}})
	check("replaced", l, []string{"de", "en"}, texts{"en": {"open_unread": long}})

	// Disabling a language drops its texts; the others stay.
	update(LookInput{Texts: &texts{"en": {"send": "Go"}, "de": {"send": "Los"}}})
	l = update(LookInput{Languages: &[]string{"en"}})
	check("German off", l, []string{"en"}, texts{"en": {"send": "Go"}})

	// Languages and texts sent together: the texts are checked against the
	// new languages.
	l = update(LookInput{Languages: &[]string{"de"}, Texts: &texts{"de": {"agent": "Team"}}})
	check("German only", l, []string{"de"}, texts{"de": {"agent": "Team"}})

	// Cleared.
	l = update(LookInput{Texts: &texts{}})
	check("cleared", l, []string{"de"}, texts{})

	got, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
	if err != nil || !slices.Equal(got.Look.Languages, []string{"de"}) {
		t.Fatalf("by widget key: %+v (%v)", got.Look, err)
	}
}

// TestTextRefusals: every refusal names its code and the field at fault,
// on create and on update, and changes nothing.
func TestTextRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	existing, err := f.svc.Create(ctx, f.owner.Actor(), Input{Name: ptr("Shop"),
		Look: &LookInput{Languages: &[]string{"en", "de"}, Texts: &map[string]map[string]string{"de": {"send": "Los"}}}})
	if err != nil {
		t.Fatal(err)
	}
	type texts = map[string]map[string]string
	cases := []struct {
		name        string
		langs       *[]string
		texts       *texts
		code, field string
	}{
		{"no language", &[]string{}, nil, "required", "look.languages"},
		{"a language the widget lacks", &[]string{"en", "fr"}, nil, "invalid_language", "look.languages"},
		{"a regional tag", &[]string{"de-AT"}, nil, "invalid_language", "look.languages"},
		{"a language twice", &[]string{"en", "de", "EN"}, nil, "invalid_language", "look.languages"},
		{"texts in a language the widget lacks", nil, &texts{"fr": {"send": "Envoyer"}}, "invalid_language", "look.texts"},
		{"texts in a language not enabled", &[]string{"en"}, &texts{"de": {"send": "Los"}}, "invalid_language", "look.texts.de"},
		{"an unknown text", nil, &texts{"en": {"send": "Go", "offline_form": "Leave a message"}}, "unknown_text", "look.texts.en"},
		{"a long text", nil, &texts{"de": {"ended_text": strings.Repeat("a", MaxWidgetText+1)}}, "too_long", "look.texts.de.ended_text"},
		{"a bidi override", nil, &texts{"en": {"subtitle": "Hi \u202Ethere"}}, "invalid_text", "look.texts.en.subtitle"},
		{"a control character", nil, &texts{"en": {"greeting": "Hi\x07"}}, "invalid_text", "look.texts.en.greeting"},
		{"a line break in a label", nil, &texts{"en": {"send": "Send\nnow"}}, "invalid_text", "look.texts.en.send"},
		{"a lost {n}", nil, &texts{"en": {"open_unread": "Open chat, some unread"}}, "missing_placeholder", "look.texts.en.open_unread"},
		{"a lost {name}", nil, &texts{"de": {"typing": "Jemand schreibt…"}}, "missing_placeholder", "look.texts.de.typing"},
		{"a misspelt placeholder", nil, &texts{"de": {"new_message_from": "Neue Nachricht von {Name}"}}, "missing_placeholder", "look.texts.de.new_message_from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Name: ptr("x"), Look: &LookInput{Languages: c.langs, Texts: (*map[string]map[string]string)(c.texts)}}
			if c.langs == nil && c.texts != nil {
				in.Look.Languages = &[]string{"en", "de"} // a new site is English only
			}
			for _, op := range []string{"Create", "Update"} {
				var err error
				if op == "Create" {
					_, err = f.svc.Create(ctx, f.owner.Actor(), in)
				} else {
					up := *in.Look
					if c.langs == nil {
						up.Languages = nil // the stored site's
					}
					_, err = f.svc.Update(ctx, f.owner.Actor(), existing.ID, Input{Look: &up})
				}
				if e := apperr.From(err); err == nil || e.Kind != apperr.Invalid || e.Code != c.code || e.Field != c.field {
					t.Errorf("%s: %v (field %q), want invalid %s on %s", op, err, e.Field, c.code, c.field)
				}
			}
		})
	}
	got, err := f.svc.Get(ctx, f.owner.Actor(), existing.ID)
	if err != nil || !reflect.DeepEqual(got.Look, existing.Look) || !got.UpdatedAt.Equal(existing.UpdatedAt) {
		t.Fatalf("the site changed: %+v (err %v), was %+v", got.Look, err, existing.Look)
	}
	if list, err := f.svc.List(ctx, f.owner.Actor()); err != nil || len(list) != 1 {
		t.Fatalf("after refused input: %d sites (err %v)", len(list), err)
	}
}

// TestAgentsCannotEditTexts: agents and supervisors may not change a
// site's languages or texts, but read them.
func TestAgentsCannotEditTexts(t *testing.T) {
	t.Parallel()
	f, st := withShop(t)
	ctx := t.Context()
	for _, role := range []string{"agent", "supervisor"} {
		p := f.agent
		p.Agent.Role = role
		_, err := f.svc.Update(ctx, p.Actor(), st.ID, Input{Look: &LookInput{Languages: &[]string{"de"},
			Texts: &map[string]map[string]string{"de": {"send": "Los"}}}})
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s may change the texts: %v", role, err)
		}
		if got, err := f.svc.Get(ctx, p.Actor(), st.ID); err != nil || !slices.Equal(got.Look.Languages, []string{"en"}) {
			t.Errorf("%s reads %v (%v), want English unchanged", role, got.Look.Languages, err)
		}
	}
}

// TestOpenAPINamesEveryText: the OpenAPI file's list of a site's text
// keys is the widget's, in its order.
func TestOpenAPINamesEveryText(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.FromSlash("../../docs/openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)enum: \[(greeting_title, .*?)\]`).FindSubmatch(b)
	if m == nil {
		t.Fatal("docs/openapi.yaml: no enum of the widget's text keys")
	}
	var got, want []string
	for _, k := range strings.Split(string(m[1]), ",") {
		got = append(got, strings.TrimSpace(k))
	}
	for _, w := range WidgetTexts {
		want = append(want, w.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("docs/openapi.yaml names the texts %v; the widget has %v", got, want)
	}
}
