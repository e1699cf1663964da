package resource_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// A server booted as a VNF: several NICs, fixed IPs, day-0 configuration
// and an availability zone.

func vnf(change func(*resource.Server)) *resource.Server {
	s := &resource.Server{ImageID: "i", FlavorID: "f",
		NICs:        []resource.NIC{{NetworkID: "mgmt", FixedIP: "10.0.0.16"}, {NetworkID: "data"}},
		UserData:    "#cloud-config\nhostname: asa\n",
		ConfigFiles: []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname asa\n"}},
	}
	if change != nil {
		change(s)
	}
	return s
}

func TestServerValidate(t *testing.T) {
	tests := map[string]struct {
		spec      *resource.Server
		wantField string
		wantMsg   string
	}{
		"network only":       {spec: &resource.Server{ImageID: "i", FlavorID: "f", NetworkID: "n"}},
		"nics":               {spec: vnf(nil)},
		"nics, same network": {spec: vnf(func(s *resource.Server) { s.NetworkID = "mgmt" })},
		"one network twice":  {spec: vnf(func(s *resource.Server) { s.NICs[1].NetworkID = "mgmt" })},
		"ipv6 fixed ip":      {spec: vnf(func(s *resource.Server) { s.NICs[1].FixedIP = "fd00::16" })},
		"zone":               {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = "nova" })},
		"zone and host":      {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = "MY_CLUSTER1:compute1" })},
		"any zone, one host": {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = ":compute1" })},
		"largest user data":  {spec: vnf(func(s *resource.Server) { s.UserData = strings.Repeat("u", 49149) })},
		"five files":         {spec: vnf(func(s *resource.Server) { s.ConfigFiles = files(5, 10240) })},
		"no network":         {spec: &resource.Server{ImageID: "i", FlavorID: "f"}, wantField: "network_id", wantMsg: "required"},
		"network not the first NIC's": {spec: vnf(func(s *resource.Server) { s.NetworkID = "data" }),
			wantField: "network_id", wantMsg: `"data" is not the first NIC's network "mgmt"`},
		"nic without network": {spec: vnf(func(s *resource.Server) { s.NICs[1].NetworkID = "" }),
			wantField: "nics[1].network_id", wantMsg: "required"},
		"too many nics": {spec: vnf(func(s *resource.Server) {
			for i := range resource.MaxNICs {
				s.NICs = append(s.NICs, resource.NIC{NetworkID: fmt.Sprintf("n%d", i)})
			}
		}), wantField: "nics", wantMsg: "18 NICs; at most 16"},
		"fixed ip not an address": {spec: vnf(func(s *resource.Server) { s.NICs[0].FixedIP = "10.0.0.300" }),
			wantField: "nics[0].fixed_ip", wantMsg: "not an IP address"},
		"fixed ip with a zone": {spec: vnf(func(s *resource.Server) { s.NICs[0].FixedIP = "fe80::1%eth0" }),
			wantField: "nics[0].fixed_ip", wantMsg: "not an IP address"},
		"fixed ip not canonical": {spec: vnf(func(s *resource.Server) { s.NICs[1].FixedIP = "FD00::0016" }),
			wantField: "nics[1].fixed_ip", wantMsg: `write "FD00::0016" as "fd00::16"`},
		"fixed ip unspecified": {spec: vnf(func(s *resource.Server) { s.NICs[1].FixedIP = "0.0.0.0" }),
			wantField: "nics[1].fixed_ip", wantMsg: "cannot be a NIC's address"},
		"fixed ip twice": {spec: vnf(func(s *resource.Server) { s.NICs[1].FixedIP = "10.0.0.16" }),
			wantField: "nics[1].fixed_ip", wantMsg: "already the address of nics[0]"},
		"user data too long": {spec: vnf(func(s *resource.Server) { s.UserData = strings.Repeat("u", 49152) }),
			wantField: "user_data", wantMsg: "at most 65535 once base64 encoded"},
		"user data not utf-8": {spec: vnf(func(s *resource.Server) { s.UserData = "\xff" }),
			wantField: "user_data", wantMsg: "not valid UTF-8"},
		"six files": {spec: vnf(func(s *resource.Server) { s.ConfigFiles = files(6, 1) }),
			wantField: "config_files", wantMsg: "6 files; at most 5"},
		"file too long": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Contents = strings.Repeat("c", 10241) }),
			wantField: "config_files[0].contents", wantMsg: "10241 bytes; at most 10240"},
		"relative path": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "day0-config" }),
			wantField: "config_files[0].path", wantMsg: "not an absolute, clean file path"},
		"unclean path": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "/etc/../day0" }),
			wantField: "config_files[0].path", wantMsg: "not an absolute, clean file path"},
		"root path": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "/" }),
			wantField: "config_files[0].path", wantMsg: "not an absolute, clean file path"},
		"no path": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "" }),
			wantField: "config_files[0].path", wantMsg: "required"},
		"long path": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "/" + strings.Repeat("p", 255) }),
			wantField: "config_files[0].path", wantMsg: "longer than 255 bytes"},
		"path with a control character": {spec: vnf(func(s *resource.Server) { s.ConfigFiles[0].Path = "/a\x01b" }),
			wantField: "config_files[0].path", wantMsg: "control character"},
		"path twice": {spec: vnf(func(s *resource.Server) {
			s.ConfigFiles = append(s.ConfigFiles, resource.ConfigFile{Path: "/day0-config"})
		}), wantField: "config_files[1].path", wantMsg: `"/day0-config" is already the path of config_files[0]`},
		"zone without host": {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = "nova:" }),
			wantField: "availability_zone", wantMsg: "names no host"},
		"zone, host and more": {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = "nova:h:n" }),
			wantField: "availability_zone", wantMsg: `give "zone" or "zone:host"`},
		"blank zone": {spec: vnf(func(s *resource.Server) { s.AvailabilityZone = " " }),
			wantField: "availability_zone", wantMsg: "blank"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.spec.Default()
			err := tc.spec.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an Invalid error naming %s", err, tc.wantField)
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

// files returns n config files of size bytes each.
func files(n, size int) []resource.ConfigFile {
	var out []resource.ConfigFile
	for i := range n {
		out = append(out, resource.ConfigFile{Path: fmt.Sprintf("/f%d", i), Contents: strings.Repeat("c", size)})
	}
	return out
}

func TestServerBoot(t *testing.T) {
	tests := map[string]struct {
		spec *resource.Server
		want resource.Boot
	}{
		"nics with a fixed ip and day-0": {
			spec: vnf(func(s *resource.Server) { s.AvailabilityZone = "z:h"; s.SecurityGroupID = "sg" }),
			want: resource.Boot{ImageID: "i", FlavorID: "f", NetworkIDs: []string{"mgmt", "data"}, PortTypes: []string{"", ""},
				FixedIPs: []string{"10.0.0.16", ""}, SecurityGroupID: "sg",
				UserData: "#cloud-config\nhostname: asa\n", ConfigFiles: []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname asa\n"}},
				AvailabilityZone: "z:h"},
		},
		"nics without fixed ips": {
			spec: &resource.Server{ImageID: "i", FlavorID: "f", NICs: []resource.NIC{{NetworkID: "a"}, {NetworkID: "b"}}},
			want: resource.Boot{ImageID: "i", FlavorID: "f", NetworkIDs: []string{"a", "b"}, PortTypes: []string{"", ""}},
		},
		"network only": {
			spec: &resource.Server{ImageID: "i", FlavorID: "f", NetworkID: "n", UserData: "x"},
			want: resource.Boot{ImageID: "i", FlavorID: "f", NetworkIDs: []string{"n"}, PortTypes: []string{""}, UserData: "x"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.spec.Default()
			got := tc.spec.Boot()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Boot() (-want +got):\n%s", diff)
			}
			// The caller owns what Boot returns.
			for i := range got.ConfigFiles {
				got.ConfigFiles[i].Contents = "changed"
			}
			if diff := cmp.Diff(tc.want, tc.spec.Boot()); diff != "" {
				t.Errorf("changing a Boot changed the spec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServerDependenciesNameEveryNIC: the store and the reconciler learn a
// server's networks from Dependencies, so every NIC's network is there.
func TestServerDependenciesNameEveryNIC(t *testing.T) {
	s := vnf(func(s *resource.Server) { s.SecurityGroupID = "sg" })
	s.Default()
	want := []resource.Ref{
		{Kind: resource.KindImage, ID: "i"}, {Kind: resource.KindNetwork, ID: "mgmt"},
		{Kind: resource.KindSecurityGroup, ID: "sg"}, {Kind: resource.KindFlavor, ID: "f"},
		{Kind: resource.KindNetwork, ID: "mgmt"}, {Kind: resource.KindNetwork, ID: "data"},
	}
	if diff := cmp.Diff(want, s.Dependencies()); diff != "" {
		t.Errorf("Dependencies() (-want +got):\n%s", diff)
	}
}

// TestServerWire: seed 000's body (network_id, no nics) keeps its shape
// through the registry, and a body with nics only gets network_id.
func TestServerWire(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	tests := map[string]struct {
		in   string
		want map[string]any
	}{
		"seed 000": {
			in: `{"image_id":"i","network_id":"n","flavor_id":"f"}`,
			want: map[string]any{"description": "", "image_id": "i", "network_id": "n", "flavor_id": "f",
				"security_group_id": "", "server_group_id": ""},
		},
		"nics": {
			in: `{"image_id":"i","flavor_id":"f","nics":[{"network_id":"a","fixed_ip":"10.0.0.5"},{"network_id":"b"}],` +
				`"user_data":"#!/bin/sh","config_files":[{"path":"/day0","contents":"x"}],"availability_zone":"nova"}`,
			want: map[string]any{"description": "", "image_id": "i", "network_id": "a", "flavor_id": "f",
				"security_group_id": "", "server_group_id": "",
				"nics":      []any{map[string]any{"network_id": "a", "fixed_ip": "10.0.0.5"}, map[string]any{"network_id": "b"}},
				"user_data": "#!/bin/sh", "config_files": []any{map[string]any{"path": "/day0", "contents": "x"}},
				"availability_zone": "nova"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec, err := reg.DecodeSpec(resource.KindServer, []byte(tc.in), &resource.DecodeOptions{Strict: true})
			if err != nil {
				t.Fatalf("DecodeSpec: %v", err)
			}
			enc, err := reg.Encode(&resource.Resource{Ref: resource.Ref{Kind: resource.KindServer, ID: "s1"}, Tenant: "t", Spec: spec})
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(enc.Spec, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("stored spec (-want +got):\n%s", diff)
			}
		})
	}
}
