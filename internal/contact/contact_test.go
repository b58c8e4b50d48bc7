package contact

import (
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/store"
)

// TestCursorKeepsThePagesKey: a cursor carries the last contact's sort
// key as it was, for its own order only.
func TestCursorKeepsThePagesKey(t *testing.T) {
	at := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	c := store.Contact{ID: "c1", Name: "Ann", CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
	for _, sort := range []string{"", store.ContactsByName, store.ContactsByCreated, store.ContactsByUpdated} {
		got, ok := parseCursor(cursor(c, sort), sort)
		if !ok || got.ID != "c1" {
			t.Fatalf("%q: %+v %v", sort, got, ok)
		}
		switch sort {
		case store.ContactsByCreated:
			if !got.CreatedAt.Equal(at) {
				t.Errorf("created: %v", got.CreatedAt)
			}
		case store.ContactsByUpdated:
			if !got.UpdatedAt.Equal(at.Add(time.Hour)) {
				t.Errorf("updated: %v", got.UpdatedAt)
			}
		default:
			if got.Name != "Ann" {
				t.Errorf("name: %q", got.Name)
			}
		}
	}
	if _, ok := parseCursor(cursor(c, store.ContactsByUpdated), store.ContactsByName); ok {
		t.Error("a cursor of another order was taken")
	}
	if _, ok := parseCursor("not a cursor", ""); ok {
		t.Error("garbage was taken for a cursor")
	}
}

// TestFieldsAreTyped: each custom field's value must be of its type.
func TestFieldsAreTyped(t *testing.T) {
	ok := map[string]store.ContactField{
		"plan": {Type: store.FieldText, Value: "pro"}, "seats": {Type: store.FieldNumber, Value: 3.0},
		"trial": {Type: store.FieldBoolean, Value: false}, "renews": {Type: store.FieldDate, Value: "2026-02-28"},
		"crm": {Type: store.FieldLink, Value: "https://crm.example/7"},
	}
	if _, err := validFields(ok); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		f    map[string]store.ContactField
		code string
	}{
		"a key with capitals": {map[string]store.ContactField{"Plan": {Type: store.FieldText, Value: "x"}}, "invalid_field_key"},
		"an unknown type":     {map[string]store.ContactField{"x": {Type: "color", Value: "red"}}, "invalid_field_type"},
		"a number as text":    {map[string]store.ContactField{"x": {Type: store.FieldNumber, Value: "3"}}, "invalid_field_value"},
		"February 30":         {map[string]store.ContactField{"x": {Type: store.FieldDate, Value: "2026-02-30"}}, "invalid_field_value"},
		"a javascript: link":  {map[string]store.ContactField{"x": {Type: store.FieldLink, Value: "javascript:alert(1)"}}, "invalid_field_value"},
		"a link with no host": {map[string]store.ContactField{"x": {Type: store.FieldLink, Value: "https://"}}, "invalid_field_value"},
		"a boolean as a word": {map[string]store.ContactField{"x": {Type: store.FieldBoolean, Value: "yes"}}, "invalid_field_value"},
	} {
		_, err := validFields(c.f)
		if err == nil || apperr.From(err).Code != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}
