package main

import (
	"net/netip"
	"strings"

	"github.com/orca-nfv/orca/netguard"
)

// prefixes is a flag listing networks: comma-separated CIDRs or
// addresses, as netguard.ParsePrefixes reads them ("" is none).
type prefixes []netip.Prefix

func (p *prefixes) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(*p))
	for i, pf := range *p {
		s[i] = pf.String()
	}
	return strings.Join(s, ",")
}

func (p *prefixes) Set(v string) error {
	list, err := netguard.ParsePrefixes(v)
	if err != nil {
		return err
	}
	*p = list
	return nil
}

// loopback is the default of the allow flags: this machine only.
func loopback() prefixes {
	return prefixes{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}
