package netguard

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"syscall"

	"github.com/orca-nfv/orca/resource"
)

// Policy decides which addresses may be dialled. The zero value (and a nil
// *Policy) refuses the ranges in refusedRanges. Do not modify a Policy while
// it is in use; Client takes its own copy.
type Policy struct {
	// Allow lists prefixes dialled even though a refused range holds them.
	// The demo allows 127.0.0.0/8 and ::1/128, since ESC's own examples call
	// back to 127.0.0.1.
	Allow []netip.Prefix
	// Deny lists further prefixes refused even when public. Deny wins over
	// Allow.
	Deny []netip.Prefix
	// Lookup resolves names for CheckRemote; nil is the system resolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// refusedRanges are refused unless allowed. The first match names the
// reason, so narrower ranges come before the ranges holding them.
// IPv4-mapped addresses (::ffff:a.b.c.d) are unmapped before matching, and
// NAT64 addresses (64:ff9b::/96) are judged by the IPv4 address they embed
// (Deny and these ranges apply to it, Allow does not). Every other IPv6 form
// embedding an IPv4 address (IPv4-compatible, SIIT, 6to4, Teredo) is
// deprecated or unused by servers, so it is refused outright, not decoded.
var refusedRanges = []struct {
	prefix netip.Prefix
	why    string
}{
	// IPv4 (RFC 6890 special-purpose registry).
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified/this network"}, // Linux connects 0.0.0.0 to loopback
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"}, // holds Alibaba's metadata 100.100.100.200
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},

	// IPv6.
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated (SIIT)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (private)"}, // holds AWS's metadata fd00:ec2::254
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nat64 is the well-known NAT64 prefix (RFC 6052): the gateway forwards to
// the IPv4 address in the last 32 bits, so that address is what is judged.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Check returns nil if a may be dialled, else a Forbidden error naming a
// and the reason.
func (p *Policy) Check(a netip.Addr) error {
	if !a.IsValid() {
		return resource.Errorf(resource.Forbidden, "invalid address refused")
	}
	// Prefix.Contains never matches a zoned address nor an IPv4-mapped one
	// against an IPv4 prefix, so both are normalized first.
	if why := p.refusal(a.WithZone("").Unmap()); why != "" {
		return resource.Errorf(resource.Forbidden, "address %s is refused: %s", a, why)
	}
	return nil
}

// refusal returns why a (unzoned, unmapped) is refused, or "".
func (p *Policy) refusal(a netip.Addr) string {
	var allow, deny []netip.Prefix
	if p != nil {
		allow, deny = p.Allow, p.Deny
	}
	if pf, ok := match(deny, a); ok {
		return "denied by policy (" + pf.String() + ")"
	}
	if _, ok := match(allow, a); ok {
		return ""
	}
	for _, r := range refusedRanges {
		if r.prefix.Contains(a) {
			return r.why + " (" + r.prefix.String() + ")"
		}
	}
	if nat64.Contains(a) {
		b := a.As16()
		v4 := netip.AddrFrom4([4]byte(b[12:]))
		// Allow names addresses, not what a gateway may reach: only the
		// NAT64 address itself can be allowed.
		if why := (&Policy{Deny: deny}).refusal(v4); why != "" {
			return "NAT64 of " + v4.String() + ", " + why
		}
	}
	return ""
}

// match returns the first prefix of list holding a.
func match(list []netip.Prefix, a netip.Addr) (netip.Prefix, bool) {
	for _, pf := range list {
		if pf = normalize(pf); pf.IsValid() && pf.Contains(a) {
			return pf, true
		}
	}
	return netip.Prefix{}, false
}

// normalize masks pf and turns an IPv4-mapped prefix (::ffff:10.0.0.0/104)
// into its IPv4 form, since addresses are unmapped before matching.
func normalize(pf netip.Prefix) netip.Prefix {
	if a := pf.Addr(); a.Is4In6() && pf.Bits() >= 96 {
		pf = netip.PrefixFrom(a.Unmap(), pf.Bits()-96)
	}
	return pf.Masked()
}

// Control checks the address a socket is about to connect to; set it as
// net.Dialer.Control. It runs after name resolution, once per address
// tried, so DNS answers (rebinding included) cannot bypass Check.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return resource.Errorf(resource.Forbidden, "network %q is refused", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return resource.Errorf(resource.Forbidden, "cannot check dial address %q: %v", address, err)
	}
	return p.Check(ap.Addr())
}

// ParsePrefixes parses a comma-separated list of CIDRs or single addresses
// (as a flag value), such as "127.0.0.0/8, ::1". A blank string is an empty
// list. Prefixes are masked and IPv4-mapped ones turned into IPv4. Errors
// are Invalid and name the offending item.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		pf, err := parsePrefix(item)
		if err != nil {
			return nil, resource.Errorf(resource.Invalid, "prefix list item %d %q: %v", i+1, item, err)
		}
		out = append(out, pf)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	switch {
	case s == "":
		return netip.Prefix{}, errors.New("empty")
	case strings.Contains(s, "%"):
		return netip.Prefix{}, errors.New("zones are not allowed")
	case strings.Contains(s, "/"):
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errors.New("not a CIDR (want address/bits, as 10.0.0.0/8)")
		}
		return normalize(pf), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
