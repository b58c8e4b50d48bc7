package realtime

// The protocol contract check. The realtime protocol is stated four times:
// by the Go server (the source of truth), by the Go client in client/, by
// the TypeScript UIs in web/ and by docs/protocol.md. Each side is read
// into a spec (the server and the Go client by reflection on their real
// types and tables and by go/parser; TypeScript and Markdown by small text
// parsers), and compareProtocol, a pure function, lists every difference.
//
// TestProtocolContract runs it on the committed files; when it fails, fix
// the side that is wrong (the server, unless it is the one in error).
// TestProtocolContractReportsDrift feeds it deliberate mismatches.

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Roles, as the command tables and the docs' "who" column name them.
// A side that does not know the role it speaks for (the Go client) uses
// anyRole.
const (
	roleWidget = "widget"
	roleDesk   = "desk"
	anyRole    = "any"
)

var roles = []string{roleWidget, roleDesk}

// field is one JSON field of a frame or of an object inside one.
type field struct {
	Optional bool   // Go: omitempty; TypeScript: "?"
	Ref      string // the object type its value holds ("store.Message", "Message"); "" for anything else
}

type fields map[string]field

// closeCode is one WebSocket close code.
type closeCode struct {
	Name     string // Go: the constant; docs: the meaning column
	Terminal bool   // Go: reconnecting the same way fails again
	Advice   string // docs: the "client should" column
}

// spec is the protocol as one side states it. A side leaves empty what it
// does not state; Problems holds what its parser could not read, so that
// a reworded or restructured file fails the check instead of passing it
// silently.
type spec struct {
	Side        string
	Subprotocol string
	// Commands: role → command type → request fields, without "type"
	// and "id". Nil fields: the side sends the command with fields the
	// parser cannot see.
	Commands map[string]map[string]fields
	// Frames: server frame type → top-level fields.
	Frames map[string]fields
	// Examples (docs): the frames of the JSON examples, by type.
	Examples map[string]fields
	// Types: the object types that fields refer to by Ref.
	Types       map[string]fields
	CloseCodes  map[int]closeCode
	Terminal    func(code int) bool // the UI's rule for "do not reconnect"
	ErrorCodes  map[string]string   // code → where it is sent, handled or listed
	ClientCodes map[string]bool     // codes a client makes up itself
	Limits      map[string]int
	LimitWhere  map[string]string
	Permissions []string
	Problems    []string
}

func newSpec(side string) *spec {
	return &spec{Side: side, Commands: map[string]map[string]fields{}, Frames: map[string]fields{},
		Examples: map[string]fields{}, Types: map[string]fields{}, CloseCodes: map[int]closeCode{},
		ErrorCodes: map[string]string{}, ClientCodes: map[string]bool{}, Limits: map[string]int{}, LimitWhere: map[string]string{}}
}

func (s *spec) problem(format string, args ...any) {
	s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
}

func (s *spec) command(role, name string, f fields) {
	if s.Commands[role] == nil {
		s.Commands[role] = map[string]fields{}
	}
	if old, ok := s.Commands[role][name]; ok && f != nil && old != nil {
		maps.Copy(old, f) // sent from several places: the union
		return
	}
	if _, ok := s.Commands[role][name]; !ok || f != nil {
		s.Commands[role][name] = f
	}
}

type diffs []string

func (d *diffs) add(format string, args ...any) { *d = append(*d, fmt.Sprintf(format, args...)) }

func sortedKeys[K interface{ ~string | ~int }, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func names(f fields) string {
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(f), ", ")
}

// compareProtocol lists every difference between the server's protocol
// and what the Go client, the UIs and the docs say about it. It reads
// nothing but its arguments.
func compareProtocol(server, client, ui, docs *spec) []string {
	var d diffs
	for _, s := range []*spec{server, client, ui, docs} {
		for _, p := range s.Problems {
			d.add("%s: %s", s.Side, p)
		}
	}
	for _, s := range []*spec{client, ui, docs} {
		if s.Subprotocol != server.Subprotocol {
			d.add("%s: subprotocol %q; the server speaks %q", s.Side, s.Subprotocol, server.Subprotocol)
		}
	}
	compareDocsCommands(&d, server, docs)
	for _, s := range []*spec{client, ui} {
		compareSentCommands(&d, server, s)
	}
	compareDocsFrames(&d, server, docs)
	for _, s := range []*spec{client, ui} {
		compareFrameTypes(&d, server, s)
	}
	compareCloseCodes(&d, server, ui, docs)
	compareErrorCodes(&d, server, ui, docs)
	compareLimits(&d, server, ui, docs)
	for _, p := range server.Permissions {
		if !slices.Contains(docs.Permissions, p) {
			d.add("%s: the welcome's permission %q is not documented", docs.Side, p)
		}
	}
	return d
}

