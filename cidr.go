package orca

import (
	"net/netip"

	"github.com/orca-nfv/orca/resource"
)

// localCIDR returns the CIDR of a network's copy at one location. Without
// local_prefix_len every location uses the network's CIDR. With it, each copy
// gets its own sub-CIDR of that length: the one it already has while that
// still fits the network's range, else the lowest one no sibling's fitting
// CIDR uses, so assignments are stable and distinct, and a new range or
// length moves only the copies that no longer fit.
func localCIDR(n *resource.Network, existing *resource.Resource, siblings []*resource.Resource) (string, error) {
	if n.LocalPrefixLen == 0 {
		return n.CIDR, nil
	}
	parent, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return "", resource.InvalidField("cidr", "%q is not a valid CIDR", n.CIDR)
	}
	parent = parent.Masked()
	fits := func(spec resource.Spec) (netip.Prefix, bool) {
		ln, ok := spec.(*resource.LocalNetwork)
		if !ok || ln.CIDR == "" {
			return netip.Prefix{}, false
		}
		p, err := netip.ParsePrefix(ln.CIDR)
		ok = err == nil && p == p.Masked() && p.Bits() == int(n.LocalPrefixLen) &&
			p.Addr().Is4() == parent.Addr().Is4() && parent.Contains(p.Addr())
		return p, ok
	}
	if existing != nil {
		if p, ok := fits(existing.Spec); ok {
			return p.String(), nil
		}
	}
	used := map[netip.Prefix]bool{}
	for _, s := range siblings {
		if p, ok := fits(s.Spec); ok { // existing's own does not fit: skipped
			used[p] = true
		}
	}
	p, ok := nextFreeSubnet(parent, int(n.LocalPrefixLen), used)
	if !ok {
		return "", resource.Errorf(resource.Invalid, "cidr %s has no free /%d left for another location (%d in use)",
			n.CIDR, n.LocalPrefixLen, len(used))
	}
	return p.String(), nil
}

// nextFreeSubnet returns the lowest subnet of length bits inside parent that
// is not in used.
func nextFreeSubnet(parent netip.Prefix, bits int, used map[netip.Prefix]bool) (netip.Prefix, bool) {
	if bits < parent.Bits() || bits > parent.Addr().BitLen() {
		return netip.Prefix{}, false
	}
	p := netip.PrefixFrom(parent.Masked().Addr(), bits)
	// Only len(used)+1 candidates can be needed before a free one.
	for i := 0; i <= len(used); i++ {
		if !parent.Contains(p.Addr()) {
			return netip.Prefix{}, false
		}
		if !used[p] {
			return p, true
		}
		next, ok := addBlock(p)
		if !ok {
			return netip.Prefix{}, false
		}
		p = next
	}
	return netip.Prefix{}, false
}

// addBlock returns the prefix of the same length right after p.
func addBlock(p netip.Prefix) (netip.Prefix, bool) {
	b := p.Addr().AsSlice()
	bit := p.Bits() - 1 // the lowest bit of the network part
	for i := bit; i >= 0; i-- {
		mask := byte(0x80 >> (i % 8))
		if b[i/8]&mask == 0 {
			b[i/8] |= mask
			addr, _ := netip.AddrFromSlice(b)
			return netip.PrefixFrom(addr, p.Bits()), true
		}
		b[i/8] &^= mask // carry
	}
	return netip.Prefix{}, false // wrapped around the address space
}
