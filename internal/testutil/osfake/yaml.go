package osfake

import (
	"fmt"
	"strconv"
	"strings"
)

// A small reader for the YAML Heat templates are written in, as no YAML
// library may be used. It reads block mappings and sequences, flow
// mappings and sequences (so JSON too), plain and quoted scalars, literal
// (|) and folded (>) block scalars and comments. It refuses anchors,
// aliases, tags, multi-document streams and plain scalars continued over
// several lines, saying so. Plain scalars become nil, bools (YAML 1.1
// spellings, as PyYAML reads them), int64, float64 or strings; dates stay
// strings.

type yline struct {
	no     int // 1-based, for errors
	indent int
	text   string // without indentation and comments
}

type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func yerr(line int, format string, args ...any) error {
	return &yamlError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseYAML reads a document.
func parseYAML(src string) (any, error) {
	var lines []yline
	raw := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i, l := range raw {
		trimmed := strings.TrimLeft(l, " ")
		if strings.HasPrefix(trimmed, "\t") {
			return nil, yerr(i+1, "found a tab character where an indentation space is expected")
		}
		lines = append(lines, yline{no: i + 1, indent: len(l) - len(trimmed), text: strings.TrimRight(trimmed, " \t")})
	}
	p := &yparser{lines: lines}
	p.skipBlank()
	if p.i < len(p.lines) && p.lines[p.i].text == "---" {
		p.i++
		p.skipBlank()
	}
	if p.i >= len(p.lines) {
		return nil, nil
	}
	v, err := p.block(p.lines[p.i].indent)
	if err != nil {
		return nil, err
	}
	p.skipBlank()
	if p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text == "---" || l.text == "..." {
			return nil, yerr(l.no, "osfake reads one YAML document only")
		}
		return nil, yerr(l.no, "expected <document end>, but found unexpected content")
	}
	return v, nil
}

type yparser struct {
	lines []yline
	i     int
}

// content strips a comment from a line's text.
func content(s string) string {
	inS, inD := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS:
			if !(inD && i > 0 && s[i-1] == '\\') {
				inD = !inD
			}
		case c == '#' && !inS && !inD && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return s
}

func (p *yparser) skipBlank() {
	for p.i < len(p.lines) && content(p.lines[p.i].text) == "" {
		p.i++
	}
}

// docMarker tells a document start or end marker.
func docMarker(l yline) bool { return l.indent == 0 && (l.text == "---" || l.text == "...") }

// block reads the block node starting at the current line, at indent.
func (p *yparser) block(indent int) (any, error) {
	p.skipBlank()
	l := p.lines[p.i]
	text := content(l.text)
	if text == "-" || strings.HasPrefix(text, "- ") {
		return p.sequence(indent)
	}
	if _, _, ok := splitKey(text); ok {
		return p.mapping(indent)
	}
	// A lone scalar or flow node.
	v, err := p.inlineValue(text, l)
	if err != nil {
		return nil, err
	}
	p.i++
	return v, nil
}

