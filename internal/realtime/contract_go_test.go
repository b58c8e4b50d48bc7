package realtime

// The Go sides of the protocol contract: the server, from its real command
// tables, frame types and constants, and from its source for what reflection
// cannot see (close code constants, the error codes it can send); the Go
// client, from its types and from the commands its source sends.

import (
	"fmt"
	"github.com/querytel/livedesk/internal/broadcast"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/block"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/visitor"
	"github.com/querytel/livedesk/internal/whatsapp"
)

// serverFrames are the frames the server sends, by type. serverSpec fails
// when a Type constant or a *Frame struct of package realtime or event is
// missing here, so a new frame cannot skip the contract.
var serverFrames = map[string]reflect.Type{
	TypeWelcome:             reflect.TypeFor[WelcomeFrame](),
	TypeAck:                 reflect.TypeFor[AckFrame](),
	TypeError:               reflect.TypeFor[ErrorFrame](),
	TypePong:                reflect.TypeFor[PongFrame](),
	TypeSnap:                reflect.TypeFor[SnapshotFrame](),
	event.TypeMessage:       reflect.TypeFor[event.MessageFrame](),
	event.TypeConversation:  reflect.TypeFor[event.ConversationFrame](),
	event.TypeTyping:        reflect.TypeFor[event.TypingFrame](),
	event.TypeViewing:       reflect.TypeFor[event.ViewingFrame](),
	event.TypeSeen:          reflect.TypeFor[event.SeenFrame](),
	event.TypeReceipts:      reflect.TypeFor[event.ReceiptsFrame](),
	event.TypeVisitor:       reflect.TypeFor[event.VisitorFrame](),
	event.TypeVisitorLeft:   reflect.TypeFor[event.VisitorLeftFrame](),
	event.TypeAgent:         reflect.TypeFor[event.AgentFrame](),
	event.TypeAgentRemoved:  reflect.TypeFor[event.AgentRemovedFrame](),
	event.TypeBlocked:       reflect.TypeFor[event.BlockFrame](),
	event.TypeTicket:        reflect.TypeFor[event.TicketFrame](),
	event.TypeInbox:         reflect.TypeFor[event.InboxFrame](),
	event.TypeContact:       reflect.TypeFor[event.ContactFrame](),
	event.TypeBoard:         reflect.TypeFor[event.BoardFrame](),
	event.TypePublicTicket:  reflect.TypeFor[event.PublicTicketFrame](),
	broadcast.TypeBroadcast: reflect.TypeFor[broadcast.Frame](),
	broadcast.TypeRemoved:   reflect.TypeFor[broadcast.RemovedFrame](),
	broadcast.TypeChanged:   reflect.TypeFor[broadcast.ChangedFrame](),
	whatsapp.TypeWhatsApp:   reflect.TypeFor[whatsapp.Frame](),
}

// serverSpec reads the server's side of the protocol.
func serverSpec(root string) (*spec, error) {
	s := newSpec("server")
	s.Subprotocol = Subprotocol
	for role, table := range map[string]commandTable{roleWidget: widgetCommands, roleDesk: deskCommands} {
		for name, cmd := range table {
			s.command(role, name, goFields(cmd.request, s.Types))
		}
		// hello and ping are answered before the tables are consulted.
		s.command(role, TypeHello, goFields(reflect.TypeFor[HelloRequest](), s.Types))
		s.command(role, TypePing, fields{})
	}
	for typ, rt := range serverFrames {
		s.Frames[typ] = goFields(rt, s.Types)
	}
	module, err := goModule(root)
	if err != nil {
		return nil, err
	}
	if err := checkFrameRegistry(s, root); err != nil {
		return nil, err
	}
	if err := readCloseCodes(s, root); err != nil {
		return nil, err
	}
	scan := &codeScan{root: root, module: module, fset: token.NewFileSet(), pkgs: map[string]*astPkg{}, seen: map[ast.Node]bool{}, codes: map[string][]string{}}
	if err := scan.run(module + "/internal/realtime"); err != nil {
		return nil, err
	}
	for code, at := range scan.codes {
		slices.Sort(at)
		s.ErrorCodes[code] = at[0]
	}
	if err := readLimits(s, root); err != nil {
		return nil, err
	}
	for _, p := range auth.Permissions {
		s.Permissions = append(s.Permissions, string(p))
	}
	return s, nil
}

