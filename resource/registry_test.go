package resource_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orca-nfv/orca/resource"
)

// TestBuiltinSpellings pins every built-in kind's wire spellings to seed 000,
// irregular ones included.
func TestBuiltinSpellings(t *testing.T) {
	type spelling struct {
		Singular, Plural, Path string
		Aliases                []string // accepted alternatives (wrappers and paths)
		Scope                  resource.Scope
		Parent                 resource.Kind
		ParentField            string
		Local                  resource.Kind
	}
	tenant := resource.ScopeTenant
	want := map[resource.Kind]spelling{
		"location":                 {"location", "locations", "/v1.0/locations", nil, resource.ScopeShared, "", "", ""},
		"credential":               {"credential", "credentials", "/v1.0/admin/credentials", nil, resource.ScopeAdmin, "", "", ""},
		"tenant":                   {"tenant", "tenants", "/v1.0/admin/tenants", nil, resource.ScopeAdmin, "", "", ""},
		"setting":                  {"setting", "settings", "/v1.0/admin/settings", nil, resource.ScopeAdmin, "", "", ""},
		"webhook":                  {"webhook", "webhooks", "/v1.0/webhooks", nil, resource.ScopeAdmin, "", "", ""},
		"watch":                    {"watch", "watches", "/v1.0/watches", nil, resource.ScopeAdmin, "", "", ""},
		"id_pool":                  {"id_pool", "id_pools", "/v1.0/admin/id_pools", nil, resource.ScopeAdmin, "", "", ""},
		"lease":                    {"lease", "leases", "/v1.0/admin/leases", nil, resource.ScopeAdmin, "", "", ""},
		"route_target_association": {"route_target_association", "route_target_associations", "/v1.0/admin/route_target_associations", nil, resource.ScopeAdmin, "", "", ""},
		"event":                    {"event", "events", "/v1.0/events", nil, resource.ScopeAdmin, "", "", ""},
		"action":                   {"action", "actions", "/v1.0/actions", nil, resource.ScopeAdmin, "", "", ""},
		"id_allocation":            {"id_allocation", "id_allocations", "/v1.0/admin/id_allocations", nil, resource.ScopeAdmin, "", "", ""},
		"heat_template":            {"heat_template", "heat_templates", "/v1.0/tenant/heat_templates", nil, tenant, "", "", ""},
		"heat_instance":            {"heat_instance", "heat_instances", "/v1.0/tenant/heat_instances", nil, tenant, "", "", "local_heat_instance"},
		"local_heat_instance":      {"local_heat_instance", "local_heat_instances", "/v1.0/tenant/local_heat_instances", nil, tenant, "heat_instance", "heat_instance_id", ""},
		"image":                    {"image", "images", "/v1.0/tenant/images", nil, tenant, "", "", "local_image"},
		"local_image":              {"local_image", "local_images", "/v1.0/tenant/local_images", nil, tenant, "image", "image_id", ""},
		"flavor":                   {"flavor", "flavors", "/v1.0/tenant/flavors", nil, tenant, "", "", "local_flavor"},
		"local_flavor":             {"local_flavor", "local_flavors", "/v1.0/tenant/local_flavors", nil, tenant, "flavor", "flavor_id", ""},
		"service_template":         {"service_template", "service_templates", "/v1.0/tenant/service_templates", nil, tenant, "", "", "local_service_template"},
		"local_service_template":   {"local_service_template", "local_service_templates", "/v1.0/tenant/local_service_templates", nil, tenant, "service_template", "service_template_id", ""},
		"service_instance": {"service_instances", "service_instances", "/v1.0/tenant/service_instances",
			[]string{"service_instance"}, tenant, "", "", "local_service_instance"},
		"local_service_instance": {"local_service_instance", "local_service_instance", "/v1.0/tenant/local_service_instance",
			[]string{"local_service_instances", "/v1.0/tenant/local_service_instances"}, tenant, "service_instance", "service_instance_id", ""},
		"security_group":       {"security_group", "security_groups", "/v1.0/tenant/security_groups", nil, tenant, "", "", "local_security_group"},
		"security_group_rule":  {"security_group_rule", "security_group_rules", "/v1.0/tenant/security_group_rules", nil, tenant, "security_group", "security_group_id", ""},
		"local_security_group": {"local_security_group", "local_security_groups", "/v1.0/tenant/local_security_groups", nil, tenant, "security_group", "security_group_id", ""},
		"network":              {"network", "networks", "/v1.0/tenant/networks", nil, tenant, "", "", "local_network"},
		"local_network":        {"local_network", "local_networks", "/v1.0/tenant/local_networks", nil, tenant, "network", "network_id", ""},
		"network_policy":       {"network_policy", "network_policies", "/v1.0/tenant/network_policies", nil, tenant, "", "", "local_network_policy"},
		"local_network_policy": {"local_network_policy", "local_network_policies", "/v1.0/tenant/local_network_policies", nil, tenant, "network_policy", "network_policy_id", ""},
		"server":               {"server", "servers", "/v1.0/servers", []string{"/v1.0/tenant/servers"}, tenant, "", "", "local_server"},
		"server_group":         {"server_group", "server_groups", "/v1.0/tenant/server_groups", nil, tenant, "", "", "local_server_group"},
		"local_server_group":   {"local_server_group", "local_server_groups", "/v1.0/tenant/local_server_groups", nil, tenant, "server_group", "server_group_id", ""},
		"local_server":         {"local_server", "local_servers", "/v1.0/local_servers", []string{"/v1.0/tenant/local_servers"}, tenant, "server", "server_id", ""},
		"baremetal_instance":   {"baremetal_instance", "baremetal_instances", "/v1.0/tenant/baremetal_instances", nil, tenant, "", "", "local_baremetal_instance"},
		"local_baremetal_instance": {"local_baremetal_instance", "local_baremetal_instances", "/v1.0/tenant/local_baremetal_instances", nil, tenant,
			"baremetal_instance", "baremetal_instance_id", ""},
		"volume":       {"volume", "volumes", "/v1.0/tenant/volumes", nil, tenant, "", "", "local_volume"},
		"local_volume": {"local_volume", "local_volumes", "/v1.0/tenant/local_volumes", nil, tenant, "volume", "volume_id", ""},
		"subnet":       {"subnet", "subnets", "/v1.0/tenant/subnets", nil, tenant, "", "", "local_subnet"},
		"local_subnet": {"local_subnet", "local_subnets", "/v1.0/tenant/local_subnets", nil, tenant, "subnet", "subnet_id", ""},
		"deployment":   {"deployment", "deployments", "/v1.0/tenant/deployments", nil, tenant, "", "", ""},
	}
	reg := resource.NewBuiltinRegistry()
	got := map[resource.Kind]spelling{}
	for _, k := range reg.Kinds() {
		info, _ := reg.Info(k)
		var aliases []string
		aliases = append(aliases, info.SingularAliases...)
		aliases = append(aliases, info.PluralAliases...)
		aliases = append(aliases, info.PathAliases...)
		got[k] = spelling{info.Singular, info.Plural, info.Path, aliases, info.Scope, info.Parent, info.ParentField, info.Local}
		for _, p := range append([]string{info.Path}, info.PathAliases...) {
			if pk, ok := reg.KindForPath(p); !ok || pk != k {
				t.Errorf("KindForPath(%q) = %q, %v; want %q", p, pk, ok, k)
			}
		}
		if info.Located != (info.Parent != "" && k != resource.KindSecurityGroupRule) {
			t.Errorf("%s: Located = %v", k, info.Located)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spellings (-want +got):\n%s", diff)
	}
	if _, ok := reg.KindForPath("/v1.0/tenant/nope"); ok {
		t.Error("KindForPath of an unknown path succeeded")
	}
}

func TestFieldsFromTags(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	info, _ := reg.Info(resource.KindServer)
	want := []resource.Field{
		{Name: "description", Type: resource.FieldString, Mutability: resource.Mutable},
		{Name: "image_id", Type: resource.FieldString, Ref: resource.KindImage, Mutability: resource.Replace},
		{Name: "network_id", Type: resource.FieldString, Ref: resource.KindNetwork, Mutability: resource.Replace},
		{Name: "nics", Type: resource.FieldObject, Mutability: resource.Replace},
		{Name: "security_group_id", Type: resource.FieldString, Ref: resource.KindSecurityGroup, Mutability: resource.Mutable},
		{Name: "flavor_id", Type: resource.FieldString, Ref: resource.KindFlavor, Mutability: resource.Replace},
		{Name: "server_group_id", Type: resource.FieldString, Ref: resource.KindServerGroup, Mutability: resource.Replace, Indexed: true},
		{Name: "user_data", Type: resource.FieldString, Mutability: resource.Replace, Secret: true},
		{Name: "config_files", Type: resource.FieldObject, Mutability: resource.Replace, Secret: true},
		{Name: "availability_zone", Type: resource.FieldString, Mutability: resource.Replace},
		{Name: "volume_ids", Type: resource.FieldObject, Mutability: resource.Replace},
	}
	if diff := cmp.Diff(want, info.Fields, cmpopts.IgnoreUnexported(resource.Field{})); diff != "" {
		t.Errorf("server fields (-want +got):\n%s", diff)
	}
	for name, wantType := range map[string]resource.FieldType{
		"port_range_min": resource.FieldInt, "protocol": resource.FieldString,
	} {
		f, ok := reg.Field(resource.KindSecurityGroupRule, name)
		if !ok || f.Type != wantType || f.Mutability != resource.Replace {
			t.Errorf("Field(rule, %s) = %+v, %v", name, f, ok)
		}
	}
	if f, _ := reg.Field(resource.KindNetworkPolicy, "entries"); f.Type != resource.FieldObject || f.Type.Scalar() {
		t.Errorf("entries: %v, want a non-scalar object", f.Type)
	}
	if f, _ := reg.Field(resource.KindImage, "protected"); f.Type != resource.FieldBool {
		t.Errorf("protected: %v", f.Type)
	}
	if f, _ := reg.Field(resource.KindCredential, "sealed"); !f.Secret || f.Mutability != resource.Mutable {
		t.Errorf("credential.sealed: %+v, want a mutable secret", f)
	}
	idx := reg.IndexedFields()
	if f := idx[resource.KindEvent]; len(f) != 1 || f[0].Name != "subject_id" || len(idx) != 7 {
		t.Errorf("indexed fields: %+v", idx)
	}
	if f := idx[resource.KindWebhook]; len(f) != 1 || f[0].Name != "stream" {
		t.Errorf("webhook's indexed fields: %+v, want stream (deliveries wait on their stream)", f)
	}
	if f := idx[resource.KindServer]; len(f) != 1 || f[0].Name != "server_group_id" {
		t.Errorf("server's indexed fields: %+v, want server_group_id (a group's members are listed by it)", f)
	}
	if _, ok := reg.Field(resource.KindServer, "name"); ok {
		t.Error("name is metadata, not a spec field")
	}
}

func TestInfoIsACopy(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	info, _ := reg.Info(resource.KindServer)
	info.PathAliases[0] = "/mutated"
	info.Fields[0].Name = "mutated"
	again, _ := reg.Info(resource.KindServer)
	if again.PathAliases[0] != "/v1.0/tenant/servers" || again.Fields[0].Name != "description" {
		t.Errorf("Info shares state with the registry: %v %v", again.PathAliases, again.Fields[0].Name)
	}
}

// Spec types for embedder-kind tests.
type widget struct {
	Common
	Size   int64    `json:"size" orca:"mutable"`
	Gadget string   `json:"gadget_id" orca:"ref=gadget"`
	Ratio  *float64 `json:"ratio"`
	Tags   []string `json:"tags" orca:"replace"`
	hidden int
	Skip   string `json:"-"`
}

type Common struct {
	Description string `json:"description" orca:"mutable"`
}

func (w *widget) Validate() error {
	if w.Size < 0 {
		return resource.InvalidField("size", "negative")
	}
	return nil
}
func (w *widget) Dependencies() []resource.Ref {
	if w.Gadget == "" {
		return nil
	}
	return []resource.Ref{{Kind: "gadget", ID: w.Gadget}}
}

type badTag struct {
	X string `json:"x" orca:"frozen"`
}

func (*badTag) Validate() error              { return nil }
func (*badTag) Dependencies() []resource.Ref { return nil }

type refOnInt struct {
	X int `json:"x" orca:"ref=network"`
}

func (*refOnInt) Validate() error              { return nil }
func (*refOnInt) Dependencies() []resource.Ref { return nil }

type indexObject struct {
	X map[string]any `json:"x" orca:"index"`
}

func (*indexObject) Validate() error              { return nil }
func (*indexObject) Dependencies() []resource.Ref { return nil }

type shadow struct {
	Name string `json:"name"`
}

func (*shadow) Validate() error              { return nil }
func (*shadow) Dependencies() []resource.Ref { return nil }

func widgetInfo() resource.KindInfo {
	return resource.KindInfo{
		Kind: "widget", Singular: "widget", Plural: "widgets", Path: "/v1.0/tenant/widgets",
		New: func() resource.Spec { return new(widget) },
	}
}

func TestRegisterEmbedderKind(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	if err := reg.Register(widgetInfo()); err != nil {
		t.Fatalf("Register: %v", err)
	}
	info, ok := reg.Info("widget")
	if !ok {
		t.Fatal("widget not registered")
	}
	want := []resource.Field{
		{Name: "description", Type: resource.FieldString, Mutability: resource.Mutable},
		{Name: "size", Type: resource.FieldInt, Mutability: resource.Mutable},
		{Name: "gadget_id", Type: resource.FieldString, Ref: "gadget"},
		{Name: "ratio", Type: resource.FieldFloat},
		{Name: "tags", Type: resource.FieldObject, Mutability: resource.Replace},
	}
	if diff := cmp.Diff(want, info.Fields, cmpopts.IgnoreUnexported(resource.Field{})); diff != "" {
		t.Errorf("widget fields (-want +got):\n%s", diff)
	}
	res := &resource.Resource{Ref: resource.Ref{Kind: "widget", ID: "w1"}, Tenant: "t", Spec: &widget{Size: -1}}
	if _, err := reg.Encode(res); resource.FieldOf(err) != "size" {
		t.Errorf("Encode of an invalid widget = %v, want Invalid on size", err)
	}
	res.Spec = &widget{Size: 1, Gadget: "g1"}
	if _, err := reg.Encode(res); err == nil || !strings.Contains(err.Error(), `unknown kind "gadget"`) {
		t.Errorf("Encode of a widget naming an unregistered kind = %v", err)
	}
	if k, _ := reg.KindForPath("/v1.0/tenant/widgets"); k != "widget" {
		t.Errorf("KindForPath = %q", k)
	}
}

func TestRegisterErrors(t *testing.T) {
	tests := map[string]struct {
		edit    func(*resource.KindInfo)
		wantMsg string
	}{
		"duplicate kind":        {func(k *resource.KindInfo) { k.Kind = "network"; k.Path = "/x" }, "already registered"},
		"duplicate path":        {func(k *resource.KindInfo) { k.Path = "/v1.0/tenant/networks" }, "already serves kind network"},
		"duplicate alias path":  {func(k *resource.KindInfo) { k.PathAliases = []string{"/v1.0/tenant/servers"} }, "already serves kind server"},
		"bad kind name":         {func(k *resource.KindInfo) { k.Kind = "Widget" }, "snake_case"},
		"nil New":               {func(k *resource.KindInfo) { k.New = nil }, "New is nil"},
		"New returns nil":       {func(k *resource.KindInfo) { k.New = func() resource.Spec { return nil } }, "returned nil"},
		"no wrappers":           {func(k *resource.KindInfo) { k.Plural = "" }, "Singular and Plural"},
		"parent without field":  {func(k *resource.KindInfo) { k.Parent = "network" }, "go together"},
		"located without owner": {func(k *resource.KindInfo) { k.Located = true }, "needs a Parent"},
		"path trailing slash":   {func(k *resource.KindInfo) { k.Path = "/v1.0/widgets/" }, "must start and not end with /"},
		"unknown tag option":    {func(k *resource.KindInfo) { k.New = func() resource.Spec { return new(badTag) } }, `unknown orca tag option "frozen"`},
		"ref on int":            {func(k *resource.KindInfo) { k.New = func() resource.Spec { return new(refOnInt) } }, "needs a string field"},
		"index on an object":    {func(k *resource.KindInfo) { k.New = func() resource.Spec { return new(indexObject) } }, "index needs a string"},
		"shadows metadata":      {func(k *resource.KindInfo) { k.New = func() resource.Spec { return new(shadow) } }, `"name" shadows a metadata field`},
		"shadows parent field": {func(k *resource.KindInfo) {
			k.Parent, k.ParentField = "network", "gadget_id"
		}, `"gadget_id" shadows`},
		"local mismatch": {func(k *resource.KindInfo) {
			k.Parent, k.ParentField, k.Located = "network", "network_id", true
		}, "names \"local_network\" as its local kind"},
		"global names foreign local": {func(k *resource.KindInfo) { k.Local = "local_image" }, "must be Located with Parent widget"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			reg := resource.NewBuiltinRegistry()
			info := widgetInfo()
			tc.edit(&info)
			err := reg.Register(info)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("Register() = %v, want an error containing %q", err, tc.wantMsg)
			}
			if info.Kind != "network" {
				if _, ok := reg.Info(info.Kind); ok {
					t.Errorf("kind %s registered despite the error", info.Kind)
				}
			}
		})
	}
}

