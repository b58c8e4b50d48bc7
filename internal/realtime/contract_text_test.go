package realtime

// The text sides of the protocol contract: the TypeScript UIs (web/) and
// docs/protocol.md, read by small parsers that know the shapes these files
// use and report, as Problems, anything they expected and did not find.

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// uiLimits maps the UIs' MAX_* constants to the contract's limit names.
// A MAX_* constant missing here is reported: name its server limit.
var uiLimits = map[string]string{
	"MAX_TEXT":           "text",
	"MAX_NOTE":           "note",
	"MAX_NOTES":          "notes",
	"MAX_TAGS":           "tags",
	"MAX_TAG_BYTES":      "tag_bytes",
	"MAX_PAGE_TITLE":     "page_title",
	"MAX_PAGE_URL":       "page_url",
	"MAX_REASON":         "block_reason",
	"MAX_NAME":           "name",
	"MAX_GREETING":       "greeting",
	"MAX_TEAM_NAME":      "team_name",
	"MAX_WIDGET_TEXT":    "widget_text",
	"MAX_RATING_COMMENT": "rating_comment",
	"MAX_LABEL":          "button_label",
	"MAX_BROADCAST_TEXT": "broadcast_text",
	"MAX_BUTTON_LABEL":   "button_label",
	"MAX_KEY_NAME":       "name",
}

const (
	uiProtocolFile   = "web/shared/protocol.ts"
	uiConnectionFile = "web/shared/connection.ts"
)

var (
	tsInterface   = regexp.MustCompile(`(?:export\s+)?interface\s+(\w+)\s*\{`)
	tsMember      = regexp.MustCompile(`^(?:readonly\s+)?(\w+|'[^']+')(\?)?\s*:\s*([\s\S]+)$`)
	tsSendCall    = regexp.MustCompile(`\b(?:request|notify|lifecycle)\(\s*'([^']+)'\s*(,\s*)?`)
	tsLimit       = regexp.MustCompile(`export\s+const\s+(MAX_[A-Z0-9_]+)\s*=\s*(\d+)\s*;`)
	tsLiteralMax  = regexp.MustCompile(`maxLength=\{?\s*['"]?(\d+)`)
	tsCodeSwitch  = regexp.MustCompile(`switch\s*\(\s*(?:\w+\.)?code\s*\)\s*\{`)
	tsCase        = regexp.MustCompile(`case\s+'([^']+)'\s*:`)
	tsStringConst = regexp.MustCompile(`export\s+const\s+(\w+)\s*=\s*'([^']*)'`)
	tsTerminalFn  = regexp.MustCompile(`function\s+isTerminal\s*\(\s*code\s*:\s*number\s*\)\s*:\s*boolean\s*\{`)
	tsCodeEquals  = regexp.MustCompile(`code\s*===\s*(\d+)`)
	tsCodeRange   = regexp.MustCompile(`code\s*>=\s*(\d+)\s*&&\s*code\s*<=\s*(\d+)`)
	backticked    = regexp.MustCompile("`([^`]+)`")
	identifier    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	jsonFrame     = regexp.MustCompile(`\{"type":"([a-z._]+)"`)
	jsonKey       = regexp.MustCompile(`^"(\w+)"\s*:`)
)

// stripComments blanks out // and /* */ comments outside string
// literals, keeping offsets and line breaks.
func stripComments(src string) string {
	b := []byte(src)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\'' || c == '"' || c == '`':
			for i++; i < len(b) && b[i] != c; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}