func (p *yparser) sequence(indent int) (any, error) {
	out := []any{}
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return out, nil
		}
		l := p.lines[p.i]
		text := content(l.text)
		if l.indent < indent {
			return out, nil
		}
		if l.indent > indent {
			return nil, yerr(l.no, "bad indentation of a sequence entry")
		}
		if text != "-" && !strings.HasPrefix(text, "- ") || docMarker(l) {
			return out, nil
		}
		rest := strings.TrimLeft(strings.TrimPrefix(text, "-"), " ")
		if rest == "" {
			p.i++
			v, err := p.child(indent, true)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		// "- key: value" or "- - x": the entry is a node indented past
		// the dash; reread the line as that node.
		off := len(text) - len(rest)
		p.lines[p.i] = yline{no: l.no, indent: l.indent + off, text: l.text[off:]}
		v, err := p.block(l.indent + off)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

func (p *yparser) mapping(indent int) (any, error) {
	out := map[string]any{}
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return out, nil
		}
		l := p.lines[p.i]
		if l.indent < indent {
			return out, nil
		}
		if l.indent > indent {
			return nil, yerr(l.no, "mapping values are not allowed here")
		}
		text := content(l.text)
		if text == "-" || strings.HasPrefix(text, "- ") || docMarker(l) {
			return out, nil
		}
		key, rest, ok := splitKey(text)
		if !ok {
			return nil, yerr(l.no, "could not find expected ':'")
		}
		k, err := scalarKey(key, l)
		if err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			return nil, yerr(l.no, "duplicate key %q", k)
		}
		var v any
		switch {
		case rest == "":
			p.i++
			v, err = p.child(indent, false)
		case rest == "|" || rest == ">" || strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, ">"):
			p.i++
			v, err = p.blockScalar(indent, rest, l)
		default:
			v, err = p.inlineValue(rest, l)
			p.i++
		}
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
}

// child reads the node under a key or dash: an indented block, a sequence
// at the key's own indentation, or nothing (null).
func (p *yparser) child(indent int, inSeq bool) (any, error) {
	p.skipBlank()
	if p.i >= len(p.lines) {
		return nil, nil
	}
	l := p.lines[p.i]
	text := content(l.text)
	if l.indent > indent {
		return p.block(l.indent)
	}
	if !inSeq && l.indent == indent && (text == "-" || strings.HasPrefix(text, "- ")) {
		return p.sequence(indent)
	}
	return nil, nil
}

// blockScalar reads a literal (|) or folded (>) scalar.
func (p *yparser) blockScalar(indent int, header string, at yline) (any, error) {
	style, chomp := header[0], byte(0)
	for _, c := range header[1:] {
		switch {
		case c == '-' || c == '+':
			chomp = byte(c)
		case c >= '1' && c <= '9':
			return nil, yerr(at.no, "osfake does not read explicit indentation indicators")
		default:
			return nil, yerr(at.no, "expected chomping or indentation indicators, but found %q", c)
		}
	}
	var body []string
	blockIndent := -1
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text == "" {
			body = append(body, "")
			p.i++
			continue
		}
		if l.indent <= indent {
			break
		}
		if blockIndent < 0 {
			blockIndent = l.indent
		}
		if l.indent < blockIndent {
			break
		}
		body = append(body, strings.Repeat(" ", l.indent-blockIndent)+l.text)
		p.i++
	}
	trailing := 0
	for len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
		trailing++
	}
	var s string
	if style == '|' {
		s = strings.Join(body, "\n")
	} else {
		var b strings.Builder
		for i, line := range body {
			switch {
			case i == 0:
			case line == "":
				b.WriteString("\n") // a blank line is a line break
			case body[i-1] == "":
			case strings.HasPrefix(line, " ") || strings.HasPrefix(body[i-1], " "):
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
			b.WriteString(line)
		}
		s = b.String()
	}
	switch chomp {
	case '-':
	case '+':
		s += "\n" + strings.Repeat("\n", trailing)
	default:
		if len(body) > 0 {
			s += "\n"
		}
	}
	return s, nil
}

