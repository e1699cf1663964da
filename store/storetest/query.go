package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// seedQueryData creates a small varied set. Networks are created in the
// order n-b1, n-a2, n-a1 so that creation order differs from ID order, and
// n-b1 is updated last.
func seedQueryData(t *testing.T, f *fixture) {
	t.Helper()
	f.create(t, location("loc-1"))
	f.create(t, location("loc-2"))
	nets := []struct {
		id, tenant, name, cidr string
		contrailID             int64
		labels                 map[string]string
	}{
		{"n-b1", tenantB, "alpha", "10.3.0.0/16", 5, map[string]string{"env": "prod"}},
		{"n-a2", tenantA, "bravo", "10.2.0.0/16", 0, map[string]string{"env": "dev"}},
		{"n-a1", tenantA, "alpha", "10.1.0.0/16", 5, map[string]string{"env": "prod", "tier": "web"}},
	}
	for _, n := range nets {
		r := network(n.id, n.tenant, n.cidr)
		r.Name, r.Labels = n.name, n.labels
		r.Spec.(*resource.Network).ContrailID = n.contrailID
		f.create(t, r)
	}
	for _, im := range []struct {
		id, tenant string
		protected  bool
		minRAM     int64
	}{{"i-1", tenantA, true, 512}, {"i-2", tenantA, false, 64}, {"i-3", tenantB, false, 128}} {
		r := image(im.id, im.tenant, "public")
		r.Spec.(*resource.Image).Protected = im.protected
		r.Spec.(*resource.Image).MinRAM = im.minRAM
		f.create(t, r)
	}
	for _, l := range []struct {
		id, loc, owner string
		phase          resource.Phase
	}{{"ln-1", "loc-1", "n-a1", resource.PhaseReady}, {"ln-2", "loc-2", "n-a1", resource.PhasePending}, {"ln-3", "loc-1", "n-a2", resource.PhaseReady}} {
		r := localNetwork(l.id, tenantA, l.loc, l.owner)
		r.Status.Phase = l.phase
		f.create(t, r)
	}
	f.create(t, &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindLocalImage, ID: "li-1"}, Tenant: tenantA, Location: "loc-1",
		Owner: &resource.Ref{Kind: resource.KindImage, ID: "i-1"}, Spec: &resource.LocalSpec{},
		Status: resource.Status{Phase: resource.PhaseReady},
	})
	f.create(t, &resource.Resource{Ref: resource.Ref{Kind: resource.KindSecurityGroup, ID: "sg-1"}, Tenant: tenantA, Spec: &resource.SecurityGroup{}})
	i64 := func(v int64) *int64 { return &v }
	for _, r := range []struct {
		id, proto string
		min, max  *int64
	}{{"r-1", "tcp", i64(22), i64(22)}, {"r-2", "any", nil, nil}, {"r-3", "tcp", i64(80), i64(80)}, {"r-4", "icmp", i64(8), nil}} {
		f.create(t, &resource.Resource{
			Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: r.id}, Tenant: tenantA,
			Owner: &resource.Ref{Kind: resource.KindSecurityGroup, ID: "sg-1"},
			Spec:  &resource.SecurityGroupRule{Direction: "ingress", Protocol: r.proto, PortRangeMin: r.min, PortRangeMax: r.max},
		})
	}
	nb1 := f.get(t, resource.Ref{Kind: resource.KindNetwork, ID: "n-b1"})
	nb1.Status.Message = "touched"
	if _, err := f.s.Update(t.Context(), nb1); err != nil {
		t.Fatal(err)
	}
}

func ids(page *store.Page) []string {
	out := []string{}
	for _, r := range page.Items {
		out = append(out, r.ID)
	}
	return out
}

