package resource

import (
	"math"
	"unicode/utf8"
)

// decodedStatus returns what json.Unmarshal makes of json.Marshal(st),
// built by copying, and false when a copy would not be exactly that: a
// string that is not UTF-8 (Marshal replaces its bytes), or an output value
// whose JSON decodes to another Go type than its own (see jsonValue). It
// saves the store a decode after every status write.
func decodedStatus(st Status) (Status, bool) {
	for _, s := range []string{string(st.Phase), st.ExternalID, st.Message, st.TaskStatus} {
		if !utf8.ValidString(s) {
			return Status{}, false
		}
	}
	if len(st.Output) == 0 {
		st.Output = nil // omitempty: an empty map decodes as none
		return st, true
	}
	out, ok := jsonObject(st.Output)
	if !ok {
		return Status{}, false
	}
	st.Output = out
	return st, true
}

// jsonValue returns a fresh copy of v as json.Unmarshal into an any would
// produce it from json.Marshal(v): nil, bool, float64, string, []any,
// map[string]any; integers become float64 when they convert exactly,
// []string and map[string]string their generic forms. Any other type, a
// non-finite float or a string that is not UTF-8 reports false.
func jsonValue(v any) (any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case bool:
		return v, true
	case string:
		return v, utf8.ValidString(v)
	case float64:
		return v, !math.IsInf(v, 0) && !math.IsNaN(v)
	case int:
		return exactFloat(int64(v))
	case int64:
		return exactFloat(v)
	case int32:
		return float64(v), true
	case []any:
		if v == nil {
			return nil, true // null
		}
		out := make([]any, len(v))
		for i, e := range v {
			var ok bool
			if out[i], ok = jsonValue(e); !ok {
				return nil, false
			}
		}
		return out, true
	case []string:
		if v == nil {
			return nil, true
		}
		out := make([]any, len(v))
		for i, e := range v {
			if !utf8.ValidString(e) {
				return nil, false
			}
			out[i] = e
		}
		return out, true
	case map[string]any:
		if v == nil {
			return nil, true
		}
		return jsonObject(v)
	case map[string]string:
		if v == nil {
			return nil, true
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if !utf8.ValidString(k) || !utf8.ValidString(e) {
				return nil, false
			}
			out[k] = e
		}
		return out, true
	}
	return nil, false
}

func jsonObject(m map[string]any) (map[string]any, bool) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		if !utf8.ValidString(k) {
			return nil, false
		}
		c, ok := jsonValue(e)
		if !ok {
			return nil, false
		}
		out[k] = c
	}
	return out, true
}

// exactFloat converts n when float64 holds it exactly, as decoding its
// JSON digits does.
func exactFloat(n int64) (any, bool) {
	const limit = 1 << 53
	return float64(n), n >= -limit && n <= limit
}
