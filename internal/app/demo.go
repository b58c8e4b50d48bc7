package app

import (
	"context"
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// demoSiteName is the site a first start creates (bootstrap.go).
const demoSiteName = "Demo site"

// demoPage is one page of the demo shop; visiting several shows up in the
// desk as pages seen.
type demoPage struct {
	Slug, Title, Heading, Text string
}

var demoPages = []demoPage{
	{"home", "Northwind Outdoor — Gear for every trail", "Gear for every trail",
		"Tents, packs and jackets tested on real mountains. Questions? Our team is one click away."},
	{"pricing", "Pricing — Northwind Outdoor", "Simple pricing",
		"Free shipping over $75, 60-day returns, and a lifetime repair promise on every pack."},
	{"contact", "Contact — Northwind Outdoor", "Talk to a human",
		"Use the chat bubble in the corner: it reaches the Live Desk you are running."},
}

var demoTemplate = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Page.Title}}</title>
<link rel="icon" href="data:,">
<style nonce="{{.Nonce}}">
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 Georgia,'Times New Roman',serif;color:#1f2a24;background:#f6f3ec}
header{display:flex;align-items:center;gap:28px;padding:18px 40px;background:#1f3d2b;color:#f6f3ec}
header strong{font-size:20px;letter-spacing:.02em}
nav a{color:#cfe3d4;margin-right:18px;text-decoration:none;font-family:system-ui,sans-serif;font-size:15px}
nav a[aria-current]{color:#fff;text-decoration:underline}
main{max-width:980px;margin:0 auto;padding:48px 40px}
h1{font-size:44px;margin:0 0 12px}
.lead{font-size:19px;max-width:620px;color:#3b4a40}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:20px;margin:36px 0}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card b{display:block;font-size:18px;margin-bottom:4px}
.note{font-family:system-ui,sans-serif;font-size:14px;background:#fffbe8;border:1px solid #eadc9a;border-radius:10px;padding:16px 18px;color:#5a4d12}
.note code{background:#f3ecc6;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
header{flex-wrap:wrap}
@media (max-width:600px){header{padding:14px 20px;gap:8px}main{padding:28px 20px}h1{font-size:32px}}
</style>
<script src="{{.WidgetURL}}" data-site="{{.Key}}" async></script>
<script src="/demo.js" defer></script>
</head>
<body>
<header><strong>Northwind Outdoor</strong>
<nav>{{range .Pages}}<a href="/demo/{{.Slug}}"{{if eq .Slug $.Page.Slug}} aria-current="page"{{end}}>{{.Heading}}</a>{{end}}</nav>
</header>
<main>
<h1>{{.Page.Heading}}</h1>
<p class="lead">{{.Page.Text}}</p>
<div class="grid">
<div class="card"><b>Ridge 2 tent</b>Two-person, 1.6 kg, up in three minutes. $349</div>
<div class="card"><b>Cirque 40 pack</b>Carries a weekend, fits in an overhead bin. $189</div>
<div class="card"><b>Squall shell</b>Three-layer waterproof, pit zips, real hood. $259</div>
</div>
{{if .Key}}
<p class="note">This is the Live Desk demo page. It embeds the widget for the site “{{.SiteName}}”, with
<code>&lt;script src="{{.WidgetURL}}" data-site="…" async&gt;&lt;/script&gt;</code>. Open the desk at
<code>{{.DeskURL}}</code> in another window, sign in, and chat with yourself.</p>
{{else}}
<p class="note">No site exists yet: create one in the desk, then reload this page.</p>
{{end}}
</main>
</body>
</html>
`))

// demoScript tells the desk a little about the demo visitor, as a real
// site would. It uses the documented queue, so it works whether or not the
// widget loader has run yet.
const demoScript = `(function () {
  var ld = (window.LiveDesk = window.LiveDesk || { q: [] });
  var data = { plan: "Pro trial", cart_items: 2, cart_value: 129.5, source: "demo page" };
  if (ld.addContext) ld.addContext(data);
  else ld.q.push(["addContext", [data]]);
})();
`

// demoRoutes serves /demo, a page that embeds the widget of the demo site
// with its current widget key, so a fresh install can chat with itself.
// The widget loads from the public URL, so opening the page under another
// host name (localhost versus 127.0.0.1) makes it a cross-origin embed,
// as on a customer's site. The page's own CSP is strict too: the widget
// has to work on pages like that.
func demoRoutes(mux *http.ServeMux, a *App) {
	serve := func(w http.ResponseWriter, r *http.Request) {
		page := demoPages[0]
		slug := r.PathValue("page")
		if slug == "" {
			slug = r.URL.Query().Get("page") // the links of earlier versions
		}
		for _, p := range demoPages {
			if p.Slug == slug {
				page = p
			}
		}
		key, siteName, err := a.demoSite(r.Context())
		if err != nil {
			a.Log.Error("demo: find the demo site", "err", err)
			http.Error(w, "the demo site cannot be read", http.StatusServiceUnavailable)
			return
		}
		data := struct {
			Page                                     demoPage
			Pages                                    []demoPage
			Key, SiteName, WidgetURL, DeskURL, Nonce string
		}{page, demoPages, key, siteName, a.Config.PublicURL + "/widget.js", a.Config.PublicURL + "/",
			rand.Text()}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", demoCSP(a.Config.PublicURL, data.Nonce))
		if err := demoTemplate.Execute(w, data); err != nil {
			a.Log.Warn("demo: render", "err", err)
		}
	}
	// Each page has a path of its own, as a shop's pages do: broadcasts'
	// page rules (docs/api.md, Broadcasts) match paths.
	mux.HandleFunc("GET /demo", serve)
	mux.HandleFunc("GET /demo/{page}", serve)
	mux.HandleFunc("GET /demo.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", cacheRevalidate)
		w.Write([]byte(demoScript)) //nolint:errcheck
	})
}

// demoCSP allows scripts from this page's origin (demo.js) and the
// widget's, the widget's socket, and styles only by nonce: no inline
// script and no inline style attribute.
func demoCSP(publicURL, nonce string) string {
	origin := publicURL
	wsOrigin := ""
	if u, err := url.Parse(publicURL); err == nil {
		origin = u.Scheme + "://" + u.Host
		wsOrigin = strings.Replace(origin, "http", "ws", 1)
	}
	return "default-src 'none'; script-src 'self' " + origin + "; connect-src " + origin + " " + wsOrigin +
		"; style-src 'nonce-" + nonce + "'; img-src 'self' " + origin + " data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// demoSite finds the demo site's widget key: the site a first start made,
// else the first site of the first workspace; "" when there is none.
func (a *App) demoSite(ctx context.Context) (key, name string, err error) {
	ws, err := a.Store.FirstWorkspace(ctx)
	if err != nil {
		return "", "", err
	}
	sites, err := a.Store.ListSites(ctx, ws.ID)
	if err != nil || len(sites) == 0 {
		return "", "", err
	}
	for _, s := range sites {
		if s.Name == demoSiteName {
			return s.WidgetKey, s.Name, nil
		}
	}
	return sites[0].WidgetKey, sites[0].Name, nil
}
