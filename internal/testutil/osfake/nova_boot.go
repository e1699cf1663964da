package osfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// What a server boots with besides its resources: fixed IPs, day-0 data
// (user data, config drive, personality files), the availability zone
// and host; and Boot, which shows them to tests.

// computeHosts are the fake's compute hosts, all in zone "nova" (the
// loopback cloud's is compute1). Servers go round robin, or to the host
// "zone:host" forces.
var computeHosts = []string{"compute1", "compute2"}

// defaultZone is Nova's default availability zone, the fake's only one.
const defaultZone = "nova"

// bootOptions are what a server was created with besides its resources.
type bootOptions struct {
	userData    []byte
	files       []InjectedFile
	configDrive bool
	zone, host  string // zone is defaultZone unless asked; host "" unless forced
}

// InjectedFile is a personality file a server was created with.
type InjectedFile struct {
	Path     string
	Contents []byte
}

// Nova's schema and default quotas for day-0 data.
const (
	maxUserData        = 65535 // base64 characters
	maxInjectedFiles   = 5
	maxInjectedFileLen = 10240
	maxInjectedPathLen = 255
)

// bootOptionsOf reads user_data, config_drive, personality (before 2.57;
// novaBody refuses it after) and availability_zone as Nova does.
func bootOptionsOf(r *req, obj map[string]any) (bootOptions, *reply) {
	b := bootOptions{zone: defaultZone}
	if v, ok := obj["user_data"]; ok && v != nil {
		text, isStr := v.(string)
		if !isStr {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is not of type 'string', 'null'", pyRepr(v)))
		}
		if len(text) > maxUserData {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is too long", pyRepr(v)))
		}
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is not a 'base64'", pyRepr(v)))
		}
		b.userData = data
	}
	switch v := obj["config_drive"].(type) {
	case nil:
	case bool:
		b.configDrive = v
	case string:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "on", "y", "t":
			b.configDrive = true
		case "false", "0", "no", "off", "n", "f", "":
		default:
			return b, r.schemaErr("config_drive", v, fmt.Sprintf("%s is not of type 'boolean', 'string', 'null'", pyRepr(v)))
		}
	default:
		return b, r.schemaErr("config_drive", v, fmt.Sprintf("%s is not of type 'boolean', 'string', 'null'", pyRepr(v)))
	}
	if v, ok := obj["personality"]; ok {
		list, isList := v.([]any)
		if !isList {
			return b, r.schemaErr("personality", v, fmt.Sprintf("%s is not of type 'array'", pyRepr(v)))
		}
		if len(list) > maxInjectedFiles {
			return b, novaErr(http.StatusForbidden, "Personality file limit exceeded")
		}
		for _, e := range list {
			m, _ := e.(map[string]any)
			path, okP := m["path"].(string)
			contents, okC := m["contents"].(string)
			if !okP || !okC {
				return b, r.schemaErr("personality", e, fmt.Sprintf("%s is not valid under any of the given schemas", pyRepr(e)))
			}
			data, err := base64.StdEncoding.DecodeString(contents)
			if err != nil {
				return b, r.schemaErr("contents", contents, fmt.Sprintf("%s is not a 'base64'", pyRepr(contents)))
			}
			switch {
			case len(path) > maxInjectedPathLen:
				return b, novaErr(http.StatusForbidden, "Personality file path exceeds maximum %d", maxInjectedPathLen)
			case len(data) > maxInjectedFileLen:
				return b, novaErr(http.StatusForbidden, "Personality file content exceeds maximum %d", maxInjectedFileLen)
			}
			b.files = append(b.files, InjectedFile{Path: path, Contents: data})
		}
	}
	if v, ok := obj["availability_zone"]; ok && v != nil {
		az, isStr := v.(string)
		if !isStr {
			return b, r.schemaErr("availability_zone", v, fmt.Sprintf("%s is not of type 'string'", pyRepr(v)))
		}
		zone, host, _ := strings.Cut(az, ":")
		host, _, _ = strings.Cut(host, ":") // zone:host:node
		if zone != "" && zone != defaultZone {
			return b, novaErr(http.StatusBadRequest, "The requested availability zone is not available")
		}
		b.host = host
	}
	return b, nil
}

// fixedIP reads a requested network's fixed_ip: the zero Addr when none,
// 400 when it is not an address or another port on the network holds it.
func (s *Server) fixedIP(r *req, network string, m map[string]any) (netip.Addr, *reply) {
	v, ok := m["fixed_ip"]
	if !ok {
		return netip.Addr{}, nil
	}
	text, _ := v.(string)
	a, err := netip.ParseAddr(text)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, r.schemaErr("fixed_ip", v, fmt.Sprintf("%s is not valid under any of the given schemas", pyRepr(v)))
	}
	for _, sv := range sortedBySeq(s.servers) {
		for _, p := range sv.ports {
			for _, ip := range p.ips {
				if p.network == network && ip.addr == a {
					return netip.Addr{}, novaErr(http.StatusBadRequest, "Fixed IP address %s is already in use on instance %s.", a, sv.id)
				}
			}
		}
	}
	return a, nil
}

// takeFixedIP gives port p the address a from the network's subnet that
// holds it. Without one the build fails, as Neutron refuses the port when
// the compute host asks for it (the fault's wording is chosen).
func (s *Server) takeFixedIP(sv *server, p *port, a netip.Addr) {
	for _, sn := range sortedBySeq(s.subnets) {
		if sn.networkID == p.network && sn.cidr.Contains(a) {
			sn.used[a] = true
			p.ips, p.subnet = []portIP{{sn.id, a}}, sn.id
			return
		}
	}
	if sv.next != "error" {
		sv.next, sv.fault = "error", fmt.Sprintf("Build of instance %s aborted: IP address %s is not a valid IP "+
			"for any of the subnets on the specified network.", sv.id, a)
	}
}

// ServerBoot is what a server was booted with that its view does not show.
type ServerBoot struct {
	UserData    []byte
	Files       []InjectedFile
	ConfigDrive bool
	// Zone and Host are those asked for (Zone "nova" when none was).
	Zone, Host string
}

// Boot returns what server id was booted with, and whether it exists.
func (s *Server) Boot(id string) (ServerBoot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.servers[id]
	if sv == nil {
		return ServerBoot{}, false
	}
	b := sv.boot
	out := ServerBoot{UserData: slices.Clone(b.userData), ConfigDrive: b.configDrive, Zone: b.zone, Host: b.host}
	for _, f := range b.files {
		out.Files = append(out.Files, InjectedFile{Path: f.Path, Contents: slices.Clone(f.Contents)})
	}
	return out, true
}
