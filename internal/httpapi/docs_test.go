package httpapi

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The socket routes are registered by internal/app (app.go), next to the
// realtime server; the docs list them with the REST routes.
var socketRoutes = []string{"GET /api/v1/ws", "GET /widget/v1/ws"}

// routeRegistration matches `mux.HandleFunc("METHOD /path"` and `mux.Handle(...)`.
// Patterns without a method (the "/api/" catch-all JSON 404) do not match.
var routeRegistration = regexp.MustCompile(`mux\.Handle(?:Func)?\("([A-Z]+) (/[^"]*)"`)

// codeRoutes returns every "METHOD /path" the API serves: the routes of
// routes.go, /metrics (api.go) and the socket routes (app.go).
func codeRoutes(t *testing.T) []string {
	t.Helper()
	var routes []string
	for _, file := range []string{"routes.go", "api.go"} {
		for _, m := range routeRegistration.FindAllStringSubmatch(readDocFile(t, file), -1) {
			routes = append(routes, m[1]+" "+m[2])
		}
	}
	if !slices.Contains(routes, "POST /api/v1/auth/login") || !slices.Contains(routes, "GET /metrics") {
		t.Fatalf("found only %v in routes.go and api.go: has the registration syntax changed?", routes)
	}
	app := readDocFile(t, filepath.Join("..", "app", "app.go"))
	for _, r := range socketRoutes {
		method, path, _ := strings.Cut(r, " ")
		if !strings.Contains(app, `mux.HandleFunc("`+method+" "+path+`"`) {
			t.Fatalf("internal/app/app.go no longer registers %s: update socketRoutes and the docs", r)
		}
		routes = append(routes, r)
	}
	slices.Sort(routes)
	return slices.Compact(routes)
}

func readDocFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	openAPIPath   = regexp.MustCompile(`^  ["']?(/[^"':]*)["']?:\s*$`)
	openAPIMethod = regexp.MustCompile(`^    (get|put|post|delete|options|head|patch|trace):`)
	topLevelKey   = regexp.MustCompile(`^[A-Za-z]`)
)

// openAPIRoutes reads the "METHOD /path" pairs under paths: in an OpenAPI
// YAML file, by indentation (two spaces for a path, four for a method).
func openAPIRoutes(t *testing.T, yaml string) []string {
	t.Helper()
	var routes []string
	in, path := false, ""
	seen := map[string]bool{}
	for line := range strings.Lines(yaml) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "paths:":
			in = true
		case in && topLevelKey.MatchString(line):
			in = false
		case !in:
		case openAPIPath.MatchString(line):
			path = openAPIPath.FindStringSubmatch(line)[1]
			if seen[path] {
				// A YAML key given twice: most readers keep the last, and
				// the operations of the first are lost.
				t.Errorf("docs/openapi.yaml: path %s is listed twice", path)
			}
			seen[path] = true
		case openAPIMethod.MatchString(line) && path != "":
			routes = append(routes, strings.ToUpper(openAPIMethod.FindStringSubmatch(line)[1])+" "+path)
		}
	}
	if len(routes) == 0 {
		t.Fatal("docs/openapi.yaml: no operations found under paths:")
	}
	slices.Sort(routes)
	return routes
}

// TestDocsOpenAPIListsEveryRoute keeps docs/openapi.yaml equal to the
// routes the server registers: none missing, none extra.
func TestDocsOpenAPIListsEveryRoute(t *testing.T) {
	t.Parallel()
	code := codeRoutes(t)
	doc := openAPIRoutes(t, readDocFile(t, filepath.Join("..", "..", "docs", "openapi.yaml")))
	for _, r := range code {
		if !slices.Contains(doc, r) {
			t.Errorf("docs/openapi.yaml lacks %s", r)
		}
	}
	for _, r := range doc {
		if !slices.Contains(code, r) {
			t.Errorf("docs/openapi.yaml lists %s, which the server does not register", r)
		}
	}
	if t.Failed() {
		return
	}
	if dup := len(doc) - len(slices.Compact(slices.Clone(doc))); dup > 0 {
		t.Errorf("docs/openapi.yaml lists %d operations twice", dup)
	}
}

// apiHeading matches an endpoint heading of docs/api.md: #### `METHOD /path`.
var apiHeading = regexp.MustCompile("(?m)^#### `([A-Z]+ /[^`]*)`")

// TestDocsAPIMentionsEveryRoute keeps docs/api.md true: every route is
// mentioned as "METHOD /path", and every endpoint section is a real route.
func TestDocsAPIMentionsEveryRoute(t *testing.T) {
	t.Parallel()
	code := codeRoutes(t)
	doc := readDocFile(t, filepath.Join("..", "..", "docs", "api.md"))
	for _, r := range code {
		// "GET /api/v1/sites" must not be satisfied by "GET /api/v1/sites/{id}".
		mention := regexp.MustCompile(regexp.QuoteMeta(r) + `(?:[^A-Za-z0-9_/{}.$-]|$)`)
		if !mention.MatchString(doc) {
			t.Errorf("docs/api.md does not mention %s", r)
		}
	}
	for _, m := range apiHeading.FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(code, m[1]) {
			t.Errorf("docs/api.md has a section for %s, which the server does not register", m[1])
		}
	}
}

// TestDocsOpenAPIParser checks the parser on a tiny document, so a passing
// docs test means something.
func TestDocsOpenAPIParser(t *testing.T) {
	t.Parallel()
	yaml := "openapi: 3.1.0\npaths:\n  /a/{id}:\n    parameters: []\n    get:\n      responses: {}\n" +
		"    delete:\n      responses: {}\n  \"/b\":\n    post:\n      summary: x\ncomponents:\n  schemas:\n" +
		"  /not/a/path:\n    get: {}\n"
	got := openAPIRoutes(t, yaml)
	want := []string{"DELETE /a/{id}", "GET /a/{id}", "POST /b"}
	if !slices.Equal(got, want) {
		t.Fatalf("openAPIRoutes = %v, want %v", got, want)
	}
}