// inlineValue reads what follows "key: " or "- " on one line, or a flow
// node spanning lines.
func (p *yparser) inlineValue(text string, at yline) (any, error) {
	switch text[0] {
	case '&', '*', '!':
		return nil, yerr(at.no, "osfake does not read YAML anchors, aliases or tags")
	case '[', '{':
		// Gather lines until the brackets balance.
		src := text
		for !balanced(src) {
			if p.i+1 >= len(p.lines) {
				return nil, yerr(at.no, "while parsing a flow node: expected ',' or '%c', but got <stream end>", closer(text[0]))
			}
			p.i++
			src += " " + content(p.lines[p.i].text)
		}
		f := &flow{s: src, line: at.no}
		v, err := f.value()
		if err != nil {
			return nil, err
		}
		f.space()
		if f.pos < len(f.s) {
			return nil, yerr(at.no, "expected <block end>, but found %q", f.s[f.pos:])
		}
		return v, nil
	case '"', '\'':
		f := &flow{s: text, line: at.no}
		v, err := f.quoted()
		if err != nil {
			return nil, err
		}
		if rest := strings.TrimSpace(f.s[f.pos:]); rest != "" {
			return nil, yerr(at.no, "expected <block end>, but found %q", rest)
		}
		return v, nil
	}
	if p.i+1 < len(p.lines) {
		next := p.lines[p.i+1]
		if c := content(next.text); c != "" && next.indent > at.indent && !strings.HasPrefix(c, "- ") {
			if _, _, isKey := splitKey(c); !isKey {
				return nil, yerr(next.no, "osfake does not read plain scalars continued over several lines")
			}
			return nil, yerr(next.no, "mapping values are not allowed here")
		}
	}
	return plain(text), nil
}

func closer(open byte) byte {
	if open == '[' {
		return ']'
	}
	return '}'
}

// balanced tells whether a flow node's brackets close, outside quotes.
func balanced(s string) bool {
	depth, inS, inD := 0, false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS && (i == 0 || s[i-1] != '\\'):
			inD = !inD
		case inS || inD:
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		}
	}
	return depth <= 0
}

// splitKey splits "key: rest" (or "key:"), outside quotes and brackets.
func splitKey(s string) (key, rest string, ok bool) {
	inS, inD, depth := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS && (i == 0 || s[i-1] != '\\'):
			inD = !inD
		case inS || inD:
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ':' && depth == 0 && (i+1 == len(s) || s[i+1] == ' '):
			if i == 0 {
				return "", "", false
			}
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", "", false
}

func scalarKey(key string, at yline) (string, error) {
	if key[0] == '"' || key[0] == '\'' {
		f := &flow{s: key, line: at.no}
		v, err := f.quoted()
		if err != nil {
			return "", err
		}
		return v.(string), nil
	}
	if strings.ContainsAny(key[:1], "[{&*!?") {
		return "", yerr(at.no, "osfake reads only scalar mapping keys")
	}
	return key, nil
}

// plain resolves a plain scalar as YAML 1.1 (PyYAML) does, except dates
// and times, which stay strings.
func plain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y":
		if s == "y" || s == "Y" {
			return s // PyYAML's resolver does not take y/n
		}
		return true
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
		return false
	}
	clean := strings.ReplaceAll(s, "_", "")
	if n, err := strconv.ParseInt(clean, 0, 64); err == nil && (clean[0] != '0' || len(clean) == 1 || strings.HasPrefix(clean, "0x") || strings.HasPrefix(clean, "0o")) {
		return n
	}
	// PyYAML's floats need a dot: 1.5, -2.0e+3, .5
	if strings.Contains(s, ".") && strings.ContainsAny(s, "0123456789") && strings.Trim(clean, "0123456789.eE+-") == "" {
		if f, err := strconv.ParseFloat(clean, 64); err == nil {
			return f
		}
	}
	return s // .inf and .nan too: JSON cannot carry them
}

// flow reads flow nodes: [a, b], {k: v}, quoted and plain scalars.
type flow struct {
	s    string
	pos  int
	line int
}

func (f *flow) space() {
	for f.pos < len(f.s) && (f.s[f.pos] == ' ' || f.s[f.pos] == '\t') {
		f.pos++
	}
}

