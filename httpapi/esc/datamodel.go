package esc

import (
	"encoding/json"
	"encoding/xml"
)

// ESC describes a deployment with its data model: an esc_datamodel of
// tenants, each with deployments, each with VM groups. The same shape
// reads from XML (ESC's own) and from JSON (the element names as keys,
// repeated elements as arrays). What orca does not act on (KPIs, rules,
// policies) is kept as written, in the deployment's stored document.

// escNS is the namespace of ESC's data model.
const escNS = "http://www.cisco.com/esc/esc"

type datamodel struct {
	XMLName xml.Name `xml:"esc_datamodel" json:"-"`
	Tenants struct {
		Tenant []dmTenant `xml:"tenant" json:"tenant"`
	} `xml:"tenants" json:"tenants"`
}

type dmTenant struct {
	Name        string `xml:"name" json:"name"`
	Deployments struct {
		Deployment []dmDeployment `xml:"deployment" json:"deployment"`
	} `xml:"deployments" json:"deployments"`
}

type dmDeployment struct {
	Name        string      `xml:"name" json:"name"`
	Description string      `xml:"description,omitempty" json:"description,omitempty"`
	VMGroups    []dmVMGroup `xml:"vm_group" json:"vm_group"`
	// Placement groups place VM groups together or apart, here or under
	// policies; the policies' other placements are kept, not acted on.
	Policies *struct {
		PlacementGroup []dmPlacementGroup `xml:"placement_group" json:"placement_group,omitempty"`
		Placement      []*freeXML         `xml:"placement" json:"placement,omitempty"`
	} `xml:"policies" json:"policies,omitempty"`
	PlacementGroup []dmPlacementGroup `xml:"placement_group" json:"placement_group,omitempty"`
	Extensions     *freeXML           `xml:"extensions" json:"extensions,omitempty"`
	Networks       *struct {
		Network []dmNetwork `xml:"network" json:"network"`
	} `xml:"networks" json:"networks,omitempty"`
	Locator *dmLocator `xml:"locator" json:"locator,omitempty"`
}

type dmPlacementGroup struct {
	Name        string   `xml:"name" json:"name"`
	Type        string   `xml:"type" json:"type"`
	Enforcement string   `xml:"enforcement,omitempty" json:"enforcement,omitempty"`
	VMGroup     []string `xml:"vm_group" json:"vm_group"`
}

type dmNetwork struct {
	Name       string     `xml:"name" json:"name"`
	Shared     *bool      `xml:"shared" json:"shared,omitempty"`
	AdminState *bool      `xml:"admin_state" json:"admin_state,omitempty"`
	Subnet     []dmSubnet `xml:"subnet" json:"subnet,omitempty"`
}

type dmSubnet struct {
	Name      string `xml:"name" json:"name"`
	IPVersion string `xml:"ipversion,omitempty" json:"ipversion,omitempty"`
	DHCP      *bool  `xml:"dhcp" json:"dhcp,omitempty"`
	Address   string `xml:"address" json:"address"`
	Netmask   string `xml:"netmask" json:"netmask"`
	Gateway   string `xml:"gateway,omitempty" json:"gateway,omitempty"`
}

type dmLocator struct {
	VimID      string `xml:"vim_id" json:"vim_id"`
	VimProject string `xml:"vim_project,omitempty" json:"vim_project,omitempty"`
}

type dmVMGroup struct {
	Name             string `xml:"name" json:"name"`
	Description      string `xml:"description,omitempty" json:"description,omitempty"`
	Image            string `xml:"image" json:"image"`
	Flavor           string `xml:"flavor" json:"flavor"`
	BootupTime       *int64 `xml:"bootup_time" json:"bootup_time,omitempty"`
	RebootTime       *int64 `xml:"reboot_time" json:"reboot_time,omitempty"`
	RecoveryWaitTime *int64 `xml:"recovery_wait_time" json:"recovery_wait_time,omitempty"`
	RecoveryPolicy   *struct {
		MaxRetries       *int64 `xml:"max_retries" json:"max_retries,omitempty"`
		ActionOnRecovery string `xml:"action_on_recovery,omitempty" json:"action_on_recovery,omitempty"`
		RecoveryType     string `xml:"recovery_type,omitempty" json:"recovery_type,omitempty"`
	} `xml:"recovery_policy" json:"recovery_policy,omitempty"`
	Interfaces struct {
		Interface []dmInterface `xml:"interface" json:"interface"`
	} `xml:"interfaces" json:"interfaces"`
	Scaling    *dmScaling `xml:"scaling" json:"scaling,omitempty"`
	KPIData    *freeXML   `xml:"kpi_data" json:"kpi_data,omitempty"`
	Rules      *freeXML   `xml:"rules" json:"rules,omitempty"`
	ConfigData *struct {
		Configuration []dmConfiguration `xml:"configuration" json:"configuration"`
	} `xml:"config_data" json:"config_data,omitempty"`
	Placement []dmPlacement `xml:"placement" json:"placement,omitempty"`
	Volumes   *struct {
		Volume []dmVolume `xml:"volume" json:"volume"`
	} `xml:"volumes" json:"volumes,omitempty"`
	Locator *dmLocator `xml:"locator" json:"locator,omitempty"`
}

type dmInterface struct {
	NicID     int    `xml:"nicid" json:"nicid"`
	Network   string `xml:"network" json:"network"`
	IPAddress string `xml:"ip_address,omitempty" json:"ip_address,omitempty"`
	Type      string `xml:"type,omitempty" json:"type,omitempty"`
}

type dmScaling struct {
	MinActive int64          `xml:"min_active" json:"min_active"`
	MaxActive int64          `xml:"max_active" json:"max_active"`
	Elastic   bool           `xml:"elastic" json:"elastic"`
	Pools     []dmStaticPool `xml:"static_ip_address_pool" json:"static_ip_address_pool,omitempty"`
}

type dmStaticPool struct {
	Network   string   `xml:"network" json:"network"`
	IPAddress []string `xml:"ip_address" json:"ip_address"`
}

type dmConfiguration struct {
	Dst  string `xml:"dst" json:"dst"`
	File string `xml:"file,omitempty" json:"file,omitempty"`
	Data string `xml:"data,omitempty" json:"data,omitempty"`
}

type dmPlacement struct {
	Type        string `xml:"type" json:"type"`
	Enforcement string `xml:"enforcement,omitempty" json:"enforcement,omitempty"`
	Zone        string `xml:"zone,omitempty" json:"zone,omitempty"`
	Host        string `xml:"host,omitempty" json:"host,omitempty"`
}

type dmVolume struct {
	Name     string     `xml:"name" json:"name"`
	VolID    int        `xml:"volid" json:"volid"`
	Size     volumeSize `xml:"size,omitempty" json:"size,omitempty"`
	SizeUnit string     `xml:"sizeunit,omitempty" json:"sizeunit,omitempty"`
	Bus      string     `xml:"bus,omitempty" json:"bus,omitempty"`
	Type     string     `xml:"type,omitempty" json:"type,omitempty"`
}

// UnmarshalJSON keeps free JSON content as written.
func (f *freeXML) UnmarshalJSON(data []byte) error {
	f.Inner = append([]byte(nil), data...)
	return nil
}

// MarshalJSON writes free content back: as JSON when it was JSON, as a
// string of XML otherwise.
func (f freeXML) MarshalJSON() ([]byte, error) {
	if json.Valid(f.Inner) {
		return f.Inner, nil
	}
	return json.Marshal(string(f.Inner))
}