type unmarshalable struct{}

func (unmarshalable) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

func TestEncodeMetadata(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	net := func() *resource.Resource {
		return &resource.Resource{
			Ref: resource.Ref{Kind: resource.KindNetwork, ID: "n1"}, Tenant: "t1",
			Spec: &resource.Network{CIDR: "10.0.0.0/8"},
		}
	}
	lnet := func() *resource.Resource {
		return &resource.Resource{
			Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln1"}, Tenant: "t1", Location: "l1",
			Owner: &resource.Ref{Kind: resource.KindNetwork, ID: "n1"}, Spec: &resource.LocalNetwork{},
		}
	}
	tests := map[string]struct {
		res       *resource.Resource
		edit      func(*resource.Resource)
		wantField string
	}{
		"ok":                 {res: net(), edit: func(*resource.Resource) {}},
		"ok local":           {res: lnet(), edit: func(*resource.Resource) {}},
		"unknown kind":       {res: net(), edit: func(r *resource.Resource) { r.Kind = "gizmo" }, wantField: "kind"},
		"empty id":           {res: net(), edit: func(r *resource.Resource) { r.ID = "" }, wantField: "id"},
		"slash in id":        {res: net(), edit: func(r *resource.Resource) { r.ID = "a/b" }, wantField: "id"},
		"missing tenant":     {res: net(), edit: func(r *resource.Resource) { r.Tenant = "" }, wantField: "tenant_id"},
		"bad tenant":         {res: net(), edit: func(r *resource.Resource) { r.Tenant = "t 1" }, wantField: "tenant_id"},
		"long name":          {res: net(), edit: func(r *resource.Resource) { r.Name = strings.Repeat("n", 256) }, wantField: "name"},
		"location on global": {res: net(), edit: func(r *resource.Resource) { r.Location = "l1" }, wantField: "location_id"},
		"owner on global":    {res: net(), edit: func(r *resource.Resource) { r.Owner = &resource.Ref{Kind: "network", ID: "x"} }, wantField: "owner"},
		"no location":        {res: lnet(), edit: func(r *resource.Resource) { r.Location = "" }, wantField: "location_id"},
		"no owner":           {res: lnet(), edit: func(r *resource.Resource) { r.Owner = nil }, wantField: "network_id"},
		"owner wrong kind":   {res: lnet(), edit: func(r *resource.Resource) { r.Owner.Kind = resource.KindImage }, wantField: "network_id"},
		"owner bad id":       {res: lnet(), edit: func(r *resource.Resource) { r.Owner.ID = "" }, wantField: "network_id"},
		"bad label key":      {res: net(), edit: func(r *resource.Resource) { r.Labels = map[string]string{"-x": "v"} }, wantField: "labels"},
		"bad label value":    {res: net(), edit: func(r *resource.Resource) { r.Labels = map[string]string{"x": "\x01"} }, wantField: "labels.x"},
		"too many labels": {res: net(), edit: func(r *resource.Resource) {
			r.Labels = map[string]string{}
			for i := range resource.MaxLabels + 1 {
				r.Labels[fmt.Sprintf("k%d", i)] = "v"
			}
		}, wantField: "labels"},
		"bad phase": {res: net(), edit: func(r *resource.Resource) { r.Status.Phase = "Done" }, wantField: "status.phase"},
		"placement ok": {res: net(), edit: func(r *resource.Resource) {
			r.Placement = &resource.Placement{Locations: []string{"l1"}, Selector: map[string]string{"tier": "edge"}}
		}},
		"placement on a local": {res: lnet(), edit: func(r *resource.Resource) {
			r.Placement = &resource.Placement{Locations: []string{"l1"}}
		}, wantField: "placement"},
		"empty placement":        {res: net(), edit: func(r *resource.Resource) { r.Placement = &resource.Placement{} }, wantField: "placement"},
		"bad placement location": {res: net(), edit: func(r *resource.Resource) { r.Placement = &resource.Placement{Locations: []string{"a b"}} }, wantField: "placement.locations"},
		"bad placement selector": {res: net(), edit: func(r *resource.Resource) { r.Placement = &resource.Placement{Selector: map[string]string{"-": "x"}} }, wantField: "placement.selector"},
		"nil spec":               {res: net(), edit: func(r *resource.Resource) { r.Spec = nil }, wantField: "spec"},
		"typed nil spec":         {res: net(), edit: func(r *resource.Resource) { r.Spec = (*resource.Network)(nil) }, wantField: "spec"},
		"wrong type":             {res: net(), edit: func(r *resource.Resource) { r.Spec = &resource.Image{} }, wantField: "spec"},
		"spec NaN": {res: net(), edit: func(r *resource.Resource) {
			r.Kind, r.Spec = resource.KindHeatInstance, &resource.HeatInstance{HeatTemplateID: "t", Parameters: map[string]any{"x": math.NaN()}}
		}, wantField: "spec"},
		"invalid spec": {res: net(), edit: func(r *resource.Resource) { r.Spec = &resource.Network{CIDR: "bad"} }, wantField: "cidr"},
		"bad output":   {res: net(), edit: func(r *resource.Resource) { r.Status.Output = map[string]any{"x": unmarshalable{}} }, wantField: "status.output"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.edit(tc.res)
			_, err := reg.Encode(tc.res)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Encode() = %v", err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) || resource.FieldOf(err) != tc.wantField {
				t.Fatalf("Encode() = %v (field %q), want Invalid on %q", err, resource.FieldOf(err), tc.wantField)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	spec := &resource.Server{ImageID: "img", NetworkID: "net", FlavorID: "fl", SecurityGroupID: "img"}
	enc, err := reg.Encode(&resource.Resource{Ref: resource.Ref{Kind: resource.KindServer, ID: "s1"}, Tenant: "t", Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	wantRefs := []resource.Ref{{Kind: "flavor", ID: "fl"}, {Kind: "image", ID: "img"}, {Kind: "network", ID: "net"}, {Kind: "security_group", ID: "img"}}
	if diff := cmp.Diff(wantRefs, enc.Refs); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	if got, want := string(enc.Status), `{"phase":"Pending"}`; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}

	local := &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindLocalServer, ID: "ls1"}, Tenant: "t", Location: "loc",
		Owner: &resource.Ref{Kind: resource.KindServer, ID: "s1"}, Spec: &resource.LocalServer{},
	}
	enc, err = reg.Encode(local)
	if err != nil {
		t.Fatal(err)
	}
	wantRefs = []resource.Ref{{Kind: "location", ID: "loc"}, {Kind: "server", ID: "s1"}}
	if diff := cmp.Diff(wantRefs, enc.Refs); diff != "" {
		t.Errorf("local refs (-want +got):\n%s", diff)
	}

	img := &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}
	if _, err := reg.Encode(&resource.Resource{Ref: resource.Ref{Kind: resource.KindImage, ID: "i"}, Tenant: "t", Spec: img}); err != nil {
		t.Fatal(err)
	}
	if img.Visibility != "" {
		t.Errorf("Encode modified the caller's spec: visibility = %q", img.Visibility)
	}
}