func (f *flow) value() (any, error) {
	f.space()
	if f.pos >= len(f.s) {
		return nil, yerr(f.line, "unexpected end of flow node")
	}
	switch f.s[f.pos] {
	case '[':
		f.pos++
		out := []any{}
		for {
			f.space()
			if f.pos < len(f.s) && f.s[f.pos] == ']' {
				f.pos++
				return out, nil
			}
			v, err := f.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			f.space()
			if f.pos < len(f.s) && f.s[f.pos] == ',' {
				f.pos++
				continue
			}
			if f.pos < len(f.s) && f.s[f.pos] == ']' {
				f.pos++
				return out, nil
			}
			return nil, yerr(f.line, "while parsing a flow sequence: expected ',' or ']'")
		}
	case '{':
		f.pos++
		out := map[string]any{}
		for {
			f.space()
			if f.pos < len(f.s) && f.s[f.pos] == '}' {
				f.pos++
				return out, nil
			}
			kv, err := f.scalar(true)
			if err != nil {
				return nil, err
			}
			k, ok := kv.(string)
			if !ok {
				k = fmt.Sprint(kv)
			}
			f.space()
			var v any
			if f.pos < len(f.s) && f.s[f.pos] == ':' {
				f.pos++
				f.space()
				if f.pos < len(f.s) && (f.s[f.pos] == ',' || f.s[f.pos] == '}') {
					v = nil
				} else if v, err = f.value(); err != nil {
					return nil, err
				}
			}
			if _, dup := out[k]; dup {
				return nil, yerr(f.line, "duplicate key %q", k)
			}
			out[k] = v
			f.space()
			if f.pos < len(f.s) && f.s[f.pos] == ',' {
				f.pos++
				continue
			}
			if f.pos < len(f.s) && f.s[f.pos] == '}' {
				f.pos++
				return out, nil
			}
			return nil, yerr(f.line, "while parsing a flow mapping: expected ',' or '}'")
		}
	case '&', '*', '!':
		return nil, yerr(f.line, "osfake does not read YAML anchors, aliases or tags")
	}
	return f.scalar(false)
}

// scalar reads a quoted or plain scalar; a key stops at ": ".
func (f *flow) scalar(key bool) (any, error) {
	if f.pos < len(f.s) && (f.s[f.pos] == '"' || f.s[f.pos] == '\'') {
		return f.quoted()
	}
	start := f.pos
	for f.pos < len(f.s) {
		c := f.s[f.pos]
		if c == ',' || c == ']' || c == '}' || c == '[' || c == '{' {
			break
		}
		if c == ':' && (f.pos+1 == len(f.s) || strings.ContainsRune(" ,]}", rune(f.s[f.pos+1]))) {
			break
		}
		if c == '#' && f.pos > start && f.s[f.pos-1] == ' ' {
			break
		}
		f.pos++
	}
	text := strings.TrimSpace(f.s[start:f.pos])
	if key {
		return text, nil
	}
	return plain(text), nil
}

func (f *flow) quoted() (any, error) {
	q := f.s[f.pos]
	f.pos++
	var b strings.Builder
	for f.pos < len(f.s) {
		c := f.s[f.pos]
		switch {
		case q == '\'' && c == '\'':
			if f.pos+1 < len(f.s) && f.s[f.pos+1] == '\'' {
				b.WriteByte('\'')
				f.pos += 2
				continue
			}
			f.pos++
			return b.String(), nil
		case q == '"' && c == '"':
			f.pos++
			return b.String(), nil
		case q == '"' && c == '\\' && f.pos+1 < len(f.s):
			f.pos++
			switch e := f.s[f.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'u':
				if f.pos+4 < len(f.s) {
					if n, err := strconv.ParseUint(f.s[f.pos+1:f.pos+5], 16, 32); err == nil {
						b.WriteRune(rune(n))
						f.pos += 4
						break
					}
				}
				return nil, yerr(f.line, "found unknown escape character 'u'")
			default:
				return nil, yerr(f.line, "found unknown escape character %q", e)
			}
			f.pos++
		default:
			b.WriteByte(c)
			f.pos++
		}
	}
	return nil, yerr(f.line, "found unexpected end of stream while scanning a quoted scalar")
}
