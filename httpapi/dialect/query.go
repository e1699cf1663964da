package dialect

import (
	"net/url"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// Query parameter helpers. Every surface refuses what it cannot read with
// Invalid naming the parameter, rather than guessing.

// Single returns the one value of a query parameter, "" when absent;
// giving it twice is Invalid.
func Single(q url.Values, name string) (string, error) {
	vs := q[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", resource.InvalidField(name, "give the parameter once")
}

// Bool parses an optional boolean query parameter the way OpenStack's
// services do (true/false, 1/0, yes/no, on/off, t/f, y/n; any case).
func Bool(q url.Values, name string) (bool, error) {
	v, err := Single(q, name)
	if err != nil || v == "" {
		return false, err
	}
	switch strings.ToLower(v) {
	case "1", "t", "true", "on", "y", "yes":
		return true, nil
	case "0", "f", "false", "off", "n", "no":
		return false, nil
	}
	return false, resource.InvalidField(name, "%q is not a boolean (true or false)", v)
}

// Fields reads a field selection: the values of a repeated parameter,
// each of which may also be a comma-separated list. Names are trimmed and
// deduplicated, in the order given; nil when the parameter is absent.
// Names not among known are Invalid, listed in the error.
func Fields(q url.Values, name string, known []string) ([]string, error) {
	var out, unknown []string
	for _, v := range q[name] {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			switch {
			case f == "" || slices.Contains(out, f):
			case !slices.Contains(known, f):
				unknown = append(unknown, f)
			default:
				out = append(out, f)
			}
		}
	}
	if len(unknown) > 0 {
		return nil, resource.InvalidField(name, "unknown field(s) %s; known: %s",
			strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

// Paginate returns the window [offset, offset+limit) of n items, clamped
// to [0, n].
func Paginate(n, offset, limit int) (from, to int) {
	from = min(max(offset, 0), n)
	to = n
	if limit > 0 && from+limit < n {
		to = from + limit
	}
	return from, to
}