func testFilters(t *testing.T, f *fixture) {
	seedQueryData(t, f)
	net, lnet := resource.KindNetwork, resource.KindLocalNetwork
	tests := map[string]struct {
		filter store.Filter
		want   []string
	}{
		"kind":                  {store.Filter{Kind: net}, []string{"n-a1", "n-a2", "n-b1"}},
		"kind and tenant":       {store.Filter{Kind: net, Tenant: tenantA}, []string{"n-a1", "n-a2"}},
		"name":                  {store.Filter{Kind: net, Name: "alpha"}, []string{"n-a1", "n-b1"}},
		"id":                    {store.Filter{Kind: net, ID: "n-a2"}, []string{"n-a2"}},
		"id of another kind":    {store.Filter{Kind: lnet, ID: "n-a2"}, []string{}},
		"unknown id":            {store.Filter{ID: "nope"}, []string{}},
		"name across kinds":     {store.Filter{Name: "alpha"}, []string{"n-a1", "n-b1"}},
		"label":                 {store.Filter{Labels: map[string]string{"env": "prod"}}, []string{"n-a1", "n-b1"}},
		"two labels":            {store.Filter{Labels: map[string]string{"env": "prod", "tier": "web"}}, []string{"n-a1"}},
		"label value differs":   {store.Filter{Labels: map[string]string{"env": "qa"}}, []string{}},
		"string field":          {store.Filter{Kind: net, Fields: map[string]string{"cidr": "10.2.0.0/16"}}, []string{"n-a2"}},
		"empty string field":    {store.Filter{Kind: net, Fields: map[string]string{"description": ""}}, []string{"n-a1", "n-a2", "n-b1"}},
		"int field":             {store.Filter{Kind: net, Fields: map[string]string{"contrail_id": "5"}}, []string{"n-a1", "n-b1"}},
		"int field zero":        {store.Filter{Kind: net, Fields: map[string]string{"contrail_id": "0"}}, []string{"n-a2"}},
		"int field and tenant":  {store.Filter{Kind: net, Tenant: tenantB, Fields: map[string]string{"contrail_id": "5"}}, []string{"n-b1"}},
		"two fields":            {store.Filter{Kind: net, Fields: map[string]string{"contrail_id": "5", "cidr": "10.1.0.0/16"}}, []string{"n-a1"}},
		"bool field true":       {store.Filter{Kind: resource.KindImage, Fields: map[string]string{"protected": "true"}}, []string{"i-1"}},
		"bool field false":      {store.Filter{Kind: resource.KindImage, Fields: map[string]string{"protected": "false"}}, []string{"i-2", "i-3"}},
		"int field of image":    {store.Filter{Kind: resource.KindImage, Fields: map[string]string{"min_ram": "64"}}, []string{"i-2"}},
		"nullable int set":      {store.Filter{Kind: resource.KindSecurityGroupRule, Fields: map[string]string{"port_range_min": "22"}}, []string{"r-1"}},
		"location across kinds": {store.Filter{Location: "loc-1"}, []string{"li-1", "ln-1", "ln-3"}},
		"location and kind":     {store.Filter{Kind: lnet, Location: "loc-1"}, []string{"ln-1", "ln-3"}},
		"owner":                 {store.Filter{Owner: &resource.Ref{Kind: net, ID: "n-a1"}}, []string{"ln-1", "ln-2"}},
		"owner of other kind":   {store.Filter{Owner: &resource.Ref{Kind: resource.KindImage, ID: "n-a1"}}, []string{}},
		"phase":                 {store.Filter{Kind: lnet, Phase: resource.PhaseReady}, []string{"ln-1", "ln-3"}},
		"phase default pending": {store.Filter{Kind: net, Phase: resource.PhasePending}, []string{"n-a1", "n-a2", "n-b1"}},
		"nothing matches":       {store.Filter{Kind: net, Tenant: "tenant-z"}, []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			page, err := f.s.List(t.Context(), tc.filter)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if diff := cmp.Diff(tc.want, ids(page)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if page.Total != len(tc.want) {
				t.Errorf("Total = %d, want %d", page.Total, len(tc.want))
			}
		})
	}
}

