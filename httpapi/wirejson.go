package httpapi

import (
	"strconv"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
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
	b = dialect.AppendString(b, string(r.Status.Phase))
	if r.Status.Message != "" {
		b = append(b, `,"message":`...)
		b = dialect.AppendString(b, r.Status.Message)
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