// matching returns the index of the bracket closing the one at open, or
// -1. Brackets inside quotes do not count.
func matching(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits s on any of seps outside brackets and quotes.
func splitTop(s, seps string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '"' || c == '`':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '{' || c == '(' || c == '[' || c == '<':
			depth++
		case c == '}' || c == ')' || c == ']' || (c == '>' && (i == 0 || s[i-1] != '=')):
			depth--
		case depth == 0 && strings.IndexByte(seps, c) >= 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// tsMembers reads the members of an object type's body: name → field,
// and each member's type text. Object types written inline are added to
// types as "<owner>.<member>".
func tsMembers(body, owner string, interfaces map[string]bool, types map[string]fields) (fields, map[string]string) {
	out, text := fields{}, map[string]string{}
	for _, part := range splitTop(body, ";\n,") {
		m := tsMember.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			continue
		}
		name, typ := strings.Trim(m[1], "'"), strings.TrimSpace(m[3])
		f := field{Optional: m[2] == "?"}
		bare := strings.TrimSuffix(typ, "[]")
		switch {
		case interfaces[bare]:
			f.Ref = bare
		case strings.HasPrefix(typ, "{") && matching(typ, 0) == len(typ)-1:
			f.Ref = owner + "." + name
			types[f.Ref], _ = tsMembers(typ[1:len(typ)-1], f.Ref, interfaces, types)
		}
		out[name], text[name] = f, typ
	}
	return out, text
}

// uiSpec reads the UIs' side from their sources (path from the repository
// root → text): the frame and object types of web/shared/protocol.ts, the
// commands sent, the close codes that stop reconnecting, the error codes
// handled and the limits enforced.
func uiSpec(files map[string]string) *spec {
	s := newSpec("web/")
	proto, ok := files[uiProtocolFile]
	if !ok {
		s.problem("%s is missing", uiProtocolFile)
		return s
	}
	proto = stripComments(proto)
	if m := regexp.MustCompile(`export\s+const\s+SUBPROTOCOL\s*=\s*'([^']+)'`).FindStringSubmatch(proto); m != nil {
		s.Subprotocol = m[1]
	} else {
		s.problem("%s: no SUBPROTOCOL constant", uiProtocolFile)
	}
	// Object types: named interfaces, and every object type whose type
	// member is a string literal is a frame.
	interfaces := map[string]bool{}
	for _, m := range tsInterface.FindAllStringSubmatch(proto, -1) {
		interfaces[m[1]] = true
	}
	for _, loc := range tsInterface.FindAllStringSubmatchIndex(proto, -1) {
		open := loc[1] - 1
		if end := matching(proto, open); end > 0 {
			name := proto[loc[2]:loc[3]]
			s.Types[name], _ = tsMembers(proto[open+1:end], name, interfaces, s.Types)
		}
	}
	for i := range len(proto) {
		if proto[i] != '{' {
			continue
		}
		end := matching(proto, i)
		if end < 0 {
			continue
		}
		_, text := tsMembers(proto[i+1:end], "", interfaces, map[string]fields{})
		lit := text["type"]
		if len(lit) < 3 || lit[0] != '\'' || strings.Count(lit, "'") != 2 || lit[len(lit)-1] != '\'' {
			continue
		}
		typ := strings.Trim(lit, "'")
		if _, dup := s.Frames[typ]; dup {
			s.problem("%s: frame %q is declared twice", uiProtocolFile, typ)
		}
		s.Frames[typ], _ = tsMembers(proto[i+1:end], typ, interfaces, s.Types)
	}
	if len(s.Frames) == 0 {
		s.problem("%s: found no frame types (object types with a literal type member)", uiProtocolFile)
	}
	for _, m := range tsStringConst.FindAllStringSubmatch(proto, -1) {
		if m[1] == "DISCONNECTED" {
			s.ClientCodes[m[2]] = true
		}
	}

	conn := stripComments(files[uiConnectionFile])
	if loc := tsTerminalFn.FindStringIndex(conn); loc == nil {
		s.problem("%s: no function isTerminal(code: number): boolean", uiConnectionFile)
	} else if end := matching(conn, loc[1]-1); end > 0 {
		body := conn[loc[1]:end]
		var ranges [][2]int
		for _, m := range tsCodeRange.FindAllStringSubmatch(body, -1) {
			lo, _ := strconv.Atoi(m[1])
			hi, _ := strconv.Atoi(m[2])
			ranges = append(ranges, [2]int{lo, hi})
		}
		for _, m := range tsCodeEquals.FindAllStringSubmatch(body, -1) {
			c, _ := strconv.Atoi(m[1])
			ranges = append(ranges, [2]int{c, c})
		}
		rest := tsCodeEquals.ReplaceAllString(tsCodeRange.ReplaceAllString(body, ""), "")
		if strings.Trim(strings.ReplaceAll(rest, "return", ""), " \t\n()|;") != "" || len(ranges) == 0 {
			s.problem("%s: isTerminal is not a plain list of `code === N` and `code >= A && code <= B`: %q", uiConnectionFile, strings.TrimSpace(body))
		}
		s.Terminal = func(code int) bool {
			return slices.ContainsFunc(ranges, func(r [2]int) bool { return code >= r[0] && code <= r[1] })
		}
	}

	for _, path := range sortedKeys(files) {
		src := stripComments(files[path])
		role := ""
		switch {
		case strings.HasPrefix(path, "web/desk/"):
			role = roleDesk
		case strings.HasPrefix(path, "web/widget/"):
			role = roleWidget
		}
		for _, m := range tsSendCall.FindAllStringSubmatchIndex(src, -1) {
			name := src[m[2]:m[3]]
			var f fields
			switch {
			case m[4] < 0 && strings.HasPrefix(src[m[1]:], ")"):
				f = fields{} // no fields
			case m[4] >= 0 && strings.HasPrefix(src[m[1]:], "{"):
				if end := matching(src, m[1]); end > 0 {
					f = tsObjectKeys(src[m[1]+1 : end])
				}
			}
			for _, r := range roles {
				if role == "" || role == r {
					s.command(r, name, f)
				}
			}
		}
		for _, m := range tsLimit.FindAllStringSubmatch(src, -1) {
			v, _ := strconv.Atoi(m[2])
			name, ok := uiLimits[m[1]]
			if !ok {
				s.problem("%s: %s = %d is a limit the contract does not know: map it to a server limit in uiLimits", path, m[1], v)
				continue
			}
			s.Limits[name], s.LimitWhere[name] = v, path+" "+m[1]
		}
		for _, m := range tsLiteralMax.FindAllStringSubmatch(src, -1) {
			s.problem("%s: maxLength %s is a hard-coded limit: use a MAX_* constant the contract checks", path, m[1])
		}
		for _, loc := range tsCodeSwitch.FindAllStringIndex(src, -1) {
			if end := matching(src, loc[1]-1); end > 0 {
				for _, c := range tsCase.FindAllStringSubmatch(src[loc[1]:end], -1) {
					s.ErrorCodes[c[1]] = path
				}
			}
		}
	}
	if len(s.Commands) == 0 {
		s.problem("found no command sent with request('…'), notify('…') or lifecycle('…')")
	}
	return s
}

// tsObjectKeys lists the keys of an object literal's body, including
// those of conditional spreads (...(c ? { k: v } : {})).
func tsObjectKeys(body string) fields {
	out := fields{}
	for _, part := range splitTop(body, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case strings.HasPrefix(part, "..."):
			for i := range len(part) {
				if part[i] == '{' {
					if end := matching(part, i); end > 0 {
						for k := range tsObjectKeys(part[i+1 : end]) {
							out[k] = field{}
						}
					}
					break
				}
			}
		default:
			key, _, _ := strings.Cut(part, ":")
			out[strings.Trim(strings.TrimSpace(key), `'"`)] = field{}
		}
	}
	return out
}

