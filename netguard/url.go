package netguard

import (
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// MaxURLLength bounds a URL CheckURL accepts, in bytes.
const MaxURLLength = 2048

// CheckURL validates a URL a user supplies, before it is stored: at most
// MaxURLLength bytes, absolute, its scheme among schemes (default http and
// https, compared without case), a host and a valid port if any, no user
// info (credentials in URLs end up in logs) and no IPv6 zone. An IP-literal
// host is checked against p at once; a name is checked when dialled. Errors
// are Invalid naming what is wrong, or Forbidden for a refused address; they
// never repeat the URL, which may hold secrets.
func (p *Policy) CheckURL(raw string, schemes ...string) (*url.URL, error) {
	if len(schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	switch {
	case raw == "":
		return nil, invalid("is empty")
	case len(raw) > MaxURLLength:
		return nil, invalid("is %d bytes long, more than %d", len(raw), MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// *url.Error quotes the whole URL, credentials included.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, invalid("cannot be parsed: %v", err)
	}
	if !u.IsAbs() {
		return nil, invalid("is not absolute (want scheme://host/...)")
	}
	if !slices.ContainsFunc(schemes, func(s string) bool { return strings.EqualFold(s, u.Scheme) }) {
		return nil, invalid("scheme %q is not allowed (want %s)", u.Scheme, strings.Join(schemes, " or "))
	}
	if u.User != nil {
		return nil, invalid("must not carry user info (credentials in URLs end up in logs)")
	}
	host := u.Hostname()
	if host == "" {
		return nil, invalid("has no host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, invalid("port %q is not in 1-65535", port)
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return nil, invalid("host %s must not carry an IPv6 zone", a.WithZone(""))
		}
		if err := p.Check(a); err != nil {
			return nil, resource.Errorf(resource.Forbidden, "url: %w", err)
		}
		return u, nil
	}
	if strings.HasPrefix(u.Host, "[") {
		return nil, invalid("host in brackets is not an IPv6 address")
	}
	if numeric(host) {
		// Resolvers read 127.1, 0x7f.1 or 2130706433 as IPv4 addresses
		// (inet_aton) while netip does not: refuse the ambiguity.
		return nil, invalid("host %q is neither a name nor a standard IP address", host)
	}
	return u, nil
}

func invalid(format string, args ...any) error {
	return resource.Errorf(resource.Invalid, "url "+format, args...)
}

// numeric reports whether host's last label is a number (decimal, or hex
// with 0x), which no DNS name has (WHATWG URL's "ends in a number").
func numeric(host string) bool {
	last := strings.TrimSuffix(host, ".")
	last = last[strings.LastIndexByte(last, '.')+1:]
	if last == "" {
		return false
	}
	digits := "0123456789"
	if len(last) >= 2 && (last[:2] == "0x" || last[:2] == "0X") {
		last, digits = last[2:], "0123456789abcdefABCDEF"
	}
	return strings.Trim(last, digits) == ""
}