// compareDocsCommands: the docs list exactly the server's commands per
// role, each with exactly its request fields.
func compareDocsCommands(d *diffs, server, docs *spec) {
	for _, role := range roles {
		want, got := server.Commands[role], docs.Commands[role]
		for _, name := range sortedKeys(want) {
			if _, ok := got[name]; !ok {
				d.add("%s: command %q (%s) is not documented", docs.Side, name, role)
			}
		}
		for _, name := range sortedKeys(got) {
			wf, ok := want[name]
			if !ok {
				d.add("%s: documents command %q for the %s, which the server does not accept from it", docs.Side, name, role)
				continue
			}
			for _, f := range sortedKeys(wf) {
				if _, ok := got[name][f]; !ok {
					d.add("%s: command %q (%s): field %q is not documented", docs.Side, name, role, f)
				}
			}
			for _, f := range sortedKeys(got[name]) {
				if _, ok := wf[f]; !ok {
					d.add("%s: command %q (%s): documents field %q, which the server's %s request does not have (it has: %s)", docs.Side, name, role, f, role, names(wf))
				}
			}
		}
	}
}

// compareSentCommands: every command a client sends exists for its role,
// with fields its request has.
func compareSentCommands(d *diffs, server, s *spec) {
	for _, role := range sortedKeys(s.Commands) {
		for _, name := range sortedKeys(s.Commands[role]) {
			var accepted []string
			known := fields{}
			for _, r := range roles {
				if f, ok := server.Commands[r][name]; ok && (role == anyRole || role == r) {
					accepted = append(accepted, r)
					maps.Copy(known, f)
				}
			}
			if len(accepted) == 0 {
				d.add("%s: sends command %q (%s), which the server does not accept", s.Side, name, role)
				continue
			}
			for _, f := range sortedKeys(s.Commands[role][name]) {
				if _, ok := known[f]; !ok {
					d.add("%s: sends command %q with field %q, which the server ignores (its fields: %s)", s.Side, name, f, names(known))
				}
			}
		}
	}
}

// compareFrameTypes: a client's frame types are the server's, with no
// field the server does not send and none required that it may omit; the
// same holds, by field name, for the objects inside them. Frames["*"] is
// a client's one struct for every frame.
func compareFrameTypes(d *diffs, server, s *spec) {
	pairs := map[string]map[string]bool{} // client type → server types it stands for
	pair := func(c, sv string) {
		if c == "" || sv == "" {
			return
		}
		if pairs[c] == nil {
			pairs[c] = map[string]bool{}
		}
		pairs[c][sv] = true
	}
	if union, ok := s.Frames["*"]; ok {
		for _, name := range sortedKeys(union) {
			found := false
			for _, typ := range sortedKeys(server.Frames) {
				if sf, ok := server.Frames[typ][name]; ok {
					found = true
					pair(union[name].Ref, sf.Ref)
				}
			}
			if !found {
				d.add("%s: frame field %q is in no server frame", s.Side, name)
			}
		}
	} else {
		for _, typ := range sortedKeys(server.Frames) {
			if _, ok := s.Frames[typ]; !ok {
				d.add("%s: no type for the server frame %q (fields: %s)", s.Side, typ, names(server.Frames[typ]))
			}
		}
		for _, typ := range sortedKeys(s.Frames) {
			want, ok := server.Frames[typ]
			if !ok {
				d.add("%s: declares frame %q, which the server never sends", s.Side, typ)
				continue
			}
			for _, name := range sortedKeys(s.Frames[typ]) {
				got := s.Frames[typ][name]
				sf, ok := want[name]
				switch {
				case !ok:
					d.add("%s: frame %q: field %q is not in the server's frame (it has: %s)", s.Side, typ, name, names(want))
				case sf.Optional && !got.Optional:
					d.add("%s: frame %q: field %q is required, but the server omits it when empty", s.Side, typ, name)
				default:
					pair(got.Ref, sf.Ref)
				}
			}
		}
	}
	// Walk the object types reachable from the frames, pairing each
	// client type with the server types it decodes.
	for done := map[string]bool{}; ; {
		var next []string
		for _, c := range sortedKeys(pairs) {
			for _, sv := range sortedKeys(pairs[c]) {
				if !done[c+"|"+sv] {
					next = append(next, c+"|"+sv)
				}
			}
		}
		if len(next) == 0 {
			break
		}
		for _, p := range next {
			done[p] = true
			c, sv, _ := strings.Cut(p, "|")
			for name, cf := range s.Types[c] {
				if sf, ok := server.Types[sv][name]; ok {
					pair(cf.Ref, sf.Ref)
				}
			}
		}
	}
	for _, c := range sortedKeys(pairs) {
		svs := sortedKeys(pairs[c])
		for _, name := range sortedKeys(s.Types[c]) {
			cf, in := s.Types[c][name], 0
			for _, sv := range svs {
				sf, ok := server.Types[sv][name]
				if ok {
					in++
				}
				if ok && sf.Optional && !cf.Optional {
					d.add("%s: %s.%s is required, but the server omits it from %s when empty", s.Side, c, name, sv)
				}
			}
			switch {
			case in == 0:
				d.add("%s: %s has field %q, which the server's %s does not have", s.Side, c, name, strings.Join(svs, " / "))
			case in < len(svs) && !cf.Optional:
				d.add("%s: %s.%s is required, but only some of %s have it", s.Side, c, name, strings.Join(svs, " / "))
			}
		}
	}
}

