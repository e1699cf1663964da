package resource

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeStatus decodes a stored status, exactly as json.Unmarshal into a
// Status would. Stores decode one at every read, and encoding/json's
// reflection over the generic output map was the largest part of a read's
// CPU: statuses in the form EncodeStatus writes are parsed directly, and
// anything else (other spellings of the keys, duplicates, nulls, escapes
// it does not handle) goes to json.Unmarshal.
func DecodeStatus(raw []byte) (Status, error) {
	if st, ok := fastStatus(raw); ok {
		return st, nil
	}
	var st Status
	err := json.Unmarshal(raw, &st)
	return st, err
}

// statusScanner parses the subset of JSON EncodeStatus writes; any
// surprise makes it give up (ok false), never guess.
type statusScanner struct {
	b     []byte
	i     int
	ok    bool
	depth int
}

func fastStatus(raw []byte) (st Status, ok bool) {
	s := &statusScanner{b: raw, ok: true}
	if !s.consume('{') {
		return Status{}, false
	}
	var seen [7]bool
	first := true
	for s.ok {
		if s.consume('}') {
			break
		}
		if !first && !s.consume(',') {
			return Status{}, false
		}
		first = false
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return Status{}, false
		}
		var field int
		switch key {
		case "phase":
			v, _ := s.str()
			st.Phase, field = Phase(v), 0
		case "external_id":
			st.ExternalID, _ = s.str()
			field = 1
		case "message":
			st.Message, _ = s.str()
			field = 2
		case "task_status":
			st.TaskStatus, _ = s.str()
			field = 3
		case "output":
			if s.peek() != '{' {
				return Status{}, false // null leaves it as it was: let json decide
			}
			m, _ := s.value()
			st.Output, _ = m.(map[string]any) // nil when it gave up
			field = 4
		case "observed_generation":
			st.ObservedGeneration, field = s.integer(), 5
		case "create_pending_since":
			start := s.i
			if _, ok := s.str(); !ok {
				return Status{}, false
			}
			if err := st.CreatePendingSince.UnmarshalJSON(s.b[start:s.i]); err != nil {
				return Status{}, false
			}
			field = 6
		default:
			return Status{}, false // json matches keys without regard to case
		}
		if seen[field] {
			return Status{}, false // json merges a repeated output
		}
		seen[field] = true
	}
	s.space()
	if !s.ok || s.i != len(s.b) {
		return Status{}, false
	}
	return st, true
}

func (s *statusScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *statusScanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *statusScanner) consume(c byte) bool {
	if s.ok && s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *statusScanner) fail() { s.ok = false }

// str reads a string, unescaping the escapes JSON has; a lone surrogate,
// bytes that are not UTF-8 or a control character make it give up.
func (s *statusScanner) str() (string, bool) {
	if !s.consume('"') {
		s.fail()
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !utf8.Valid(v) {
				s.fail()
				return "", false
			}
			return string(v), true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			s.fail()
			return "", false
		}
		s.i++
	}
	s.fail()
	return "", false
}

// escaped finishes a string from start that has an escape at s.i.
func (s *statusScanner) escaped(start int) (string, bool) {
	out := append([]byte(nil), s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !utf8.Valid(out) {
				s.fail()
				return "", false
			}
			return string(out), true
		case c < 0x20:
			s.fail()
			return "", false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if s.i+4 > len(s.b) {
				s.fail()
				return "", false
			}
			r, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				s.fail() // pairs and lone halves: json's rules
				return "", false
			}
			s.i += 4
			out = utf8.AppendRune(out, rune(r))
		default:
			s.fail()
			return "", false
		}
	}
	s.fail()
	return "", false
}

// integer reads an int64 written as JSON writes one.
func (s *statusScanner) integer() int64 {
	s.space()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil || (s.i-start > 1 && s.b[start] == '0') || (s.i-start > 2 && s.b[start] == '-' && s.b[start+1] == '0') {
		s.fail()
		return 0
	}
	return n
}

// maxDepth bounds nesting in output; deeper values go to json.
const maxDepth = 64

// value reads any JSON value as json.Unmarshal into an any does.
func (s *statusScanner) value() (any, bool) {
	switch c := s.peek(); {
	case c == '{':
		s.i++
		if s.depth++; s.depth > maxDepth {
			s.fail()
			return nil, false
		}
		m := map[string]any{}
		for first := true; s.ok; first = false {
			if s.consume('}') {
				s.depth--
				return m, true
			}
			if !first && !s.consume(',') {
				break
			}
			k, ok := s.str()
			if !ok || !s.consume(':') {
				break
			}
			v, ok := s.value()
			if !ok {
				break
			}
			m[k] = v
		}
		s.fail()
		return nil, false
	case c == '[':
		s.i++
		if s.depth++; s.depth > maxDepth {
			s.fail()
			return nil, false
		}
		a := []any{}
		for first := true; s.ok; first = false {
			if s.consume(']') {
				s.depth--
				return a, true
			}
			if !first && !s.consume(',') {
				break
			}
			v, ok := s.value()
			if !ok {
				break
			}
			a = append(a, v)
		}
		s.fail()
		return nil, false
	case c == '"':
		return s.str()
	case c == 't' && bytes.HasPrefix(s.b[s.i:], []byte("true")):
		s.i += 4
		return true, true
	case c == 'f' && bytes.HasPrefix(s.b[s.i:], []byte("false")):
		s.i += 5
		return false, true
	case c == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")):
		s.i += 4
		return nil, true
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	s.fail()
	return nil, false
}

// number reads a JSON number as a float64, as json.Unmarshal into an any
// does; one out of float64's range makes it give up.
func (s *statusScanner) number() (any, bool) {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	intStart := s.i
	if n := digits(); n == 0 || (n > 1 && s.b[intStart] == '0') {
		s.fail()
		return nil, false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.fail()
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.fail()
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		s.fail()
		return nil, false
	}
	return f, true
}
