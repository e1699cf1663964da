// Package jsontop splits a JSON object into its members without decoding
// them. store/memstore indexes a row's fields with it while holding its
// lock, where decoding the spec into a map was a quarter of a create's
// cost; the fake VIM keeps what it was asked to make with it. Its answers
// are json.Unmarshal's into a map[string]json.RawMessage, or none.
package jsontop

import "unicode/utf8"

// Members calls fn with the name and raw value of each member of the JSON
// object spec, in order. spec must be valid JSON (the caller checks, or
// made it with json.Marshal). It reports false, having called fn for some
// members perhaps, when spec is not an object, or when a name holds an
// escape, is not UTF-8 or repeats: the caller then decodes it with
// encoding/json.
func Members(spec []byte, fn func(name string, raw []byte)) bool {
	i := skipSpace(spec, 0)
	if i >= len(spec) || spec[i] != '{' {
		return false
	}
	i = skipSpace(spec, i+1)
	if i < len(spec) && spec[i] == '}' {
		return true
	}
	var seen []string // specs have a few members: a slice beats a map
	for i < len(spec) {
		if spec[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(spec) && spec[end] != '"' {
			if spec[end] == '\\' {
				return false // an escaped name: let encoding/json unescape it
			}
			end++
		}
		if end >= len(spec) {
			return false
		}
		name := string(spec[i+1 : end])
		if !utf8.ValidString(name) {
			return false // encoding/json replaces the bytes
		}
		for _, s := range seen {
			if s == name {
				return false // encoding/json keeps the last; so does the fallback
			}
		}
		seen = append(seen, name)
		i = skipSpace(spec, end+1)
		if i >= len(spec) || spec[i] != ':' {
			return false
		}
		i = skipSpace(spec, i+1)
		vEnd, ok := valueEnd(spec, i)
		if !ok {
			return false
		}
		fn(name, spec[i:vEnd])
		i = skipSpace(spec, vEnd)
		if i >= len(spec) {
			return false
		}
		switch spec[i] {
		case ',':
			i = skipSpace(spec, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

// valueEnd returns where the valid JSON value starting at i ends.
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := stringEnd(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default: // a number, true, false or null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
			j++
		}
		return j, j > i
	}
}

// stringEnd returns the index after the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // the escaped character cannot end the string
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
