package httpapi

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/orca-nfv/orca/resource"
)

// appendMeta appends the "orca" object, byte for byte what json.Marshal
// makes of h.meta(r, info) (TestAppendMetaIsMarshal), without reflection:
// in a list of a hundred, marshalling it was most of rendering.
func appendMeta(b []byte, r *resource.Resource, info *resource.KindInfo) []byte {
	b = append(b, '{')
	if r.Revision != 0 {
		b = append(b, `"revision":`...)
		b = strconv.AppendInt(b, r.Revision, 10)
		b = append(b, ',')
	}
	if r.Generation != 0 {
		b = append(b, `"generation":`...)
		b = strconv.AppendInt(b, r.Generation, 10)
		b = append(b, ',')
	}
	if r.Deleting {
		b = append(b, `"deleting":true,`...)
	}
	if len(r.Labels) > 0 {
		b = append(b, `"labels":`...)
		b = appendJSON(b, r.Labels)
		b = append(b, ',')
	}
	if r.Placement != nil {
		b = append(b, `"placement":`...)
		b = appendJSON(b, r.Placement)
		b = append(b, ',')
	}
	b = append(b, `"status":{"phase":`...)
	b = appendString(b, string(r.Status.Phase))
	if r.Status.Message != "" {
		b = append(b, `,"message":`...)
		b = appendString(b, r.Status.Message)
	}
	if r.Status.ObservedGeneration != 0 {
		b = append(b, `,"observed_generation":`...)
		b = strconv.AppendInt(b, r.Status.ObservedGeneration, 10)
	}
	if !info.Located && len(r.Status.Output) > 0 {
		b = append(b, `,"output":`...)
		b = appendJSON(b, r.Status.Output)
	}
	b = append(b, `},"created_at":`...)
	b = appendTime(b, r.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

// appendTime appends t as time.Time's MarshalJSON does.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		return appendJSON(b, t) // out of RFC 3339's range: as Marshal has it
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString appends s as a JSON string exactly as encoding/json writes
// it (FuzzAppendString): HTML-sensitive characters, U+2028 and U+2029
// escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
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