func TestCheckUpdate(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	tests := map[string]struct {
		kind        resource.Kind
		old, new    resource.Spec
		wantReplace []string
		wantInvalid []string // fields the error must name
	}{
		"mutable only": {
			kind: resource.KindNetwork,
			old:  &resource.Network{CIDR: "10.0.0.0/8", Description: "a"},
			new:  &resource.Network{CIDR: "10.0.0.0/8", Description: "b"},
		},
		"immutable image formats": {
			kind:        resource.KindImage,
			old:         &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"},
			new:         &resource.Image{DiskFormat: "qcow2", ContainerFormat: "ovf"},
			wantInvalid: []string{"disk_format", "container_format"},
		},
		"network readdress in place": {
			kind: resource.KindNetwork,
			old:  &resource.Network{CIDR: "10.0.0.0/8"},
			new:  &resource.Network{CIDR: "11.0.0.0/8", LocalPrefixLen: 16},
		},
		"network contrail_id replaces": {
			kind:        resource.KindNetwork,
			old:         &resource.Network{ContrailID: 5},
			new:         &resource.Network{ContrailID: 6},
			wantReplace: []string{"contrail_id"},
		},
		"replace flavor size": {
			kind:        resource.KindFlavor,
			old:         &resource.Flavor{RAM: 1, VCPUs: 1, Description: "x"},
			new:         &resource.Flavor{RAM: 2, VCPUs: 1, Disk: 5, Description: "y"},
			wantReplace: []string{"ram", "disk"},
		},
		"defaults are not changes": {
			kind: resource.KindImage,
			old:  &resource.Image{Visibility: "public", DiskFormat: "raw", ContainerFormat: "bare"},
			new:  &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"},
		},
		"nil and empty map agree": {
			kind: resource.KindHeatInstance,
			old:  &resource.HeatInstance{HeatTemplateID: "t"},
			new:  &resource.HeatInstance{HeatTemplateID: "t", Parameters: map[string]any{}},
			// Parameters is mutable anyway; the point is no panic and no replace.
		},
		"immutable wins over replace": {
			kind:        resource.KindServer,
			old:         &resource.Server{ImageID: "a", NetworkID: "n", FlavorID: "f"},
			new:         &resource.Server{ImageID: "b", NetworkID: "n", FlavorID: "f"},
			wantReplace: []string{"image_id"},
		},
		"policy networks replace": {
			kind:        resource.KindNetworkPolicy,
			old:         &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b"},
			new:         &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "c", Entries: []resource.PolicyEntry{{}}},
			wantReplace: []string{"dest_network_id"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			replace, err := reg.CheckUpdate(tc.kind, tc.old, tc.new)
			if len(tc.wantInvalid) > 0 {
				if !errors.Is(err, resource.ErrInvalid) {
					t.Fatalf("CheckUpdate() = %v, want Invalid", err)
				}
				for _, f := range tc.wantInvalid {
					if !strings.Contains(err.Error(), f+": cannot be changed") {
						t.Errorf("error %q does not name %s", err, f)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckUpdate() = %v", err)
			}
			if diff := cmp.Diff(tc.wantReplace, replace); diff != "" {
				t.Errorf("replace (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := reg.CheckUpdate(resource.KindNetwork, &resource.Network{}, &resource.Image{}); !errors.Is(err, resource.ErrInvalid) {
		t.Errorf("CheckUpdate with mismatched types = %v, want Invalid", err)
	}
}

func TestDecodeSpec(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	strict := &resource.DecodeOptions{Strict: true}
	tests := map[string]struct {
		kind      resource.Kind
		body      string
		opts      *resource.DecodeOptions
		want      resource.Spec
		wantField string // "" with want nil: Invalid without a field
	}{
		"ok":               {kind: "network", body: `{"cidr":"10.0.0.0/8","local_prefix_len":24}`, opts: strict, want: &resource.Network{CIDR: "10.0.0.0/8", LocalPrefixLen: 24}},
		"unknown strict":   {kind: "network", body: `{"cidr":"10.0.0.0/8","mtu":9000}`, opts: strict, wantField: "mtu"},
		"unknown lenient":  {kind: "network", body: `{"cidr":"10.0.0.0/8","mtu":9000}`, want: &resource.Network{CIDR: "10.0.0.0/8"}},
		"wrong type":       {kind: "network", body: `{"cidr":42}`, opts: strict, wantField: "cidr"},
		"float for int":    {kind: "flavor", body: `{"ram":1.5}`, opts: strict, wantField: "ram"},
		"nested wrong":     {kind: "network_policy", body: `{"entries":[{"src_ports":{"start_port":"x"}}]}`, opts: strict, wantField: "entries.src_ports.start_port"},
		"trailing strict":  {kind: "network", body: `{"cidr":"10.0.0.0/8"} {}`, opts: strict},
		"trailing lenient": {kind: "network", body: `{"cidr":"10.0.0.0/8"} {}`, want: &resource.Network{CIDR: "10.0.0.0/8"}},
		"malformed":        {kind: "network", body: `{"cidr":`, opts: strict},
		"syntax":           {kind: "network", body: `{"cidr" "x"}`, opts: strict},
		"not an object":    {kind: "network", body: `[1,2]`, opts: strict},
		"empty":            {kind: "network", body: ``, opts: strict},
		"unknown kind":     {kind: "gizmo", body: `{}`, wantField: "kind"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := reg.DecodeSpec(tc.kind, []byte(tc.body), tc.opts)
			if tc.want != nil {
				if err != nil {
					t.Fatalf("DecodeSpec() = %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("spec (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("DecodeSpec() = %v, want Invalid", err)
			}
			if f := resource.FieldOf(err); f != tc.wantField {
				t.Errorf("field = %q, want %q (err %v)", f, tc.wantField, err)
			}
		})
	}
}

func TestRefField(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	srv := &resource.Resource{Ref: resource.Ref{Kind: resource.KindServer, ID: "s"}, Spec: &resource.Server{ImageID: "i", NetworkID: "n", FlavorID: "f"}}
	local := &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindLocalServer, ID: "ls"}, Location: "l",
		Owner: &resource.Ref{Kind: resource.KindServer, ID: "s"}, Spec: &resource.LocalServer{},
	}
	tests := map[string]struct {
		res  *resource.Resource
		ref  resource.Ref
		want string
	}{
		"spec field":   {srv, resource.Ref{Kind: resource.KindNetwork, ID: "n"}, "network_id"},
		"wrong kind":   {srv, resource.Ref{Kind: resource.KindImage, ID: "n"}, ""},
		"owner":        {local, resource.Ref{Kind: resource.KindServer, ID: "s"}, "server_id"},
		"location":     {local, resource.Ref{Kind: resource.KindLocation, ID: "l"}, "location_id"},
		"not referred": {local, resource.Ref{Kind: resource.KindLocation, ID: "x"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := reg.RefField(tc.res, tc.ref); got != tc.want {
				t.Errorf("RefField() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlacementMatches(t *testing.T) {
	loc := &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: "l1"}, Labels: map[string]string{"tier": "edge", "zone": "west"}}
	tests := map[string]struct {
		p    *resource.Placement
		want bool
	}{
		"nil is everywhere":     {nil, true},
		"listed":                {&resource.Placement{Locations: []string{"l0", "l1"}}, true},
		"not listed":            {&resource.Placement{Locations: []string{"l2"}}, false},
		"selector matches":      {&resource.Placement{Selector: map[string]string{"tier": "edge"}}, true},
		"selector needs all":    {&resource.Placement{Selector: map[string]string{"tier": "edge", "zone": "east"}}, false},
		"selector missing key":  {&resource.Placement{Selector: map[string]string{"rack": "1"}}, false},
		"listed or selected":    {&resource.Placement{Locations: []string{"l9"}, Selector: map[string]string{"zone": "west"}}, true},
		"empty selects nothing": {&resource.Placement{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.p.Matches(loc); got != tc.want {
				t.Errorf("Matches() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsMetaField(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	local, _ := reg.Info(resource.KindLocalNetwork)
	global, _ := reg.Info(resource.KindNetwork)
	for name, want := range map[string]bool{"id": true, "name": true, "tenant_id": true, "location_id": true, "status": true, "network_id": true, "cidr": false} {
		if got := local.IsMetaField(name); got != want {
			t.Errorf("local_network.IsMetaField(%q) = %v, want %v", name, got, want)
		}
	}
	if global.IsMetaField("status") || global.IsMetaField("location_id") {
		t.Error("status and location_id are not metadata of a global kind")
	}
}
