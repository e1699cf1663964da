package netguard

import (
	"context"
	"net"
	"net/netip"
	"net/url"

	"github.com/orca-nfv/orca/resource"
)

// CheckRemote is CheckURL for a URL that another system will fetch on our
// behalf (an image URL that Glance downloads): its dial cannot be guarded
// here, so a name is resolved now and every address it has must pass. That
// is best effort — the name may resolve elsewhere when the other system
// dials — so that system should keep its own allowlist too. A name that
// does not resolve is Invalid.
func (p *Policy) CheckRemote(ctx context.Context, raw string, schemes ...string) (*url.URL, error) {
	u, err := p.CheckURL(raw, schemes...)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return u, nil // checked by CheckURL
	}
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
	if p != nil && p.Lookup != nil {
		lookup = p.Lookup
	}
	addrs, err := lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, resource.InvalidField("url", "host %q does not resolve", host)
	}
	for _, a := range addrs {
		if err := p.Check(a); err != nil {
			return nil, resource.Errorf(resource.Forbidden, "url: host %q: %w", host, err)
		}
	}
	return u, nil
}
