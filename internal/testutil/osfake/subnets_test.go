package osfake

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSubnetLayout: pools, gateway and DNS servers on create and update,
// with Neutron's refusals; a refused update changes nothing.
func TestSubnetLayout(t *testing.T) {
	_, c := newFake(t, nil)
	net := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks",
		map[string]any{"network": map[string]any{"name": "n"}}), "network", "id")
	pool := func(start, end string) map[string]any { return map[string]any{"start": start, "end": end} }
	type layout struct {
		Status  int
		Msg     string
		Gateway string
		Pools   []any
		DNS     []any
		DHCP    bool
	}
	view := func(r response) layout {
		b := r.json(t)
		l := layout{Status: r.status, Msg: str2(b, "NeutronError", "message")}
		if sn, ok := get(b, "subnet").(map[string]any); ok {
			l.Gateway, _ = sn["gateway_ip"].(string)
			l.Pools, _ = sn["allocation_pools"].([]any)
			l.DNS, _ = sn["dns_nameservers"].([]any)
			l.DHCP, _ = sn["enable_dhcp"].(bool)
		}
		return l
	}
	create := func(cidr string, extra map[string]any) response {
		body := map[string]any{"network_id": net, "cidr": cidr, "ip_version": 4}
		for k, v := range extra {
			body[k] = v
		}
		return c.do(http.MethodPost, "/network/v2.0/subnets", map[string]any{"subnet": body})
	}
	creates := map[string]struct {
		cidr  string
		extra map[string]any
		want  layout
	}{
		"gateway in the middle splits the pool": {"10.1.0.0/24", map[string]any{"gateway_ip": "10.1.0.100"},
			layout{Status: 201, Gateway: "10.1.0.100", Pools: []any{pool("10.1.0.101", "10.1.0.254"), pool("10.1.0.1", "10.1.0.99")}, DNS: []any{}, DHCP: true}},
		"no gateway": {"10.2.0.0/24", map[string]any{"gateway_ip": nil, "enable_dhcp": false},
			layout{Status: 201, Pools: []any{pool("10.2.0.1", "10.2.0.254")}, DNS: []any{}}},
		"pools and DNS": {"10.3.0.0/24", map[string]any{"allocation_pools": []any{pool("10.3.0.10", "10.3.0.20"), pool("10.3.0.30", "10.3.0.40")},
			"dns_nameservers": []any{"10.3.0.2", "8.8.8.8"}},
			layout{Status: 201, Gateway: "10.3.0.1", Pools: []any{pool("10.3.0.30", "10.3.0.40"), pool("10.3.0.10", "10.3.0.20")}, DNS: []any{"10.3.0.2", "8.8.8.8"}, DHCP: true}},
		"pool holds the gateway": {"10.4.0.0/24", map[string]any{"allocation_pools": []any{pool("10.4.0.1", "10.4.0.9")}},
			layout{Status: 409, Msg: "Gateway ip 10.4.0.1 conflicts with allocation pool 10.4.0.1-10.4.0.9"}},
		"pool beyond the cidr": {"10.5.0.0/24", map[string]any{"allocation_pools": []any{pool("10.5.0.10", "10.5.0.255")}},
			layout{Status: 400, Msg: "The allocation pool 10.5.0.10-10.5.0.255 spans beyond the subnet cidr 10.5.0.0/24."}},
		"pool reversed": {"10.6.0.0/24", map[string]any{"allocation_pools": []any{pool("10.6.0.20", "10.6.0.10")}},
			layout{Status: 400, Msg: "The allocation pool 10.6.0.20-10.6.0.10 is not valid."}},
		"pools overlap": {"10.7.0.0/24", map[string]any{"allocation_pools": []any{pool("10.7.0.10", "10.7.0.20"), pool("10.7.0.20", "10.7.0.30")}},
			layout{Status: 400, Msg: "Found overlapping allocation pools: 10.7.0.10-10.7.0.20 and 10.7.0.20-10.7.0.30 for subnet 10.7.0.0/24."}},
		"gateway outside": {"10.8.0.0/24", map[string]any{"gateway_ip": "10.9.0.1"},
			layout{Status: 400, Msg: "Invalid input for operation: Gateway is not valid on subnet 10.9.0.1."}},
		"DNS twice": {"10.10.0.0/24", map[string]any{"dns_nameservers": []any{"8.8.8.8", "8.8.8.8"}},
			layout{Status: 400, Msg: "Invalid input for dns_nameservers. Reason: Duplicate nameserver '8.8.8.8'."}},
	}
	for name, tc := range creates {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, view(create(tc.cidr, tc.extra))); diff != "" {
				t.Errorf("create (-want +got):\n%s", diff)
			}
		})
	}

	id := str2(create("10.20.0.0/24", nil).json(t), "subnet", "id")
	path := "/network/v2.0/subnets/" + id
	put := func(attrs map[string]any) layout {
		return view(c.do(http.MethodPut, path, map[string]any{"subnet": attrs}))
	}
	// One PUT moves the gateway into the old pool's range and the pools
	// out of its way: checked as a whole, it is fine.
	got := put(map[string]any{"gateway_ip": "10.20.0.254", "allocation_pools": []any{pool("10.20.0.10", "10.20.0.99")},
		"enable_dhcp": false, "dns_nameservers": []any{"10.20.0.2"}})
	want := layout{Status: 200, Gateway: "10.20.0.254", Pools: []any{pool("10.20.0.10", "10.20.0.99")}, DNS: []any{"10.20.0.2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
	if got := put(map[string]any{"gateway_ip": "10.20.0.50"}); got.Status != http.StatusConflict {
		t.Errorf("gateway into a pool = %+v, want 409", got)
	}
	six := []any{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"}
	if got := put(map[string]any{"dns_nameservers": six}); got.Msg != "Unable to complete operation for "+id+". The number of DNS nameservers exceeds the limit 5." {
		t.Errorf("six DNS servers = %+v, want 400", got)
	}
	if got := put(map[string]any{"cidr": "10.21.0.0/24"}); got.Status != http.StatusBadRequest {
		t.Errorf("changing the cidr = %+v, want 400", got)
	}
	want.Status = 200
	if diff := cmp.Diff(want, view(c.do(http.MethodGet, path, nil))); diff != "" {
		t.Errorf("after refused updates (-want +got):\n%s", diff)
	}
	if r := c.do(http.MethodPut, "/network/v2.0/subnets/00000000-0000-0000-0000-000000000000", map[string]any{"subnet": map[string]any{}}); r.status != http.StatusNotFound {
		t.Errorf("update of an unknown subnet = %d", r.status)
	}
}

// TestSubnetOrder pins what a real Neutron (Zed) does with order: DNS
// servers come back in the order sent, allocation pools in an order of
// Neutron's own (their rows' random IDs there; highest first here), the
// same whatever order a create or an update sent them in.
func TestSubnetOrder(t *testing.T) {
	_, c := newFake(t, nil)
	net := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks",
		map[string]any{"network": map[string]any{"name": "n"}}), "network", "id")
	pool := func(start, end string) map[string]any { return map[string]any{"start": start, "end": end} }
	type order struct{ Pools, DNS []any }
	view := func(b map[string]any) order {
		return order{Pools: get(b, "subnet", "allocation_pools").([]any), DNS: get(b, "subnet", "dns_nameservers").([]any)}
	}
	low, mid, high := pool("10.30.0.10", "10.30.0.20"), pool("10.30.0.100", "10.30.0.110"), pool("10.30.0.200", "10.30.0.210")
	tests := map[string]struct {
		pools, dns []any
	}{
		"ascending":  {[]any{low, mid, high}, []any{"10.30.0.2", "10.30.0.3"}},
		"descending": {[]any{high, mid, low}, []any{"10.30.0.3", "10.30.0.2"}},
		"mixed":      {[]any{mid, low, high}, []any{"8.8.8.8", "10.30.0.2", "1.1.1.1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &client{t: t, srv: c.srv, hc: c.hc, token: c.token, project: c.project}
			want := order{Pools: []any{high, mid, low}, DNS: tc.dns}
			created := c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/subnets", map[string]any{"subnet": map[string]any{
				"network_id": net, "cidr": "10.30.0.0/24", "ip_version": 4, "allocation_pools": tc.pools, "dns_nameservers": tc.dns}})
			id := str2(created, "subnet", "id")
			defer c.must(http.StatusNoContent, http.MethodDelete, "/network/v2.0/subnets/"+id, nil)
			if diff := cmp.Diff(want, view(created)); diff != "" {
				t.Errorf("create (-want +got):\n%s", diff)
			}
			reversed := slices.Clone(tc.pools)
			slices.Reverse(reversed)
			updated := c.must(http.StatusOK, http.MethodPut, "/network/v2.0/subnets/"+id,
				map[string]any{"subnet": map[string]any{"allocation_pools": reversed}})
			if diff := cmp.Diff(want, view(updated)); diff != "" {
				t.Errorf("update with the pools reversed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, view(c.must(http.StatusOK, http.MethodGet, "/network/v2.0/subnets/"+id, nil))); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSubnetRevision: a real Neutron (Zed) shows a new subnet at revision
// 0 and counts each update from there.
func TestSubnetRevision(t *testing.T) {
	_, c := newFake(t, nil)
	net := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks",
		map[string]any{"network": map[string]any{"name": "n"}}), "network", "id")
	created := c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/subnets",
		map[string]any{"subnet": map[string]any{"network_id": net, "cidr": "10.31.0.0/24", "ip_version": 4}})
	path := "/network/v2.0/subnets/" + str2(created, "subnet", "id")
	got := []any{get(created, "subnet", "revision_number")}
	for _, d := range []string{"one", "two"} {
		got = append(got, get(c.must(http.StatusOK, http.MethodPut, path,
			map[string]any{"subnet": map[string]any{"description": d}}), "subnet", "revision_number"))
	}
	got = append(got, get(c.must(http.StatusOK, http.MethodGet, path, nil), "subnet", "revision_number"))
	if diff := cmp.Diff([]any{0.0, 1.0, 2.0, 2.0}, got); diff != "" {
		t.Errorf("revisions after create, two updates, get (-want +got):\n%s", diff)
	}
}
