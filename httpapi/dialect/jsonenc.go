package dialect

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Appending JSON without reflection. A dialect's hot answers (one object
// by ID) were a fifth of their CPU in encoding/json's map encoding: the
// reflection, and the sorting of the keys at every call. These append the
// same bytes encoding/json writes; a caller writes an object's members in
// the order encoding/json would (a map's keys sorted, a struct's fields as
// declared).

// AppendString appends the concatenation of parts as one JSON string,
// byte for byte as encoding/json writes it (HTML characters, U+2028 and
// U+2029 escaped, invalid UTF-8 replaced). Plain ASCII, the usual case, is
// copied; anything else is escaped as a whole.
func AppendString(b []byte, parts ...string) []byte {
	for _, s := range parts {
		if !plain(s) {
			// Escaped as a whole: a character may be split between parts.
			return appendQuoted(b, strings.Join(parts, ""))
		}
	}
	b = append(b, '"')
	for _, s := range parts {
		b = append(b, s...)
	}
	return append(b, '"')
}

// plain reports whether encoding/json writes s as it is, in quotes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// AppendJSON appends v as json.Marshal writes it; a value json.Marshal
// refuses (none a surface renders) becomes null.
func AppendJSON(b []byte, v any) []byte {
	m, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, m...)
}

// AppendKey appends an object member's name and colon, after a comma
// unless it is the object's first (b ends with '{').
func AppendKey(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = AppendString(b, name)
	return append(b, ':')
}

// AppendNullable appends s as a string, or null when set is false.
func AppendNullable(b []byte, s string, set bool) []byte {
	if !set {
		return append(b, "null"...)
	}
	return AppendString(b, s)
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// WriteJSONBytes answers status with body, a JSON value appended with the
// functions above: the same answer as WriteJSON of the value it stands
// for (encoding/json's Encoder ends it with a newline).
func WriteJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n')) // a failed write means the client left
}

// appendQuoted appends s as a JSON string exactly as encoding/json writes
// it (FuzzAppendString): HTML-sensitive characters, U+2028 and U+2029
// escaped, invalid UTF-8 replaced by U+FFFD.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