// compareDocsFrames: the docs describe every server frame with every
// top-level field (in the Events table, the Commands table's ack column
// or a JSON example), and no field or frame the server does not send.
func compareDocsFrames(d *diffs, server, docs *spec) {
	isCommand := func(typ string) (fields, bool) {
		union, ok := fields{}, false
		for _, r := range roles {
			if f, in := server.Commands[r][typ]; in {
				ok = true
				maps.Copy(union, f)
			}
		}
		return union, ok
	}
	documented := map[string]fields{}
	for typ, f := range docs.Frames {
		documented[typ] = maps.Clone(f)
	}
	for _, typ := range sortedKeys(docs.Examples) {
		ex := docs.Examples[typ]
		frame, isFrame := server.Frames[typ]
		cmd, isCmd := isCommand(typ)
		if !isFrame && !isCmd {
			d.add("%s: a JSON example has type %q, which is no frame or command", docs.Side, typ)
			continue
		}
		for _, name := range sortedKeys(ex) {
			_, inFrame := frame[name]
			_, inCmd := cmd[name]
			if !inFrame && !inCmd && name != "type" && name != "id" {
				d.add("%s: the JSON example of %q has field %q, which the server's %q does not have", docs.Side, typ, name, typ)
			}
		}
		if isFrame {
			if documented[typ] == nil {
				documented[typ] = fields{}
			}
			maps.Copy(documented[typ], ex)
		}
	}
	for _, typ := range sortedKeys(server.Frames) {
		got, ok := documented[typ]
		if !ok {
			d.add("%s: the server frame %q is not documented", docs.Side, typ)
			continue
		}
		for _, name := range sortedKeys(server.Frames[typ]) {
			if _, ok := got[name]; !ok && name != "type" {
				d.add("%s: frame %q: field %q is not documented", docs.Side, typ, name)
			}
		}
	}
	for _, typ := range sortedKeys(docs.Frames) {
		want, ok := server.Frames[typ]
		if !ok {
			d.add("%s: documents frame %q, which the server never sends", docs.Side, typ)
			continue
		}
		// A table cell may name the fields of the objects a frame holds.
		nested := fields{}
		for _, f := range want {
			maps.Copy(nested, server.Types[f.Ref])
		}
		for _, name := range sortedKeys(docs.Frames[typ]) {
			_, top := want[name]
			_, in := nested[name]
			if !top && !in {
				d.add("%s: frame %q: documents field %q, which the server does not send", docs.Side, typ, name)
			}
		}
	}
}