// goFields lists a Go type's JSON fields as encoding/json writes them,
// adding the object types they hold to types.
func goFields(t reflect.Type, types map[string]fields) fields {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out, promoted := fields{}, fields{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			maps.Copy(promoted, goFields(sf.Type, types)) // the outer struct's own fields win
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		o := "," + opts + ","
		out[name] = field{Optional: strings.Contains(o, ",omitempty,") || strings.Contains(o, ",omitzero,"), Ref: goRef(sf.Type, types)}
	}
	for name, f := range promoted {
		if _, ok := out[name]; !ok {
			out[name] = f
		}
	}
	return out
}

// goRef names the struct a field's value holds (through pointers and
// slices), adding its fields to types; "" for anything else.
func goRef(t reflect.Type, types map[string]fields) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.Name() == "" || t == reflect.TypeFor[time.Time]() {
		return ""
	}
	name := t.String()
	if _, ok := types[name]; !ok {
		types[name] = fields{} // before the recursion: a type may hold itself
		maps.Copy(types[name], goFields(t, types))
	}
	return name
}

func goModule(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(m), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", filepath.Join(root, "go.mod"))
}

// parseGoDir parses the non-test Go files of root/dir.
func parseGoDir(fset *token.FileSet, root, dir string) ([]*ast.File, error) {
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// eachConst calls fn with every constant of the files that has a literal
// value.
func eachConst(files []*ast.File, fn func(name string, lit *ast.BasicLit)) {
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
							fn(n.Name, lit)
						}
					}
				}
			}
		}
	}
}

// checkFrameRegistry compares serverFrames with the source: every Type
// constant of packages realtime and event is a command or a registered
// frame, and every *Frame struct is registered.
func checkFrameRegistry(s *spec, root string) error {
	registered := map[string]bool{}
	for _, rt := range serverFrames {
		registered[rt.Name()] = true
	}
	fset := token.NewFileSet()
	for _, dir := range []string{"internal/realtime", "internal/event"} {
		files, err := parseGoDir(fset, root, dir)
		if err != nil {
			return err
		}
		eachConst(files, func(name string, lit *ast.BasicLit) {
			if !strings.HasPrefix(name, "Type") || lit.Kind != token.STRING {
				return
			}
			v, _ := strconv.Unquote(lit.Value)
			_, frame := serverFrames[v]
			_, widget := s.Commands[roleWidget][v]
			_, desk := s.Commands[roleDesk][v]
			if !frame && !widget && !desk {
				s.problem("%s.%s = %q is neither a command of a table nor a frame in serverFrames (contract_go_test.go)", filepath.Base(dir), name, v)
			}
		})
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				if ts, ok := n.(*ast.TypeSpec); ok && strings.HasSuffix(ts.Name.Name, "Frame") && !registered[ts.Name.Name] {
					if _, isStruct := ts.Type.(*ast.StructType); isStruct {
						s.problem("%s.%s is not in serverFrames (contract_go_test.go)", filepath.Base(dir), ts.Name.Name)
					}
				}
				return true
			})
		}
	}
	return nil
}

// readCloseCodes reads the Close* constants of package realtime, with
// the WebSocket codes the library sends for it, and classifies each by
// the ranges frame.go documents.
func readCloseCodes(s *spec, root string) error {
	files, err := parseGoDir(token.NewFileSet(), root, "internal/realtime")
	if err != nil {
		return err
	}
	eachConst(files, func(name string, lit *ast.BasicLit) {
		if !strings.HasPrefix(name, "Close") || lit.Kind != token.INT {
			return
		}
		code, _ := strconv.Atoi(lit.Value)
		switch {
		case code >= 4000 && code <= 4099:
			s.CloseCodes[code] = closeCode{Name: name}
		case code >= 4400 && code <= 4499:
			s.CloseCodes[code] = closeCode{Name: name, Terminal: true}
		default:
			s.problem("%s = %d is in neither close code range (4000–4099 reconnect, 4400–4499 terminal)", name, code)
		}
	})
	// coder/websocket closes with these by itself: a normal close, and
	// a client frame over Options.ReadLimit (sending it again fails again).
	s.CloseCodes[int(websocket.StatusNormalClosure)] = closeCode{Name: "websocket.StatusNormalClosure"}
	s.CloseCodes[int(websocket.StatusMessageTooBig)] = closeCode{Name: "websocket.StatusMessageTooBig", Terminal: true}
	return nil
}

