package dialect

import (
	"encoding/json"
	"net/http"
	"strings"
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
// copied; anything else goes through encoding/json itself.
func AppendString(b []byte, parts ...string) []byte {
	for _, s := range parts {
		if !plain(s) {
			m, _ := json.Marshal(strings.Join(parts, "")) // a string always marshals
			return append(b, m...)
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
