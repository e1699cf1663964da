package resource

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// Encoding statuses without reflection. Every status write encodes one,
// and a global resource's carries the state of each of its locations:
// encoding/json's reflection over the generic output map, and its sorting
// of the keys, were most of the cost. appendStatus writes the same bytes
// json.Marshal does for the values a status holds in practice (those
// jsonValue copies), and declines anything else.

// appendStatus appends st as json.Marshal writes it, or reports false when
// st holds an output value it does not write itself (b is then to be
// discarded).
func appendStatus(b []byte, st *Status) ([]byte, bool) {
	b = append(b, '{')
	member := func(name string) {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	for _, f := range []struct{ name, v string }{
		{"phase", string(st.Phase)}, {"external_id", st.ExternalID}, {"message", st.Message}, {"task_status", st.TaskStatus},
	} {
		if f.v != "" {
			member(f.name)
			b = appendJSONString(b, f.v)
		}
	}
	if len(st.Output) > 0 {
		member("output")
		var ok bool
		if b, ok = appendJSONValue(b, st.Output); !ok {
			return b, false
		}
	}
	if st.ObservedGeneration != 0 {
		member("observed_generation")
		b = strconv.AppendInt(b, st.ObservedGeneration, 10)
	}
	if !st.CreatePendingSince.IsZero() {
		member("create_pending_since")
		t, err := st.CreatePendingSince.MarshalJSON()
		if err != nil {
			return b, false // json.Marshal reports it
		}
		b = append(b, t...)
	}
	return append(b, '}'), true
}

// statusSize is about the length of st's JSON, a little over for plain
// text: one allocation where growing a buffer to a global resource's
// status (its every location's state) took several.
func statusSize(st *Status) int {
	n := 128 + len(st.ExternalID) + len(st.Message) + len(st.TaskStatus)
	if len(st.Output) > 0 {
		n += jsonSize(st.Output)
	}
	return n
}

func jsonSize(v any) int {
	switch v := v.(type) {
	case string:
		return len(v) + 2
	case map[string]any:
		n := 2
		for k, e := range v {
			n += len(k) + 4 + jsonSize(e)
		}
		return n
	case []any:
		n := 2
		for _, e := range v {
			n += 1 + jsonSize(e)
		}
		return n
	}
	return 24 // a number, a literal, or what json.Marshal writes instead
}

// appendJSONValue appends v as json.Marshal writes it, for the types
// jsonValue accepts (finite floats; ints written as integers); false for
// any other.
func appendJSONValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, v), true
	case string:
		return appendJSONString(b, v), true
	case float64:
		return appendJSONFloat(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case []any:
		return appendArray(b, v, appendJSONValue)
	case []string:
		return appendArray(b, v, appendStringValue)
	case map[string]any:
		return appendObject(b, v, appendJSONValue)
	case map[string]string:
		return appendObject(b, v, appendStringValue)
	}
	return b, false
}

func appendStringValue(b []byte, s string) ([]byte, bool) { return appendJSONString(b, s), true }

// appendArray appends v's elements with elem, null for nil.
func appendArray[E any](b []byte, v []E, elem func([]byte, E) ([]byte, bool)) ([]byte, bool) {
	if v == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, e := range v {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = elem(b, e); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendObject appends m's members, keys sorted, values with elem, null
// for nil.
func appendObject[V any](b []byte, m map[string]V, elem func([]byte, V) ([]byte, bool)) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = elem(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// sortedKeys returns m's keys in the order encoding/json writes them.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendJSONString appends s quoted as encoding/json writes it: plain
// ASCII as it is, anything else by encoding/json itself (escaping HTML
// characters, U+2028 and U+2029, and replacing invalid UTF-8).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest form, in exponent notation below 1e-6 and from 1e21, with a
// one-digit negative exponent unpadded. Infinities and NaN: false.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
