package netguard_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

func prefixes(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// demo is the policy cmd/demo runs with.
var demo = netguard.Policy{Allow: prefixes("127.0.0.0/8", "::1/128")}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		policy netguard.Policy
		addr   string
		// why is a fragment of the refusal reason; "" means allowed.
		why string
	}{
		"public v4":                   {addr: "8.8.8.8"},
		"public v6":                   {addr: "2001:4860:4860::8888"},
		"public v6 with zone":         {addr: "2001:4860:4860::8888%eth0"},
		"mapped public":               {addr: "::ffff:8.8.8.8"},
		"NAT64 of public":             {addr: "64:ff9b::808:808"},
		"loopback":                    {addr: "127.0.0.1", why: "loopback"},
		"loopback high":               {addr: "127.255.255.254", why: "loopback"},
		"v6 loopback":                 {addr: "::1", why: "loopback"},
		"mapped loopback":             {addr: "::ffff:127.0.0.1", why: "loopback"},
		"compatible loopback":         {addr: "::127.0.0.1", why: "IPv4-compatible"},
		"metadata":                    {addr: "169.254.169.254", why: "link-local"},
		"mapped metadata":             {addr: "::ffff:169.254.169.254", why: "link-local"},
		"NAT64 of metadata":           {addr: "64:ff9b::a9fe:a9fe", why: "NAT64 of 169.254.169.254, link-local"},
		"local-use NAT64":             {addr: "64:ff9b:1::a9fe:a9fe", why: "local-use NAT64"},
		"private 10":                  {addr: "10.1.2.3", why: "private"},
		"private 172.16":              {addr: "172.16.0.1", why: "private"},
		"private 172.31":              {addr: "172.31.255.255", why: "private"},
		"just outside 172.16/12":      {addr: "172.32.0.1"},
		"private 192.168":             {addr: "192.168.1.1", why: "private"},
		"CGNAT":                       {addr: "100.64.0.1", why: "carrier-grade NAT"},
		"unique local":                {addr: "fd00::1", why: "unique local"},
		"AWS v6 metadata":             {addr: "fd00:ec2::254", why: "unique local"},
		"v6 link-local":               {addr: "fe80::1", why: "link-local"},
		"v6 link-local with zone":     {addr: "fe80::1%eth0", why: "link-local"},
		"site-local":                  {addr: "fec0::1", why: "site-local"},
		"unspecified":                 {addr: "0.0.0.0", why: "unspecified"},
		"this network":                {addr: "0.1.2.3", why: "unspecified"},
		"v6 unspecified":              {addr: "::", why: "unspecified"},
		"multicast":                   {addr: "224.0.0.1", why: "multicast"},
		"v6 multicast":                {addr: "ff02::1", why: "multicast"},
		"broadcast":                   {addr: "255.255.255.255", why: "broadcast"},
		"class E":                     {addr: "240.0.0.1", why: "reserved"},
		"benchmarking":                {addr: "198.18.0.1", why: "benchmarking"},
		"documentation":               {addr: "192.0.2.1", why: "documentation"},
		"v6 documentation":            {addr: "2001:db8::1", why: "documentation"},
		"IETF protocol assignments":   {addr: "192.0.0.170", why: "IETF"},
		"6to4":                        {addr: "2002:7f00:1::1", why: "6to4"},
		"Teredo":                      {addr: "2001:0:4136:e378:8000:63bf:3fff:fdd2", why: "Teredo"},
		"discard-only":                {addr: "100::1", why: "discard-only"},
		"SIIT":                        {addr: "::ffff:0:7f00:1", why: "SIIT"},
		"demo allows loopback":        {policy: demo, addr: "127.0.0.1"},
		"demo allows mapped":          {policy: demo, addr: "::ffff:127.0.0.1"},
		"demo allows v6 loopback":     {policy: demo, addr: "::1"},
		"demo refuses NAT64 loopback": {policy: demo, addr: "64:ff9b::7f00:1", why: "NAT64 of 127.0.0.1, loopback"},
		"allow NAT64 address itself": {
			policy: netguard.Policy{Allow: prefixes("64:ff9b::7f00:1/128")},
			addr:   "64:ff9b::7f00:1",
		},
		"demo still refuses 0.0.0.0": {policy: demo, addr: "0.0.0.0", why: "unspecified"},
		"demo still refuses private": {policy: demo, addr: "10.0.0.1", why: "private"},
		"allow mapped prefix": {
			policy: netguard.Policy{Allow: prefixes("::ffff:10.0.0.0/104")},
			addr:   "10.9.9.9",
		},
		"allow unmasked prefix": {
			policy: netguard.Policy{Allow: prefixes("10.1.2.3/8")},
			addr:   "10.9.9.9",
		},
		"deny public": {
			policy: netguard.Policy{Deny: prefixes("8.8.8.0/24")},
			addr:   "8.8.8.8", why: "denied by policy (8.8.8.0/24)",
		},
		"deny leaves others": {
			policy: netguard.Policy{Deny: prefixes("8.8.8.0/24")},
			addr:   "8.8.4.4",
		},
		"deny mapped form": {
			policy: netguard.Policy{Deny: prefixes("8.8.8.0/24")},
			addr:   "::ffff:8.8.8.8", why: "denied",
		},
		"deny NAT64 target": {
			policy: netguard.Policy{Deny: prefixes("8.8.8.0/24")},
			addr:   "64:ff9b::808:808", why: "NAT64 of 8.8.8.8, denied",
		},
		"deny wins over allow": {
			policy: netguard.Policy{Allow: prefixes("10.0.0.0/8"), Deny: prefixes("10.1.0.0/16")},
			addr:   "10.1.0.1", why: "denied",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tc.addr)
			err := tc.policy.Check(a)
			if tc.why == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want nil", a, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%s) = nil, want refused: %s", a, tc.why)
			}
			if code := resource.CodeOf(err); code != resource.Forbidden {
				t.Errorf("Check(%s) code = %v, want Forbidden", a, code)
			}
			if msg := err.Error(); !strings.Contains(msg, a.String()) || !strings.Contains(msg, tc.why) {
				t.Errorf("Check(%s) = %q, want it to name the address and %q", a, msg, tc.why)
			}
		})
	}
}