// readLimits collects the limits the docs state and the UIs enforce, from
// the constants the server applies. Names are the contract's own; the
// docs' and the UIs' parsers map their text to them.
func readLimits(s *spec, root string) error {
	var o Options
	o.defaults()
	page, err := intConsts(root, "internal/visitor", "maxURL", "maxTitle")
	if err != nil {
		return err
	}
	maps.Copy(s.Limits, map[string]int{
		"command_id":      MaxIDLen,
		"text":            chat.MaxTextRunes,
		"client_msg_id":   chat.MaxClientMsgID,
		"note":            chat.MaxNote,
		"block_reason":    block.MaxReason,
		"name":            printable.MaxName,
		"greeting":        site.MaxGreeting,
		"team_name":       site.MaxTeamName,
		"widget_text":     site.MaxWidgetText,
		"notes":           chat.MaxWrapupNotes,
		"tags":            chat.MaxWrapupTags,
		"tag_bytes":       chat.MaxTagLen,
		"rating_comment":  chat.MaxRatingComment,
		"sync_default":    chat.DefaultHistoryPage,
		"sync_max":        chat.MaxHistoryPage,
		"welcome_widget":  chat.VisitorWelcomeList,
		"welcome_live":    chat.DeskLiveList,
		"welcome_closed":  chat.DeskClosedList,
		"page_url":        page["maxURL"],
		"page_title":      page["maxTitle"],
		"context_keys":    visitor.MaxContextKeys,
		"context_key":     visitor.MaxContextKey,
		"context_string":  visitor.MaxContextString,
		"context_bytes":   visitor.MaxContextBytes,
		"frame_bytes":     int(o.ReadLimit),
		"frame_rate":      int(o.FrameRate),
		"frame_burst":     o.FrameBurst,
		"hello_timeout_s": int(o.HelloTimeout / time.Second),
		"ping_interval_s": int(o.PingInterval / time.Second),
		"pong_timeout_s":  int(o.PongTimeout / time.Second),
		"queue_frames":    o.QueueFrames,
		"queue_bytes":     o.QueueBytes,
		"broadcast_text":  broadcast.MaxText,
		"button_label":    broadcast.MaxLabel,
	})
	return nil
}

// intConsts reads unexported integer constants of a package.
func intConsts(root, dir string, names ...string) (map[string]int, error) {
	files, err := parseGoDir(token.NewFileSet(), root, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	eachConst(files, func(name string, lit *ast.BasicLit) {
		if slices.Contains(names, name) && lit.Kind == token.INT {
			out[name], _ = strconv.Atoi(lit.Value)
		}
	})
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%s: no integer constant %s", dir, n)
		}
	}
	return out, nil
}

// codeScan finds the error codes the socket can send: the string literals
// given as the code of apperr.New, apperr.Invalidf, an apperr.Error, an
// ErrorFrame or a frameError, in every function and package variable the
// socket code can reach. Reach is followed by name, without type checking
// (stdlib go/types would need every dependency's source): calls and
// references to functions and variables of the same package or of an
// imported package of this module, methods by name within a package, and
// methods of the package that a struct field's type comes from
// (s.chat.Send reaches chat's Send). It may over-reach by a same-named
// method; it does not miss a call.
type codeScan struct {
	root, module string
	fset         *token.FileSet
	pkgs         map[string]*astPkg
	seen         map[ast.Node]bool
	codes        map[string][]string // code → where it is written
}

type astDecl struct {
	node    ast.Node          // a function, or a package variable's value
	imports map[string]string // the file's imports: name → path
}

type astPkg struct {
	path      string
	funcs     map[string][]astDecl
	methods   map[string][]astDecl // by name, whatever the receiver
	vars      map[string][]astDecl
	fieldPkgs map[string][]string // struct field name → packages its type is from
}

const apperrPkg = "/internal/apperr"