func compareCloseCodes(d *diffs, server, ui, docs *spec) {
	for _, code := range sortedKeys(server.CloseCodes) {
		want := server.CloseCodes[code]
		verb := map[bool]string{true: "terminal (do not reconnect)", false: "reconnect"}
		got, ok := docs.CloseCodes[code]
		switch {
		case !ok:
			d.add("%s: close code %d (%s) is not in the Close codes table", docs.Side, code, want.Name)
		case strings.TrimSpace(got.Name) == "":
			d.add("%s: close code %d has no meaning", docs.Side, code)
		case want.Terminal == strings.Contains(strings.ToLower(got.Advice), "reconnect"):
			d.add("%s: close code %d is %s, but the table says %q", docs.Side, code, verb[want.Terminal], got.Advice)
		}
		if ui.Terminal != nil && ui.Terminal(code) != want.Terminal {
			d.add("%s: treats close code %d (%s) as %s; the server means %s", ui.Side, code, want.Name, verb[!want.Terminal], verb[want.Terminal])
		}
	}
	for _, code := range sortedKeys(docs.CloseCodes) {
		if _, ok := server.CloseCodes[code]; !ok {
			d.add("%s: lists close code %d, which the server never sends", docs.Side, code)
		}
	}
}

func compareErrorCodes(d *diffs, server, ui, docs *spec) {
	for _, code := range sortedKeys(server.ErrorCodes) {
		if _, ok := docs.ErrorCodes[code]; !ok {
			d.add("%s: error code %q (sent at %s) is not in the Errors table", docs.Side, code, server.ErrorCodes[code])
		}
	}
	for _, code := range sortedKeys(docs.ErrorCodes) {
		if _, ok := server.ErrorCodes[code]; !ok {
			d.add("%s: lists error code %q, which the server never sends", docs.Side, code)
		}
	}
	for _, code := range sortedKeys(ui.ErrorCodes) {
		if _, ok := server.ErrorCodes[code]; !ok && !ui.ClientCodes[code] {
			d.add("%s: handles error code %q (%s), which the server never sends", ui.Side, code, ui.ErrorCodes[code])
		}
	}
}

func compareLimits(d *diffs, server, ui, docs *spec) {
	for _, name := range sortedKeys(server.Limits) {
		got, ok := docs.Limits[name]
		switch {
		case !ok:
			d.add("%s: does not state the limit %s (%d)", docs.Side, name, server.Limits[name])
		case got != server.Limits[name]:
			d.add("%s: states the limit %s as %d (%s); the server's is %d", docs.Side, name, got, docs.LimitWhere[name], server.Limits[name])
		}
	}
	for _, s := range []*spec{ui, docs} {
		for _, name := range sortedKeys(s.Limits) {
			want, ok := server.Limits[name]
			switch {
			case !ok:
				d.add("%s: limit %s = %d (%s) has no server limit", s.Side, name, s.Limits[name], s.LimitWhere[name])
			case s == ui && s.Limits[name] != want:
				d.add("%s: %s enforces %d; the server's %s is %d", s.Side, s.LimitWhere[name], s.Limits[name], name, want)
			}
		}
	}
}

// contractRoot is the repository's root, seen from this package.
const contractRoot = "../.."