// docsLimits are the sentences of docs/protocol.md that state a limit
// (whitespace collapsed), each with one number; scale converts its unit.
// Every server limit needs one.
var docsLimits = []struct {
	name, re string
	scale    int
}{
	{"command_id", `a client-chosen string of 1 to (\d+) characters`, 1},
	{"frame_bytes", `Client frames are at most (\d+) KiB`, 1 << 10},
	{"frame_bytes", `\| 1009 \| a frame over (\d+) KiB`, 1 << 10},
	{"ping_interval_s", `The server pings every (\d+) s`, 1},
	{"pong_timeout_s", `does not answer within (\d+) s`, 1},
	{"pong_timeout_s", `no pong within (\d+) s`, 1},
	{"frame_rate", `Clients send at most (\d+) frames per second`, 1},
	{"frame_rate", `more than (\d+) frames/s`, 1},
	{"frame_burst", `\(bursts of (\d+)\)`, 1},
	{"hello_timeout_s", "must be `hello`, within (\\d+) s", 1},
	{"hello_timeout_s", "no `hello` within (\\d+) s", 1},
	{"queue_frames", `over (\d+) frames or`, 1},
	{"queue_bytes", `or (\d+) MiB unsent`, 1 << 20},
	{"welcome_widget", "`conversations` are the visitor's latest (\\d+) conversations", 1},
	{"welcome_live", `that is not closed \(up to (\d+)\)`, 1},
	{"welcome_closed", `plus the latest (\d+) closed ones`, 1},
	{"page_url", `URLs ≤ (\d+) bytes`, 1},
	{"page_title", `title ≤ (\d+) characters`, 1},
	{"sync_max", "`limit` \\(optional, ≤ (\\d+)\\)", 1},
	{"sync_default", "at most `limit` \\(default (\\d+),", 1},
	{"sync_max", "at most `limit` \\(default \\d+, maximum (\\d+)\\)", 1},
	{"greeting", "`greeting` \\(≤ (\\d+) characters\\)", 1},
	{"team_name", "`team_name` \\(≤ (\\d+) characters", 1},
	{"widget_text", "each text \\(≤ (\\d+) characters\\)", 1},
	{"note", "`note` \\(optional, ≤ (\\d+) characters\\)", 1},
	{"notes", "`notes` \\(≤ (\\d+) characters\\)", 1},
	{"tags", "`tags` \\(≤ (\\d+), each", 1},
	{"tag_bytes", `each ≤ (\d+) bytes of UTF-8`, 1},
	{"rating_comment", `\(optional, ≤ (\d+) characters\): the visitor rates its chat`, 1},
	{"client_msg_id", "`client_msg_id` is 1–(\\d+) characters", 1},
	{"text", "`text` is 1–(\\d+) characters", 1},
	{"text", `the text is empty, or over (\d+) characters`, 1},
	{"context_key", `Keys: 1–(\d+) of`, 1},
	{"context_keys", `at most (\d+) keys`, 1},
	{"context_string", `strings ≤ (\d+) characters`, 1},
	{"context_bytes", `(\d+) KiB in all`, 1 << 10},
	{"block_reason", "`reason` \\(≤ (\\d+) characters\\)", 1},
	{"broadcast_text", "a broadcast's `text` \\(≤ (\\d+) characters\\)", 1},
	{"button_label", "a button's `label` \\(≤ (\\d+) characters\\)", 1},
	{"name", "`name` ≤ (\\d+) bytes after trimming", 1},
}