func testSort(t *testing.T, f *fixture) {
	seedQueryData(t, f)
	net, rule := resource.KindNetwork, resource.KindSecurityGroupRule
	tests := map[string]struct {
		filter store.Filter
		want   []string
	}{
		"default is id":              {store.Filter{Kind: net}, []string{"n-a1", "n-a2", "n-b1"}},
		"default desc":               {store.Filter{Kind: net, Desc: true}, []string{"n-b1", "n-a2", "n-a1"}},
		"name, ties by id":           {store.Filter{Kind: net, Sort: "name"}, []string{"n-a1", "n-b1", "n-a2"}},
		"name desc, ties by id desc": {store.Filter{Kind: net, Sort: "name", Desc: true}, []string{"n-a2", "n-b1", "n-a1"}},
		"tenant_id":                  {store.Filter{Kind: net, Sort: "tenant_id"}, []string{"n-a1", "n-a2", "n-b1"}},
		"created_at":                 {store.Filter{Kind: net, Sort: "created_at"}, []string{"n-b1", "n-a2", "n-a1"}},
		"created_at desc":            {store.Filter{Kind: net, Sort: "created_at", Desc: true}, []string{"n-a1", "n-a2", "n-b1"}},
		"updated_at":                 {store.Filter{Kind: net, Sort: "updated_at"}, []string{"n-a2", "n-a1", "n-b1"}},
		"revision":                   {store.Filter{Kind: net, Sort: "revision"}, []string{"n-a2", "n-a1", "n-b1"}},
		"revision desc":              {store.Filter{Kind: net, Sort: "revision", Desc: true}, []string{"n-b1", "n-a1", "n-a2"}},
		"int spec field":             {store.Filter{Kind: net, Sort: "contrail_id"}, []string{"n-a2", "n-a1", "n-b1"}},
		"string spec field desc":     {store.Filter{Kind: net, Sort: "cidr", Desc: true}, []string{"n-b1", "n-a2", "n-a1"}},
		"bool spec field":            {store.Filter{Kind: resource.KindImage, Sort: "protected"}, []string{"i-2", "i-3", "i-1"}},
		"int field numerically":      {store.Filter{Kind: resource.KindImage, Sort: "min_ram"}, []string{"i-2", "i-3", "i-1"}},
		"nulls first ascending":      {store.Filter{Kind: rule, Sort: "port_range_min"}, []string{"r-2", "r-4", "r-1", "r-3"}},
		"nulls last descending":      {store.Filter{Kind: rule, Sort: "port_range_min", Desc: true}, []string{"r-3", "r-1", "r-4", "r-2"}},
		"location_id":                {store.Filter{Kind: resource.KindLocalNetwork, Sort: "location_id"}, []string{"ln-1", "ln-3", "ln-2"}},
		"filtered and sorted":        {store.Filter{Kind: net, Tenant: tenantA, Sort: "name", Desc: true}, []string{"n-a2", "n-a1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			page, err := f.s.List(t.Context(), tc.filter)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if diff := cmp.Diff(tc.want, ids(page)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func testPagination(t *testing.T, f *fixture) {
	seedQueryData(t, f)
	byName := store.Filter{Kind: resource.KindNetwork, Sort: "name"}
	tests := map[string]struct {
		limit, offset int
		want          []string
	}{
		"first page":      {2, 0, []string{"n-a1", "n-b1"}},
		"second page":     {2, 2, []string{"n-a2"}},
		"past the end":    {2, 5, []string{}},
		"offset only":     {0, 1, []string{"n-b1", "n-a2"}},
		"limit above":     {10, 0, []string{"n-a1", "n-b1", "n-a2"}},
		"no limit":        {0, 0, []string{"n-a1", "n-b1", "n-a2"}},
		"exactly at end":  {1, 3, []string{}},
		"offset past all": {0, 5, []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fl := byName
			fl.Limit, fl.Offset = tc.limit, tc.offset
			page, err := f.s.List(t.Context(), fl)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(page)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if page.Total != 3 {
				t.Errorf("Total = %d, want 3", page.Total)
			}
		})
	}

	// Walking everything one item at a time yields the unpaged list.
	all, err := f.s.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var walked []*resource.Resource
	for off := 0; ; off++ {
		page, err := f.s.List(t.Context(), store.Filter{Limit: 1, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != all.Total {
			t.Fatalf("Total changed while paging: %d vs %d", page.Total, all.Total)
		}
		if len(page.Items) == 0 {
			break
		}
		walked = append(walked, page.Items...)
	}
	if diff := cmp.Diff(all.Items, walked, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("paged walk differs from the full list (-full +walk):\n%s", diff)
	}
	if all.Total != len(all.Items) || all.Total < 10 {
		t.Errorf("unpaged list: %d items, Total %d", len(all.Items), all.Total)
	}
}

func testFilterErrors(t *testing.T, f *fixture) {
	seedQueryData(t, f)
	tests := map[string]struct {
		filter    store.Filter
		wantField string
	}{
		"field without kind": {store.Filter{Fields: map[string]string{"cidr": "x"}}, "cidr"},
		"unknown field":      {store.Filter{Kind: resource.KindNetwork, Fields: map[string]string{"mtu": "1500"}}, "mtu"},
		"metadata as field":  {store.Filter{Kind: resource.KindNetwork, Fields: map[string]string{"name": "alpha"}}, "name"},
		"object field":       {store.Filter{Kind: resource.KindNetworkPolicy, Fields: map[string]string{"entries": "[]"}}, "entries"},
		"int not a number":   {store.Filter{Kind: resource.KindNetwork, Fields: map[string]string{"contrail_id": "five"}}, "contrail_id"},
		"int with fraction":  {store.Filter{Kind: resource.KindNetwork, Fields: map[string]string{"contrail_id": "5.5"}}, "contrail_id"},
		"bool not a bool":    {store.Filter{Kind: resource.KindImage, Fields: map[string]string{"protected": "maybe"}}, "protected"},
		"negative limit":     {store.Filter{Limit: -1}, "limit"},
		"negative offset":    {store.Filter{Offset: -1}, "offset"},
		"unknown kind":       {store.Filter{Kind: "gizmo"}, "kind"},
		"unknown sort key":   {store.Filter{Kind: resource.KindNetwork, Sort: "mtu"}, "sort_key"},
		"sort without kind":  {store.Filter{Sort: "cidr"}, "sort_key"},
		"sort on object":     {store.Filter{Kind: resource.KindHeatInstance, Sort: "parameters"}, "sort_key"},
		"bad phase":          {store.Filter{Phase: "Done"}, "status"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.List(t.Context(), tc.filter)
			wantCode(t, "List", err, resource.Invalid)
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("error %q names %q, want %q", err, got, tc.wantField)
			}
		})
	}
}
