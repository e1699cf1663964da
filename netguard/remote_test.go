package netguard_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

func TestCheckRemote(t *testing.T) {
	names := map[string][]string{
		"public.example":  {"93.184.215.14"},
		"rebound.example": {"93.184.215.14", "169.254.169.254"},
		"local.example":   {"127.0.0.1"},
	}
	p := &netguard.Policy{Lookup: func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range names[host] {
			out = append(out, netip.MustParseAddr(a))
		}
		if len(out) == 0 {
			return nil, errors.New("no such host")
		}
		return out, nil
	}}
	tests := map[string]struct {
		url  string
		want resource.ErrorCode // 0: accepted
	}{
		"public name":                 {"https://public.example/cirros.img", 0},
		"public address":              {"https://93.184.215.14/cirros.img", 0},
		"metadata address":            {"http://169.254.169.254/latest/meta-data/", resource.Forbidden},
		"name with a link-local addr": {"http://rebound.example/x", resource.Forbidden},
		"name for loopback":           {"http://local.example/x", resource.Forbidden},
		"name that does not resolve":  {"http://nowhere.example/x", resource.Invalid},
		"not a URL":                   {"cirros.img", resource.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := p.CheckRemote(t.Context(), tc.url)
			if got := resource.CodeOf(err); err != nil && got != tc.want || err == nil && tc.want != 0 {
				t.Errorf("CheckRemote(%q) = %v, want code %v", tc.url, err, tc.want)
			}
		})
	}
	allowed := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Lookup: p.Lookup}
	if _, err := allowed.CheckRemote(t.Context(), "http://local.example/x"); err != nil {
		t.Errorf("an allowed loopback name: %v", err)
	}
}