func (c *codeScan) run(entry string) error {
	p, err := c.load(entry)
	if err != nil {
		return err
	}
	// Everything in package realtime is socket code.
	for _, m := range []map[string][]astDecl{p.funcs, p.methods, p.vars} {
		for _, name := range sortedKeys(m) {
			if err := c.reach(p, m[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// load parses a package of this module once; nil for other modules.
func (c *codeScan) load(path string) (*astPkg, error) {
	if p, ok := c.pkgs[path]; ok {
		return p, nil
	}
	rel, ok := strings.CutPrefix(path, c.module+"/")
	if !ok {
		c.pkgs[path] = nil
		return nil, nil
	}
	files, err := parseGoDir(c.fset, c.root, rel)
	if err != nil {
		return nil, err
	}
	p := &astPkg{path: path, funcs: map[string][]astDecl{}, methods: map[string][]astDecl{}, vars: map[string][]astDecl{}, fieldPkgs: map[string][]string{}}
	for _, f := range files {
		imports := map[string]string{}
		for _, is := range f.Imports {
			ip, _ := strconv.Unquote(is.Path.Value)
			name := ip[strings.LastIndex(ip, "/")+1:]
			if is.Name != nil {
				name = is.Name.Name
			}
			imports[name] = ip
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.funcs[d.Name.Name] = append(p.funcs[d.Name.Name], astDecl{d, imports})
				} else {
					p.methods[d.Name.Name] = append(p.methods[d.Name.Name], astDecl{d, imports})
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ValueSpec:
						for i, n := range sp.Names {
							if i < len(sp.Values) {
								p.vars[n.Name] = append(p.vars[n.Name], astDecl{sp.Values[i], imports})
							}
						}
					case *ast.TypeSpec:
						st, ok := sp.Type.(*ast.StructType)
						if !ok {
							continue
						}
						for _, fl := range st.Fields.List {
							typ := fl.Type
							if star, ok := typ.(*ast.StarExpr); ok {
								typ = star.X
							}
							sel, ok := typ.(*ast.SelectorExpr)
							if !ok {
								continue
							}
							if id, ok := sel.X.(*ast.Ident); ok && strings.HasPrefix(imports[id.Name], c.module+"/") {
								for _, n := range fl.Names {
									p.fieldPkgs[n.Name] = append(p.fieldPkgs[n.Name], imports[id.Name])
								}
							}
						}
					}
				}
			}
		}
	}
	c.pkgs[path] = p
	return p, nil
}

func (c *codeScan) reach(p *astPkg, decls []astDecl) error {
	for _, d := range decls {
		if c.seen[d.node] {
			continue
		}
		c.seen[d.node] = true
		if err := c.visit(p, d); err != nil {
			return err
		}
	}
	return nil
}

func (c *codeScan) visit(p *astPkg, d astDecl) (err error) {
	isApperr := func(x ast.Expr, names ...string) bool {
		switch x := x.(type) {
		case *ast.Ident:
			return p.path == c.module+apperrPkg && slices.Contains(names, x.Name)
		case *ast.SelectorExpr:
			id, ok := x.X.(*ast.Ident)
			return ok && d.imports[id.Name] == c.module+apperrPkg && slices.Contains(names, x.Sel.Name)
		}
		return false
	}
	code := func(x ast.Expr) {
		if lit, ok := x.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, _ := strconv.Unquote(lit.Value)
			pos := c.fset.Position(lit.Pos())
			rel, _ := filepath.Rel(c.root, pos.Filename)
			c.codes[v] = append(c.codes[v], fmt.Sprintf("%s:%d", filepath.ToSlash(rel), pos.Line))
		}
	}
	sels := map[*ast.Ident]bool{} // a selector's name is not a package-level name
	follow := func(q *astPkg, m map[string][]astDecl, name string) {
		if err == nil {
			err = c.reach(q, m[name])
		}
	}
	ast.Inspect(d.node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if isApperr(n.Fun, "New", "Invalidf") && len(n.Args) > 1 {
				code(n.Args[1])
			}
		case *ast.CompositeLit:
			id, local := n.Type.(*ast.Ident)
			if isApperr(n.Type, "Error") || (local && p.path == c.module+"/internal/realtime" && (id.Name == "ErrorFrame" || id.Name == "frameError")) {
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Code" || k.Name == "code") {
							code(kv.Value)
						}
					}
				}
			}
		case *ast.SelectorExpr:
			sels[n.Sel] = true
			if id, ok := n.X.(*ast.Ident); ok {
				if path, imported := d.imports[id.Name]; imported {
					q, lerr := c.load(path)
					if lerr != nil {
						err = lerr
						return false
					}
					if q != nil {
						follow(q, q.funcs, n.Sel.Name)
						follow(q, q.vars, n.Sel.Name)
					}
					return true
				}
			}
			follow(p, p.methods, n.Sel.Name)
			if inner, ok := n.X.(*ast.SelectorExpr); ok {
				for _, path := range p.fieldPkgs[inner.Sel.Name] {
					q, lerr := c.load(path)
					if lerr != nil {
						err = lerr
						return false
					}
					follow(q, q.methods, n.Sel.Name)
				}
			}
		case *ast.Ident:
			if !sels[n] {
				follow(p, p.funcs, n.Name)
				follow(p, p.vars, n.Name)
			}
		}
		return err == nil
	})
	return err
}