// mdSection returns the text under the first heading whose title starts
// with title, up to the next heading of the same or a higher level.
func mdSection(doc, title string) (string, bool) {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		level := len(l) - len(strings.TrimLeft(l, "#"))
		if level == 0 || !strings.HasPrefix(strings.TrimSpace(l[level:]), title) {
			continue
		}
		var out []string
		for _, m := range lines[i+1:] {
			if n := len(m) - len(strings.TrimLeft(m, "#")); n > 0 && n <= level && strings.HasPrefix(m[n:], " ") {
				break
			}
			out = append(out, m)
		}
		return strings.Join(out, "\n"), true
	}
	return "", false
}

// mdRows returns a section's table rows, without the header and the
// separator, as trimmed cells.
func mdRows(section string) [][]string {
	var rows [][]string
	header := true
	for _, l := range strings.Split(section, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.HasPrefix(cells[0], "---") || strings.HasPrefix(cells[0], ":--") {
			header = false
			continue
		}
		if !header {
			rows = append(rows, cells)
		}
	}
	return rows
}

// withoutFences drops fenced code blocks, whose ``` would pair up with
// the backticks of inline code.
func withoutFences(doc string) string {
	var out []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if !in {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// withoutParens drops parenthesized text (nested too).
func withoutParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdFieldNames lists the field names a table cell names in backticks:
// identifiers, and the names inside a `{a, b, …}` token. Parenthesized
// remarks are skipped. With valuesFollow (the Commands table's fields), a
// backticked name followed by a colon ends the list: what follows are its
// values.
func mdFieldNames(cell string, valuesFollow bool) fields {
	cell = withoutParens(cell)
	if loc := regexp.MustCompile("`[^`]+`:").FindStringIndex(cell); loc != nil && valuesFollow {
		cell = cell[:loc[1]]
	}
	out := fields{}
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		tok := strings.TrimSpace(m[1])
		if strings.HasPrefix(tok, "{") {
			for _, n := range strings.Split(strings.Trim(tok, "{}"), ",") {
				if n = strings.TrimSpace(n); identifier.MatchString(n) {
					out[n] = field{}
				}
			}
			continue
		}
		if name, _, _ := strings.Cut(tok, ":"); identifier.MatchString(name) {
			out[name] = field{}
		}
	}
	return out
}

// docsSpec reads docs/protocol.md: the Commands table, the Events table,
// every JSON example of a frame, the Errors and Close codes tables, the
// limits stated in its prose, and the permissions it names.
func docsSpec(doc string) *spec {
	s := newSpec("docs/protocol.md")
	if m := regexp.MustCompile("subprotocol \\*\\*`([^`]+)`\\*\\*").FindStringSubmatch(doc); m != nil {
		s.Subprotocol = m[1]
	} else {
		s.problem("no \"subprotocol **`…`**\"")
	}
	// Every {"type":"…", …} in the text, top-level keys only.
	for _, loc := range jsonFrame.FindAllStringSubmatchIndex(doc, -1) {
		typ, end := doc[loc[2]:loc[3]], matching(doc, loc[0])
		if end < 0 {
			s.problem("the JSON example of %q does not close", typ)
			continue
		}
		if s.Examples[typ] == nil {
			s.Examples[typ] = fields{}
		}
		obj := doc[loc[0]+1 : end]
		for _, part := range splitTop(obj, ",") {
			if m := jsonKey.FindStringSubmatch(strings.TrimSpace(part)); m != nil {
				s.Examples[typ][m[1]] = field{}
			}
		}
	}
	// hello has its own section, with its example.
	for _, r := range roles {
		if ex, ok := s.Examples[TypeHello]; ok {
			f := fields{}
			for k := range ex {
				if k != "type" && k != "id" {
					f[k] = field{}
				}
			}
			s.command(r, TypeHello, f)
		}
	}

	if sec, ok := mdSection(doc, "Commands"); !ok {
		s.problem("no Commands section")
	} else {
		ack := fields{}
		for _, row := range mdRows(sec) {
			if len(row) < 4 {
				s.problem("Commands: a row with %d cells: %q", len(row), row)
				continue
			}
			typ := strings.Trim(row[0], "`")
			who := map[string][]string{"both": roles, "widget": {roleWidget}, "desk": {roleDesk}}[row[1]]
			if who == nil {
				s.problem("Commands: %q: who is %q, not both, widget or desk", typ, row[1])
			}
			perRole := map[string]fields{}
			for _, part := range strings.Split(withoutParens(row[2]), ";") {
				part = strings.TrimSpace(part)
				if r, rest, ok := strings.Cut(part, ":"); ok && (r == roleDesk || r == roleWidget) {
					perRole[r] = mdFieldNames(rest, true)
				} else if len(perRole) == 0 {
					for _, r := range who {
						perRole[r] = mdFieldNames(part, true)
					}
				}
			}
			for _, r := range who {
				f := perRole[r]
				if f == nil {
					f = fields{}
				}
				s.command(r, typ, f)
			}
			for k := range mdFieldNames(row[3], false) {
				ack[k] = field{}
			}
		}
		s.Frames[TypeAck] = ack
	}

	if sec, ok := mdSection(doc, "Events"); !ok {
		s.problem("no Events section")
	} else {
		for _, row := range mdRows(sec) {
			if len(row) < 3 {
				s.problem("Events: a row with %d cells: %q", len(row), row)
				continue
			}
			s.Frames[strings.Trim(row[0], "`")] = mdFieldNames(row[2], false)
		}
	}

	if sec, ok := mdSection(doc, "Errors"); !ok {
		s.problem("no Errors section")
	} else {
		for _, row := range mdRows(sec) {
			for _, m := range backticked.FindAllStringSubmatch(row[0], -1) {
				s.ErrorCodes[m[1]] = "Errors table"
			}
		}
	}

	if sec, ok := mdSection(doc, "Close codes"); !ok {
		s.problem("no Close codes section")
	} else {
		for _, row := range mdRows(sec) {
			code, err := strconv.Atoi(row[0])
			if err != nil || len(row) < 3 {
				s.problem("Close codes: cannot read the row %q", row)
				continue
			}
			s.CloseCodes[code] = closeCode{Name: row[1], Advice: row[2]}
		}
	}

	flat := strings.Join(strings.Fields(doc), " ")
	for _, l := range docsLimits {
		m := regexp.MustCompile(l.re).FindStringSubmatch(flat)
		if m == nil {
			s.problem("no longer states the limit %s in the words /%s/ (reword the pattern in docsLimits if the text moved)", l.name, l.re)
			continue
		}
		v, _ := strconv.Atoi(m[1])
		v *= l.scale
		if old, seen := s.Limits[l.name]; seen && old != v {
			s.problem("states the limit %s twice, as %d (%s) and %d (%q)", l.name, old, s.LimitWhere[l.name], v, m[0])
			continue
		}
		s.Limits[l.name], s.LimitWhere[l.name] = v, strconv.Quote(m[0])
	}

	for _, m := range backticked.FindAllStringSubmatch(withoutFences(doc), -1) {
		if regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`).MatchString(m[1]) {
			s.Permissions = append(s.Permissions, m[1])
		}
	}
	return s
}