func TestCheckInvalidAndNil(t *testing.T) {
	t.Parallel()
	var nilPolicy *netguard.Policy
	if err := nilPolicy.Check(netip.Addr{}); resource.CodeOf(err) != resource.Forbidden {
		t.Errorf("Check(zero Addr) = %v, want Forbidden", err)
	}
	if err := nilPolicy.Check(netip.MustParseAddr("127.0.0.1")); resource.CodeOf(err) != resource.Forbidden {
		t.Errorf("nil Policy Check(127.0.0.1) = %v, want Forbidden", err)
	}
	if err := nilPolicy.Check(netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Errorf("nil Policy Check(8.8.8.8) = %v, want nil", err)
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		network, address string
		wantErr          bool
	}{
		"public tcp":         {network: "tcp", address: "8.8.8.8:443"},
		"public tcp6":        {network: "tcp6", address: "[2001:4860:4860::8888]:443"},
		"public udp":         {network: "udp4", address: "8.8.8.8:53"},
		"loopback":           {network: "tcp4", address: "127.0.0.1:80", wantErr: true},
		"zoned link-local":   {network: "tcp6", address: "[fe80::1%eth0]:80", wantErr: true},
		"mapped metadata":    {network: "tcp6", address: "[::ffff:169.254.169.254]:80", wantErr: true},
		"unix socket":        {network: "unix", address: "/run/docker.sock", wantErr: true},
		"name not addresses": {network: "tcp", address: "example.com:80", wantErr: true},
		"no port":            {network: "tcp", address: "8.8.8.8", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := new(netguard.Policy).Control(tc.network, tc.address, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Control(%q, %q) = %v, want error %v", tc.network, tc.address, err, tc.wantErr)
			}
			if err != nil && resource.CodeOf(err) != resource.Forbidden {
				t.Errorf("Control(%q, %q) code = %v, want Forbidden", tc.network, tc.address, resource.CodeOf(err))
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in      string
		want    []netip.Prefix
		wantErr string // fragment of the error; "" means success
	}{
		"empty":          {in: ""},
		"blank":          {in: "  "},
		"demo":           {in: "127.0.0.0/8,::1/128", want: prefixes("127.0.0.0/8", "::1/128")},
		"spaces":         {in: " 127.0.0.0/8 , ::1 ", want: prefixes("127.0.0.0/8", "::1/128")},
		"single v4":      {in: "10.1.2.3", want: prefixes("10.1.2.3/32")},
		"single v6":      {in: "fd00::1", want: prefixes("fd00::1/128")},
		"masked":         {in: "10.1.2.3/8", want: prefixes("10.0.0.0/8")},
		"mapped address": {in: "::ffff:127.0.0.1", want: prefixes("127.0.0.1/32")},
		"mapped prefix":  {in: "::ffff:10.0.0.0/104", want: prefixes("10.0.0.0/8")},
		"bad bits":       {in: "10.0.0.0/33", wantErr: `item 1 "10.0.0.0/33": not a CIDR`},
		"garbage second": {in: "10.0.0.0/8,nope", wantErr: `item 2 "nope": not an IP address or CIDR`},
		"empty item":     {in: "10.0.0.0/8,,::1", wantErr: `item 2 "": empty`},
		"trailing comma": {in: "10.0.0.0/8,", wantErr: `item 2 "": empty`},
		"zone":           {in: "fe80::1%eth0", wantErr: "zones are not allowed"},
		"hostname":       {in: "localhost", wantErr: "not an IP address or CIDR"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := netguard.ParsePrefixes(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || resource.CodeOf(err) != resource.Invalid {
					t.Fatalf("ParsePrefixes(%q) = %v, %v; want Invalid error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePrefixes(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
				t.Errorf("ParsePrefixes(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}
