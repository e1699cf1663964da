package resource_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
)

func i64(v int64) *int64 { return &v }

// TestValidate runs each spec through the registry's normalization (defaults)
// and Validate. wantField is the first field the error must name and
// wantMsg a fragment of its message; both empty means the spec is valid.
func TestValidate(t *testing.T) {
	okImage := func() *resource.Image {
		return &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}
	}
	okRule := func() *resource.SecurityGroupRule { return &resource.SecurityGroupRule{Direction: "ingress"} }
	okMetal := func() *resource.BaremetalInstance {
		return &resource.BaremetalInstance{FlavorID: "f", ImageID: "i", Networks: []resource.NetworkPort{{NetworkID: "n1"}},
			Extra: map[string]string{"rack": "r1"}, UserID: "u1"}
	}
	metal := func(change func(*resource.BaremetalInstance)) *resource.BaremetalInstance {
		m := okMetal()
		change(m)
		return m
	}
	tests := map[string]struct {
		spec      resource.Spec
		wantField string
		wantMsg   string
	}{
		"location/keystone only":          {spec: &resource.Location{KeystoneEndpoint: "https://ks:5000/v3"}},
		"location/fake scheme":            {spec: &resource.Location{KeystoneEndpoint: "fake://site-a"}},
		"location/no endpoint":            {spec: &resource.Location{Region: "r"}, wantField: "keystone_endpoint", wantMsg: "needs keystone_endpoint or contrail_endpoint"},
		"location/relative endpoint":      {spec: &resource.Location{ContrailEndpoint: "contrail:8082"}, wantField: "contrail_endpoint", wantMsg: "absolute URI"},
		"location/credentials in url":     {spec: &resource.Location{KeystoneEndpoint: "https://admin:pw@ks/v3"}, wantField: "keystone_endpoint", wantMsg: "user information"},
		"location/webui not http":         {spec: &resource.Location{KeystoneEndpoint: "https://ks", WebUI: "ftp://x"}, wantField: "webui", wantMsg: "http or https"},
		"location/description control ch": {spec: &resource.Location{KeystoneEndpoint: "https://ks", Description: "a\x00b"}, wantField: "description", wantMsg: "control character"},

		"location/credential":     {spec: &resource.Location{KeystoneEndpoint: "https://ks", CredentialID: "c1"}},
		"location/bad credential": {spec: &resource.Location{KeystoneEndpoint: "https://ks", CredentialID: "c 1"}, wantField: "credential_id"},
		"action/pull":             {spec: &resource.Action{TargetKind: "network", TargetID: "n1", Verb: "pull"}},
		"action/power":            {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "power", Params: map[string]string{"target": "soft_off"}}},
		"action/reboot default":   {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "reboot"}},
		"action/recover default":  {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "recover"}},
		"action/bad verb":         {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "explode"}, wantField: "verb", wantMsg: "pull"},
		"action/power no target":  {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "power"}, wantField: "params.target", wantMsg: "required"},
		"action/bad power":        {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "power", Params: map[string]string{"target": "maybe"}}, wantField: "params.target"},
		"action/unknown param":    {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "pull", Params: map[string]string{"force": "yes"}}, wantField: "params.force"},
		"action/snapshot no name": {spec: &resource.Action{TargetKind: "server", TargetID: "s1", Verb: "snapshot"}, wantField: "params.name"},
		"action/no target":        {spec: &resource.Action{TargetKind: "server", Verb: "pull"}, wantField: "target_id"},
		"credential/ok":           {spec: &resource.Credential{Sealed: []byte{1}}},
		"credential/empty":        {spec: &resource.Credential{}, wantField: "sealed", wantMsg: "required"},
		"credential/huge":         {spec: &resource.Credential{Sealed: make([]byte, resource.MaxSealedLen+1)}, wantField: "sealed"},
		"tenant/ok":               {spec: &resource.Tenant{Description: "x"}},
		"tenant/long desc":        {spec: &resource.Tenant{Description: strings.Repeat("x", resource.MaxDescriptionLen+1)}, wantField: "description", wantMsg: "longer than"},

		"id_pool/ok":             {spec: &resource.IDPool{Start: i64(0), End: i64(0)}},
		"id_pool/missing end":    {spec: &resource.IDPool{Start: i64(1)}, wantField: "end", wantMsg: "required"},
		"id_pool/missing both":   {spec: &resource.IDPool{}, wantField: "start", wantMsg: "required"},
		"id_pool/end below":      {spec: &resource.IDPool{Start: i64(10), End: i64(9)}, wantField: "end", wantMsg: "below start"},
		"id_pool/negative start": {spec: &resource.IDPool{Start: i64(-1), End: i64(9)}, wantField: "start", wantMsg: "negative"},

		"rt/ok":             {spec: &resource.RouteTargetAssociation{NetworkID: "n1", RouteTarget: 5}},
		"rt/allocate":       {spec: &resource.RouteTargetAssociation{NetworkID: "n1"}},
		"rt/no network":     {spec: &resource.RouteTargetAssociation{RouteTarget: 5}, wantField: "network_id", wantMsg: "required"},
		"rt/bad network id": {spec: &resource.RouteTargetAssociation{NetworkID: "../etc"}, wantField: "network_id", wantMsg: "not a valid ID"},
		"rt/too large":      {spec: &resource.RouteTargetAssociation{NetworkID: "n1", RouteTarget: 1 << 32}, wantField: "route_target", wantMsg: "out of range"},

		"heat_template/ok":       {spec: &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31"}},
		"heat_template/cfn":      {spec: &resource.HeatTemplate{Template: `{"AWSTemplateFormatVersion": "2010-09-09"}`}},
		"heat_template/empty":    {spec: &resource.HeatTemplate{Template: "  \n"}, wantField: "template", wantMsg: "required"},
		"heat_template/not heat": {spec: &resource.HeatTemplate{Template: "resources: {}"}, wantField: "template", wantMsg: "heat_template_version"},
		"heat_template/too big":  {spec: &resource.HeatTemplate{Template: "heat_template_version: x\n" + strings.Repeat("#", resource.MaxTemplateLen)}, wantField: "template", wantMsg: "longer than"},

		"heat_instance/ok":          {spec: &resource.HeatInstance{HeatTemplateID: "t1", Parameters: map[string]any{"a": 1.0}}},
		"heat_instance/no template": {spec: &resource.HeatInstance{}, wantField: "heat_template_id", wantMsg: "required"},
		"heat_instance/empty param": {spec: &resource.HeatInstance{HeatTemplateID: "t1", Parameters: map[string]any{"": 1.0}}, wantField: "parameters"},

		"image/ok":                {spec: okImage()},
		"image/bad visibility":    {spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "shared"}, wantField: "visibility", wantMsg: `"shared" is not one of public, private`},
		"image/missing formats":   {spec: &resource.Image{}, wantField: "disk_format", wantMsg: "required"},
		"image/bad container":     {spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "zip"}, wantField: "container_format"},
		"image/negative min_ram":  {spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", MinRAM: -1}, wantField: "min_ram", wantMsg: "out of range"},
		"image/url not http":      {spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", URL: "file:///etc/passwd"}, wantField: "url"},
		"image/url with password": {spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", URL: "https://u:p@h/i"}, wantField: "url"},

		"flavor/ok":         {spec: &resource.Flavor{RAM: 64, VCPUs: 1}},
		"flavor/zero ram":   {spec: &resource.Flavor{VCPUs: 1}, wantField: "ram", wantMsg: "out of range [1,"},
		"flavor/neg swap":   {spec: &resource.Flavor{RAM: 64, VCPUs: 1, Swap: -1}, wantField: "swap"},
		"flavor/huge vcpus": {spec: &resource.Flavor{RAM: 64, VCPUs: 1 << 40}, wantField: "vcpus"},

		"server/ok":            {spec: &resource.Server{ImageID: "i", NetworkID: "n", FlavorID: "f"}},
		"server/missing all":   {spec: &resource.Server{}, wantField: "image_id", wantMsg: "network_id: required"},
		"server/bad sg ref":    {spec: &resource.Server{ImageID: "i", NetworkID: "n", FlavorID: "f", SecurityGroupID: "a b"}, wantField: "security_group_id"},
		"server/in a group":    {spec: &resource.Server{ImageID: "i", NetworkID: "n", FlavorID: "f", ServerGroupID: "g"}},
		"server/bad group ref": {spec: &resource.Server{ImageID: "i", NetworkID: "n", FlavorID: "f", ServerGroupID: "g/1"}, wantField: "server_group_id"},

		"metal/ok":          {spec: okMetal()},
		"metal/port types":  {spec: metal(func(m *resource.BaremetalInstance) { m.Networks[0].PortType = "direct" })},
		"metal/missing all": {spec: &resource.BaremetalInstance{}, wantField: "flavor_id", wantMsg: "networks: required"},
		"metal/no networks": {spec: metal(func(m *resource.BaremetalInstance) { m.Networks = nil }), wantField: "networks", wantMsg: "at least one"},
		"metal/17 networks": {spec: metal(func(m *resource.BaremetalInstance) {
			m.Networks = nil
			for i := range 17 {
				m.Networks = append(m.Networks, resource.NetworkPort{NetworkID: fmt.Sprint("n", i)})
			}
		}), wantField: "networks", wantMsg: "at most 16"},
		"metal/network twice": {spec: metal(func(m *resource.BaremetalInstance) {
			m.Networks = append(m.Networks, resource.NetworkPort{NetworkID: "n1", PortType: "direct"})
		}), wantField: "networks[1].network_id", wantMsg: "named twice"},
		"metal/bad network id":   {spec: metal(func(m *resource.BaremetalInstance) { m.Networks[0].NetworkID = "" }), wantField: "networks[0].network_id", wantMsg: "required"},
		"metal/long port type":   {spec: metal(func(m *resource.BaremetalInstance) { m.Networks[0].PortType = strings.Repeat("p", 256) }), wantField: "networks[0].port_type"},
		"metal/reserved key":     {spec: metal(func(m *resource.BaremetalInstance) { m.Extra["orca_id"] = "x" }), wantField: "extra", wantMsg: "reserved"},
		"metal/empty key":        {spec: metal(func(m *resource.BaremetalInstance) { m.Extra[""] = "x" }), wantField: "extra", wantMsg: "1 to 255"},
		"metal/key nova refuses": {spec: metal(func(m *resource.BaremetalInstance) { m.Extra["a/b"] = "x" }), wantField: "extra", wantMsg: `"a/b"`},
		"metal/long key":         {spec: metal(func(m *resource.BaremetalInstance) { m.Extra[strings.Repeat("k", 256)] = "x" }), wantField: "extra"},
		"metal/longest key":      {spec: metal(func(m *resource.BaremetalInstance) { m.Extra[strings.Repeat("k", 255)] = strings.Repeat("v", 255) })},
		"metal/long value":       {spec: metal(func(m *resource.BaremetalInstance) { m.Extra["k"] = strings.Repeat("é", 128) }), wantField: "extra.k", wantMsg: "longer than 255 bytes"},
		"metal/112 keys": {spec: metal(func(m *resource.BaremetalInstance) {
			for i := range 111 {
				m.Extra[fmt.Sprint("k", i)] = "v"
			}
		})},
		"metal/113 keys": {spec: metal(func(m *resource.BaremetalInstance) {
			for i := range 112 {
				m.Extra[fmt.Sprint("k", i)] = "v"
			}
		}), wantField: "extra", wantMsg: "at most 112"},
		"metal/long user":      {spec: metal(func(m *resource.BaremetalInstance) { m.UserID = strings.Repeat("u", 256) }), wantField: "user_id"},
		"network/ok v4":        {spec: &resource.Network{CIDR: "10.0.0.0/8", LocalPrefixLen: 24}},
		"network/ok v6":        {spec: &resource.Network{CIDR: "fd00::/48", LocalPrefixLen: 64}},
		"network/no cidr":      {spec: &resource.Network{Description: "subnets come later"}},
		"network/len, no cidr": {spec: &resource.Network{LocalPrefixLen: 24}, wantField: "local_prefix_len", wantMsg: "needs a cidr"},
		"network/bad cidr":     {spec: &resource.Network{CIDR: "10.0.0/8"}, wantField: "cidr", wantMsg: "not a valid CIDR"},
		"network/host bits":    {spec: &resource.Network{CIDR: "10.0.0.1/8"}, wantField: "cidr", wantMsg: `did you mean "10.0.0.0/8"`},
		"network/prefix short": {spec: &resource.Network{CIDR: "10.0.0.0/16", LocalPrefixLen: 8}, wantField: "local_prefix_len", wantMsg: "out of range [16, 30]"},
		"network/prefix long":  {spec: &resource.Network{CIDR: "10.0.0.0/16", LocalPrefixLen: 31}, wantField: "local_prefix_len"},
		"network/prefix v6":    {spec: &resource.Network{CIDR: "fd00::/48", LocalPrefixLen: 127}, wantField: "local_prefix_len", wantMsg: "[48, 126]"},
		"network/bad cidr+len": {spec: &resource.Network{CIDR: "x", LocalPrefixLen: 200}, wantField: "cidr", wantMsg: "local_prefix_len"},
		"network/contrail id":  {spec: &resource.Network{CIDR: "10.0.0.0/8", ContrailID: -1}, wantField: "contrail_id"},

		"security_group/ok":       {spec: &resource.SecurityGroup{ContrailID: 7}},
		"security_group/negative": {spec: &resource.SecurityGroup{ContrailID: -7}, wantField: "contrail_id"},

		"rule/ok defaults":       {spec: okRule()},
		"rule/tcp range":         {spec: &resource.SecurityGroupRule{Direction: "egress", Protocol: "tcp", PortRangeMin: i64(80), PortRangeMax: i64(443)}},
		"rule/numeric proto":     {spec: &resource.SecurityGroupRule{Direction: "egress", Protocol: "47"}},
		"rule/icmp type":         {spec: &resource.SecurityGroupRule{Direction: "egress", Protocol: "icmp", PortRangeMin: i64(8)}},
		"rule/v6 prefix":         {spec: &resource.SecurityGroupRule{Direction: "egress", EtherType: "IPv6", RemoteIPPrefix: "::/0"}},
		"rule/no direction":      {spec: &resource.SecurityGroupRule{}, wantField: "direction", wantMsg: "required"},
		"rule/bad protocol":      {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "gre6"}, wantField: "protocol"},
		"rule/proto 256":         {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "256"}, wantField: "protocol"},
		"rule/proto leading 0":   {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "06"}, wantField: "protocol"},
		"rule/ports with any":    {spec: &resource.SecurityGroupRule{Direction: "ingress", PortRangeMin: i64(1), PortRangeMax: i64(2)}, wantField: "port_range_min", wantMsg: "ports need protocol"},
		"rule/min above max":     {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "udp", PortRangeMin: i64(90), PortRangeMax: i64(80)}, wantField: "port_range_max", wantMsg: "below port_range_min"},
		"rule/port too big":      {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "tcp", PortRangeMin: i64(1), PortRangeMax: i64(65536)}, wantField: "port_range_max", wantMsg: "out of range [0, 65535]"},
		"rule/only min":          {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "tcp", PortRangeMin: i64(1)}, wantField: "port_range_max", wantMsg: "required when port_range_min"},
		"rule/icmp code 300":     {spec: &resource.SecurityGroupRule{Direction: "ingress", Protocol: "icmp", PortRangeMax: i64(300)}, wantField: "port_range_max"},
		"rule/prefix family":     {spec: &resource.SecurityGroupRule{Direction: "ingress", RemoteIPPrefix: "::/0"}, wantField: "remote_ip_prefix", wantMsg: "does not match ethertype IPv4"},
		"rule/prefix and group":  {spec: &resource.SecurityGroupRule{Direction: "ingress", RemoteIPPrefix: "0.0.0.0/0", RemoteGroupID: "sg"}, wantField: "remote_ip_prefix", wantMsg: "not both"},
		"rule/bad ethertype":     {spec: &resource.SecurityGroupRule{Direction: "ingress", EtherType: "ipv4"}, wantField: "ethertype"},
		"rule/bad remote prefix": {spec: &resource.SecurityGroupRule{Direction: "ingress", RemoteIPPrefix: "1.2.3.4/33"}, wantField: "remote_ip_prefix"},

		"policy/ok":            {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{{}}}},
		"policy/same networks": {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "a"}, wantField: "dest_network_id", wantMsg: "must differ"},
		"policy/missing":       {spec: &resource.NetworkPolicy{}, wantField: "source_network_id"},
		"policy/bad action":    {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{{}, {Action: "drop"}}}, wantField: "entries[1].action"},
		"policy/bad direction": {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{{Direction: "<"}}}, wantField: "entries[0].direction"},
		"policy/sctp":          {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{{Protocol: "sctp"}}}, wantField: "entries[0].protocol"},
		"policy/bad ports": {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{
			{DstPorts: &resource.PortRange{Start: 100, End: 99}}}}, wantField: "entries[0].dst_ports.end_port"},
		"policy/too many": {spec: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: make([]resource.PolicyEntry, resource.MaxPolicyEntries+1)}, wantField: "entries", wantMsg: "more than"},

		"service_template/ok":       {spec: &resource.ServiceTemplate{ImageID: "i", FlavorID: "f", ServiceMode: "transparent"}},
		"service_template/bad mode": {spec: &resource.ServiceTemplate{ImageID: "i", FlavorID: "f", ServiceMode: "routed"}, wantField: "service_mode"},
		"service_template/no image": {spec: &resource.ServiceTemplate{FlavorID: "f", ServiceMode: "transparent"}, wantField: "image_id"},
		"service_instance/ok":       {spec: &resource.ServiceInstance{ServiceTemplateID: "st"}},
		"service_instance/missing":  {spec: &resource.ServiceInstance{}, wantField: "service_template_id"},

		"server_group/ok":            {spec: &resource.ServerGroup{Policy: "anti-affinity"}},
		"server_group/no policy":     {spec: &resource.ServerGroup{}, wantField: "policy", wantMsg: "required"},
		"server_group/bad policy":    {spec: &resource.ServerGroup{Policy: "spread"}, wantField: "policy"},
		"local/ok":                   {spec: &resource.LocalSpec{Description: "d"}},
		"event/ok":                   {spec: &resource.Event{SubjectKind: "network", SubjectID: "n1", To: resource.PhaseReady}},
		"event/bad to":               {spec: &resource.Event{SubjectKind: "network", SubjectID: "n1", To: "Done"}, wantField: "to"},
		"event/no subject":           {spec: &resource.Event{SubjectKind: "network", To: resource.PhaseReady}, wantField: "subject_id"},
		"local_network/ok":           {spec: &resource.LocalNetwork{CIDR: "10.1.0.0/24"}},
		"local_network/empty cidr":   {spec: &resource.LocalNetwork{}},
		"local_network/bad cidr":     {spec: &resource.LocalNetwork{CIDR: "10.1.0.0/33"}, wantField: "cidr"},
		"local_server/ok":            {spec: &resource.LocalServer{InstanceID: "x", ConsoleURL: "https://c/v"}},
		"local_server/bad console":   {spec: &resource.LocalServer{ConsoleURL: "javascript:alert(1)"}, wantField: "console_url"},
		"local_server/long instance": {spec: &resource.LocalServer{InstanceID: strings.Repeat("i", 256)}, wantField: "instance_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d, ok := tc.spec.(resource.Defaulter); ok {
				d.Default()
			}
			err := tc.spec.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error naming %s", tc.wantField)
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("FieldOf(%q) = %q, want %q", err, got, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	tests := map[string]struct {
		kind  resource.Kind
		owner *resource.Ref
		in    resource.Spec
		want  resource.Spec
	}{
		"image visibility": {
			kind: resource.KindImage,
			in:   &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"},
			want: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "public"},
		},
		"image visibility kept": {
			kind: resource.KindImage,
			in:   &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "private"},
			want: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "private"},
		},
		"rule protocol and ethertype": {
			kind:  resource.KindSecurityGroupRule,
			owner: &resource.Ref{Kind: resource.KindSecurityGroup, ID: "sg1"},
			in:    &resource.SecurityGroupRule{Direction: "ingress"},
			want:  &resource.SecurityGroupRule{Direction: "ingress", Protocol: "any", EtherType: "IPv4"},
		},
		"policy entries": {
			kind: resource.KindNetworkPolicy,
			in:   &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{{}, {Action: "deny", Direction: ">", Protocol: "udp"}}},
			want: &resource.NetworkPolicy{SourceNetworkID: "a", DestNetworkID: "b", Entries: []resource.PolicyEntry{
				{Action: "pass", Direction: "<>", Protocol: "any"},
				{Action: "deny", Direction: ">", Protocol: "udp"},
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := &resource.Resource{Ref: resource.Ref{Kind: tc.kind, ID: "x1"}, Tenant: "t", Owner: tc.owner, Spec: tc.in}
			enc, err := reg.Encode(res)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := reg.DecodeSpec(tc.kind, enc.Spec, nil)
			if err != nil {
				t.Fatalf("DecodeSpec: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("stored spec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSamplesCoverEveryKind keeps resourcetest.Samples complete: a new
// built-in kind without a sample fails here, before storetest silently skips
// its round trip.
func TestSamplesCoverEveryKind(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	seen := map[resource.Kind]bool{}
	for _, r := range resourcetest.Samples("s", "tenant-a") {
		seen[r.Kind] = true
		if _, err := reg.Encode(r); err != nil {
			t.Errorf("sample %s does not encode: %v", r.Ref, err)
		}
	}
	for _, k := range reg.Kinds() {
		if !seen[k] {
			t.Errorf("no sample of kind %s", k)
		}
	}
}

// listedRefs names the references held inside object-typed fields, which
// carry no ref tag: the field, the key holding an ID in each of its
// elements ("" when the elements are the IDs), and the kind referred to.
// Dependencies must list these too.
var listedRefs = map[resource.Kind][]struct {
	field, key string
	kind       resource.Kind
}{
	resource.KindBaremetalInstance: {{"networks", "network_id", resource.KindNetwork}},
	resource.KindServer:            {{"volume_ids", "", resource.KindVolume}},
	resource.KindDeployment: {
		{"vm_groups", "image_id", resource.KindImage}, {"vm_groups", "flavor_id", resource.KindFlavor},
		{"vm_groups", "nics[].network_id", resource.KindNetwork},
	},
}

// TestDependenciesMatchRefTags checks that each built-in spec's hand-written
// Dependencies list exactly the IDs held by its ref-tagged fields and by the
// object-typed fields listedRefs names, so the registry's reference metadata
// (used by the HTTP layer) and the store's referential integrity (driven by
// Dependencies) cannot drift apart.
func TestDependenciesMatchRefTags(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	sortRefs := cmpopts.SortSlices(func(a, b resource.Ref) bool { return a.String() < b.String() })
	for _, r := range resourcetest.Samples("s", "tenant-a") {
		info, _ := reg.Info(r.Kind)
		raw, err := json.Marshal(r.Spec)
		if err != nil {
			t.Fatal(err)
		}
		var values map[string]any
		if err := json.Unmarshal(raw, &values); err != nil {
			t.Fatal(err)
		}
		var want []resource.Ref
		for _, f := range info.Fields {
			if id, _ := values[f.Name].(string); f.Ref != "" && id != "" {
				want = append(want, resource.Ref{Kind: f.Ref, ID: id})
			}
		}
		for _, l := range listedRefs[r.Kind] {
			if f, ok := reg.Field(r.Kind, l.field); !ok || f.Type != resource.FieldObject {
				t.Errorf("%s: listedRefs names %q, which is not an object-typed field", r.Kind, l.field)
				continue
			}
			elems, _ := values[l.field].([]any)
			if len(elems) == 0 {
				t.Errorf("%s: the sample holds no %s, so their references go unchecked", r.Kind, l.field)
			}
			for _, e := range elems {
				if l.key == "" {
					if id, _ := e.(string); id != "" {
						want = append(want, resource.Ref{Kind: l.kind, ID: id})
					}
					continue
				}
				// "list[].key" reaches into a list of each element.
				inner, key, nested := strings.Cut(l.key, "[].")
				objs := []any{e}
				if nested {
					objs, _ = e.(map[string]any)[inner].([]any)
				} else {
					key = l.key
				}
				for _, o := range objs {
					if id, _ := o.(map[string]any)[key].(string); id != "" {
						want = append(want, resource.Ref{Kind: l.kind, ID: id})
					}
				}
			}
		}
		if diff := cmp.Diff(want, r.Spec.Dependencies(), sortRefs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: referencing fields vs Dependencies() (-fields +deps):\n%s", r.Kind, diff)
		}
	}
}
