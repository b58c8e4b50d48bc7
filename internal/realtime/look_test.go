package realtime_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// TestWidgetWelcomeCarriesTheLook: the widget's welcome holds the site's
// look (the default first, then what an owner set), and nothing else of
// the site's settings.
func TestWidgetWelcomeCarriesTheLook(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := testCtx(t)
	st := srv.DemoSite(t)

	welcomeSite := func() (map[string]json.RawMessage, store.SiteLook) {
		t.Helper()
		w := srv.DialWidget(t, st.WidgetKey, client.Options{})
		var f struct {
			Site map[string]json.RawMessage `json:"site"`
		}
		if err := json.Unmarshal(w.Welcome.Raw, &f); err != nil {
			t.Fatal(err)
		}
		var look store.SiteLook
		if err := json.Unmarshal(f.Site["look"], &look); err != nil {
			t.Fatalf("welcome site %s: %v", w.Welcome.Raw, err)
		}
		return f.Site, look
	}

	fields, look := welcomeSite()
	if want := store.DefaultLook(); !reflect.DeepEqual(look, want) {
		t.Fatalf("the demo site's look %+v, want the default %+v", look, want)
	}
	if len(fields) != 3 {
		t.Fatalf("the welcome's site has %d fields, want id, name and look only", len(fields))
	}

	owner := auth.Actor{WorkspaceID: st.WorkspaceID, AgentID: store.NewID(), Role: auth.Owner}
	color, greeting, names, team := "#0a7f5a", "Hello from the shop!", false, "Shop team"
	if _, err := srv.App.Sites.Update(ctx, owner, st.ID, site.Input{Look: &site.LookInput{
		Color: &color, Greeting: &greeting, AgentNames: &names, TeamName: &team}}); err != nil {
		t.Fatal(err)
	}
	if _, look = welcomeSite(); !reflect.DeepEqual(look, store.SiteLook{Color: color, Greeting: greeting, AgentNames: false, TeamName: team,
		Languages: []string{"en"}, Texts: map[string]map[string]string{}, Ratings: true}) {
		t.Fatalf("after the change the welcome has %+v", look)
	}
	// The enabled languages and the owner's texts travel with it, for the
	// widget to pick its language and show the owner's words.
	langs, texts := []string{"de", "en"}, map[string]map[string]string{"de": {"send": "Abschicken", "typing": "{name} tippt…"}}
	if _, err := srv.App.Sites.Update(ctx, owner, st.ID, site.Input{Look: &site.LookInput{Languages: &langs, Texts: &texts}}); err != nil {
		t.Fatal(err)
	}
	if _, look = welcomeSite(); !slices.Equal(look.Languages, langs) || !reflect.DeepEqual(look.Texts, texts) {
		t.Fatalf("after setting languages and texts the welcome has %+v", look)
	}
}