// readSources reads the files below root/dir whose names end in one of
// exts, except tests, keyed by their path from root.
func readSources(t *testing.T, root string, exts []string, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, e os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := e.Name()
			if e.IsDir() || strings.Contains(name, ".test.") || strings.HasSuffix(name, "_test.go") ||
				!slices.ContainsFunc(exts, func(x string) bool { return strings.HasSuffix(name, x) }) {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			out[filepath.ToSlash(rel)] = string(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// contractInputs reads the four sides from the committed files.
func contractInputs(t *testing.T) (server, client *spec, uiFiles map[string]string, docs string) {
	t.Helper()
	var err error
	if server, err = serverSpec(contractRoot); err != nil {
		t.Fatal(err)
	}
	if client, err = clientSpec(contractRoot); err != nil {
		t.Fatal(err)
	}
	uiFiles = readSources(t, contractRoot, []string{".ts", ".tsx"}, "web/shared", "web/desk", "web/widget")
	b, err := os.ReadFile(filepath.Join(contractRoot, "docs/protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	return server, client, uiFiles, string(b)
}

func TestProtocolContract(t *testing.T) {
	t.Parallel()
	server, client, uiFiles, docs := contractInputs(t)
	// The check must see something on every side, or it proves nothing.
	if len(server.Commands[roleWidget]) < 5 || len(server.Commands[roleDesk]) < 5 || len(server.Frames) < 8 ||
		len(server.ErrorCodes) < 20 || len(server.CloseCodes) < 8 || len(server.Limits) < 10 {
		t.Fatalf("the server spec looks empty: %d widget and %d desk commands, %d frames, %d error codes, %d close codes, %d limits",
			len(server.Commands[roleWidget]), len(server.Commands[roleDesk]), len(server.Frames), len(server.ErrorCodes), len(server.CloseCodes), len(server.Limits))
	}
	if got := compareProtocol(server, client, uiSpec(uiFiles), docsSpec(docs)); len(got) > 0 {
		t.Errorf("the protocol's sides drifted apart (%d differences; the Go server is the source of truth):\n%s",
			len(got), strings.Join(got, "\n"))
	}
}

// TestProtocolContractReportsDrift breaks each side on purpose and checks
// that the check names every break.
func TestProtocolContractReportsDrift(t *testing.T) {
	t.Parallel()
	server, client, uiFiles, docs := contractInputs(t)
	if base := compareProtocol(server, client, uiSpec(uiFiles), docsSpec(docs)); len(base) > 0 {
		t.Fatalf("the committed files must agree before drift can be shown:\n%s", strings.Join(base, "\n"))
	}
	edit := func(text, old, new string) string {
		t.Helper()
		if strings.Count(text, old) != 1 {
			t.Fatalf("the edit's anchor %q occurs %d times", old, strings.Count(text, old))
		}
		return strings.Replace(text, old, new, 1)
	}
	ui := maps.Clone(uiFiles)
	// A renamed field in a TypeScript frame type and in a command the
	// widget sends; a close code the UI would retry; a wrong UI limit.
	ui["web/shared/protocol.ts"] = edit(ui["web/shared/protocol.ts"], "visitor_id: string }", "visitorId: string }")
	ui["web/widget/store.ts"] = edit(ui["web/widget/store.ts"], "request('conversation.close', { conversation_id: id })", "request('conversation.close', { conversationId: id })")
	ui["web/shared/connection.ts"] = edit(ui["web/shared/connection.ts"], "code >= 4400", "code >= 4401")
	ui["web/desk/lifecycle.ts"] = edit(ui["web/desk/lifecycle.ts"], "MAX_NOTE = 1000", "MAX_NOTE = 999")
	// A close code missing from the docs, a wrong limit, an error code
	// the server never sends, a command field renamed.
	md := docs
	md = edit(md, "| 4404 | no site has this widget key (rotated or deleted) | stop; update the snippet |\n", "")
	md = edit(md, "`text` is 1–4000", "`text` is 1–5000")
	md = edit(md, "| `identity_rejected` |", "| `identity_rejected`, `identity_expired` |")
	md = edit(md, "| `visitor.get` | desk | `visitor_id` |", "| `visitor.get` | desk | `id` |")
	// An error code the server sends that the docs do not list.
	srv := *server
	srv.ErrorCodes = maps.Clone(server.ErrorCodes)
	srv.ErrorCodes["brand_new_code"] = "internal/chat/new.go:1"
	// A Go client frame field the server never sends.
	cl := *client
	cl.Frames = map[string]fields{"*": maps.Clone(client.Frames["*"])}
	cl.Frames["*"]["conversationID"] = field{}

	got := compareProtocol(&srv, &cl, uiSpec(ui), docsSpec(md))
	t.Logf("what the check prints for the deliberate mismatches:\n%s", strings.Join(got, "\n"))
	for _, want := range []string{
		`web/: frame "visitor.left": field "visitorId" is not in the server's frame`,
		`web/: sends command "conversation.close" with field "conversationId"`,
		`web/: treats close code 4400 (CloseBadFrames) as reconnect`,
		`web/: web/desk/lifecycle.ts MAX_NOTE enforces 999; the server's note is 1000`,
		`docs/protocol.md: close code 4404 (CloseUnknownKey) is not in the Close codes table`,
		`docs/protocol.md: states the limit text as 5000`,
		`docs/protocol.md: lists error code "identity_expired", which the server never sends`,
		`docs/protocol.md: command "visitor.get" (desk): field "visitor_id" is not documented`,
		`docs/protocol.md: command "visitor.get" (desk): documents field "id"`,
		`docs/protocol.md: error code "brand_new_code" (sent at internal/chat/new.go:1) is not in the Errors table`,
		`client/: frame field "conversationID" is in no server frame`,
	} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("the check did not report: %s", want)
		}
	}
}
