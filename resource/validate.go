package resource

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxDescriptionLen bounds free-text descriptions.
const MaxDescriptionLen = 4096

// text checks a free-text field: valid UTF-8, no control characters except
// tab and newline, at most max bytes.
func (p *problems) text(field, v string, max int) {
	if len(v) > max {
		p.add(field, "longer than %d bytes", max)
		return
	}
	if !utf8.ValidString(v) {
		p.add(field, "not valid UTF-8")
		return
	}
	for _, r := range v {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			p.add(field, "contains a control character")
			return
		}
	}
}

// ref checks a field that must hold the ID of another resource.
func (p *problems) ref(field, v string, required bool) {
	if v == "" {
		if required {
			p.add(field, "required")
		}
		return
	}
	if err := CheckID(v); err != nil {
		p.add(field, "%v", err)
	}
}

// endpoint checks an absolute URI such as a VIM endpoint. Any scheme is
// accepted (a driver factory decides which it serves, e.g. "fake://site-a"),
// but a host is required and user information is refused: credentials belong
// in the encrypted credential store, never in a URL that is stored and shown.
func (p *problems) endpoint(field, v string, required bool) {
	if v == "" {
		if required {
			p.add(field, "required")
		}
		return
	}
	if len(v) > 2048 {
		p.add(field, "longer than 2048 bytes")
		return
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		p.add(field, "not a valid URI")
	case u.Scheme == "" || u.Host == "":
		p.add(field, "%q is not an absolute URI with a scheme and a host", v)
	case u.User != nil:
		p.add(field, "must not contain user information; store credentials separately")
	}
}

// webURL checks an http or https URL with a host.
func (p *problems) webURL(field, v string, required bool) {
	if v == "" {
		if required {
			p.add(field, "required")
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(v) > 2048 {
		p.add(field, "%q is not an http or https URL with a host (and no user information)", v)
	}
}

// cidr checks a prefix in canonical form (no host bits set) and returns it.
func (p *problems) cidr(field, v string, required bool) (netip.Prefix, bool) {
	if v == "" {
		if required {
			p.add(field, "required")
		}
		return netip.Prefix{}, false
	}
	pfx, err := netip.ParsePrefix(v)
	if err != nil {
		p.add(field, "%q is not a valid CIDR", v)
		return netip.Prefix{}, false
	}
	if pfx.Addr().Zone() != "" {
		p.add(field, "%q must not carry a zone", v)
		return netip.Prefix{}, false
	}
	if m := pfx.Masked(); m != pfx {
		p.add(field, "%q has host bits set; did you mean %q?", v, m.String())
		return netip.Prefix{}, false
	}
	return pfx, true
}

// oneOf checks an enumerated string.
func (p *problems) oneOf(field, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		if v == "" {
			p.add(field, "required (one of %s)", strings.Join(allowed, ", "))
			return
		}
		p.add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// between checks lo <= v <= hi.
func (p *problems) between(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		p.add(field, "%d is out of range [%d, %d]", v, lo, hi)
	}
}