// clientSpec reads the Go client's side: its frame struct, and the
// commands that client/ and bench/ send.
func clientSpec(root string) (*spec, error) {
	s := newSpec("client/")
	s.Subprotocol = client.Subprotocol
	s.Frames["*"] = goFields(reflect.TypeFor[client.Frame](), s.Types)
	// Frame.Message is raw (an error's text, or a message that Msg
	// decodes into a Message).
	s.Frames["*"]["message"] = field{Optional: true, Ref: goRef(reflect.TypeFor[client.Message](), s.Types)}
	fset := token.NewFileSet()
	for _, dir := range []string{"client", "bench/load", "bench/cmd"} {
		if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
			continue
		}
		files, err := parseGoDir(fset, root, dir)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			sentCommands(s, f)
		}
	}
	if len(s.Commands[anyRole]) == 0 {
		s.problem("found no command the Go client sends (Conn.Do calls, the hello map)")
	}
	// A Go client decodes a missing field as its zero value: nothing it
	// declares is required.
	for _, fs := range append([]fields{s.Frames["*"]}, slices.Collect(maps.Values(s.Types))...) {
		for name, f := range fs {
			f.Optional = true
			fs[name] = f
		}
	}
	return s, nil
}

// sentCommands records the commands a Go file sends: x.Do(ctx, "type",
// map[string]any{…}) calls, and map literals with a literal "type" (with
// the keys the same function then sets on that map).
func sentCommands(s *spec, f *ast.File) {
	str := func(x ast.Expr) (string, bool) {
		lit, ok := x.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(lit.Value)
		return v, err == nil
	}
	mapKeys := func(x ast.Expr) (fields, string, bool) {
		cl, ok := x.(*ast.CompositeLit)
		if !ok {
			return nil, "", false
		}
		if _, isMap := cl.Type.(*ast.MapType); !isMap {
			return nil, "", false
		}
		out, typ := fields{}, ""
		for _, e := range cl.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			k, ok := str(kv.Key)
			if !ok {
				return nil, "", false
			}
			switch k {
			case "type":
				typ, _ = str(kv.Value)
			case "id":
			default:
				out[k] = field{}
			}
		}
		return out, typ, true
	}
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		typed := map[string]string{} // variable → the command its map literal is
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Do" || len(n.Args) != 3 {
					return true
				}
				name, ok := str(n.Args[1])
				if !ok {
					return true
				}
				if id, ok := n.Args[2].(*ast.Ident); ok && id.Name == "nil" {
					s.command(anyRole, name, fields{})
				} else if keys, _, ok := mapKeys(n.Args[2]); ok {
					s.command(anyRole, name, keys)
				} else {
					s.command(anyRole, name, nil)
				}
			case *ast.AssignStmt:
				for i, rhs := range n.Rhs {
					if keys, typ, ok := mapKeys(rhs); ok && typ != "" {
						s.command(anyRole, typ, keys)
						if id, ok := n.Lhs[i].(*ast.Ident); ok {
							typed[id.Name] = typ
						}
					}
				}
				for _, lhs := range n.Lhs {
					ix, ok := lhs.(*ast.IndexExpr)
					if !ok {
						continue
					}
					id, ok := ix.X.(*ast.Ident)
					if k, isStr := str(ix.Index); ok && isStr && typed[id.Name] != "" && k != "type" && k != "id" {
						s.command(anyRole, typed[id.Name], fields{k: {}})
					}
				}
			}
			return true
		})
	}
}
