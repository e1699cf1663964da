package orca

import (
	"net/netip"
	"testing"

	"github.com/orca-nfv/orca/resource"
)

func TestNextFreeSubnet(t *testing.T) {
	mp := func(ss ...string) map[netip.Prefix]bool {
		m := map[netip.Prefix]bool{}
		for _, s := range ss {
			m[netip.MustParsePrefix(s)] = true
		}
		return m
	}
	tests := map[string]struct {
		parent string
		bits   int
		used   map[netip.Prefix]bool
		want   string // "" when none is free
	}{
		"first":             {"10.0.0.0/16", 24, nil, "10.0.0.0/24"},
		"skips used":        {"10.0.0.0/16", 24, mp("10.0.0.0/24", "10.0.1.0/24"), "10.0.2.0/24"},
		"fills a hole":      {"10.0.0.0/16", 24, mp("10.0.0.0/24", "10.0.2.0/24"), "10.0.1.0/24"},
		"ignores outsiders": {"10.0.0.0/16", 24, mp("192.168.0.0/24"), "10.0.0.0/24"},
		"carry across byte": {"10.0.0.0/8", 16, mp("10.0.0.0/16"), "10.1.0.0/16"},
		"odd length":        {"10.0.0.0/24", 26, mp("10.0.0.0/26", "10.0.0.64/26"), "10.0.0.128/26"},
		"exhausted":         {"10.0.0.0/24", 25, mp("10.0.0.0/25", "10.0.0.128/25"), ""},
		"same length":       {"10.0.0.0/24", 24, nil, "10.0.0.0/24"},
		"same length used":  {"10.0.0.0/24", 24, mp("10.0.0.0/24"), ""},
		"top of the space":  {"255.255.255.0/24", 25, mp("255.255.255.0/25", "255.255.255.128/25"), ""},
		"ipv6":              {"fd00::/48", 64, mp("fd00::/64"), "fd00:0:0:1::/64"},
		"longer than addr":  {"10.0.0.0/8", 33, nil, ""},
		"shorter than cidr": {"10.0.0.0/16", 8, nil, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := nextFreeSubnet(netip.MustParsePrefix(tc.parent), tc.bits, tc.used)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %v, want none free", got)
				}
				return
			}
			if !ok || got.String() != tc.want {
				t.Fatalf("got %v, %v; want %s", got, ok, tc.want)
			}
		})
	}
}

func TestLocalCIDRIsStable(t *testing.T) {
	n := &resource.Network{CIDR: "10.0.0.0/16", LocalPrefixLen: 24}
	local := func(cidr string) *resource.Resource {
		return &resource.Resource{Spec: &resource.LocalNetwork{CIDR: cidr}}
	}
	siblings := []*resource.Resource{local("10.0.0.0/24"), local("10.0.5.0/24")}
	if got, _ := localCIDR(n, siblings[1], siblings); got != "10.0.5.0/24" {
		t.Errorf("an existing copy moved to %s", got)
	}
	if got, _ := localCIDR(n, nil, siblings); got != "10.0.1.0/24" {
		t.Errorf("a new copy got %s, want the lowest free 10.0.1.0/24", got)
	}
	if got, _ := localCIDR(&resource.Network{CIDR: "10.0.0.0/16"}, nil, siblings); got != "10.0.0.0/16" {
		t.Errorf("without local_prefix_len: %s", got)
	}
	full := &resource.Network{CIDR: "10.0.0.0/24", LocalPrefixLen: 24}
	if _, err := localCIDR(full, nil, []*resource.Resource{local("10.0.0.0/24")}); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("exhausted CIDR: %v, want Invalid", err)
	}
}

// TestLocalCIDRReaddress: a new range or length moves only the copies whose
// prefix no longer fits, each to the lowest prefix no fitting sibling holds.
func TestLocalCIDRReaddress(t *testing.T) {
	local := func(cidr string) *resource.Resource {
		return &resource.Resource{Spec: &resource.LocalNetwork{CIDR: cidr}}
	}
	tests := map[string]struct {
		network  resource.Network
		existing string   // the copy's CIDR before the change
		siblings []string // every copy's CIDR, the existing one included
		want     string
	}{
		"still fits a wider range": {
			network:  resource.Network{CIDR: "10.0.0.0/15", LocalPrefixLen: 24},
			existing: "10.0.5.0/24", siblings: []string{"10.0.0.0/24", "10.0.5.0/24"},
			want: "10.0.5.0/24",
		},
		"new range moves it": {
			network:  resource.Network{CIDR: "10.9.0.0/16", LocalPrefixLen: 24},
			existing: "10.0.5.0/24", siblings: []string{"10.0.0.0/24", "10.0.5.0/24"},
			want: "10.9.0.0/24",
		},
		"avoids a sibling already moved": {
			network:  resource.Network{CIDR: "10.9.0.0/16", LocalPrefixLen: 24},
			existing: "10.0.5.0/24", siblings: []string{"10.9.0.0/24", "10.0.5.0/24"},
			want: "10.9.1.0/24",
		},
		"new length moves it": {
			network:  resource.Network{CIDR: "10.0.0.0/16", LocalPrefixLen: 25},
			existing: "10.0.1.0/24", siblings: []string{"10.0.0.0/25", "10.0.1.0/24"},
			want: "10.0.0.128/25",
		},
		"other family": {
			network:  resource.Network{CIDR: "fd00::/48", LocalPrefixLen: 64},
			existing: "10.0.0.0/24", siblings: []string{"10.0.0.0/24"},
			want: "fd00::/64",
		},
		"shared cidr follows the network": {
			network:  resource.Network{CIDR: "10.7.0.0/24"},
			existing: "10.0.0.0/24", siblings: []string{"10.0.0.0/24"},
			want: "10.7.0.0/24",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var siblings []*resource.Resource
			var existing *resource.Resource
			for _, c := range tc.siblings {
				siblings = append(siblings, local(c))
				if c == tc.existing {
					existing = siblings[len(siblings)-1]
				}
			}
			got, err := localCIDR(&tc.network, existing, siblings)
			if err != nil || got != tc.want {
				t.Errorf("localCIDR = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
