package osfake

import (
	"net/http"
)

// os-interface: a server's ports as Nova lists them.

// interfaceAttachments is os-interface: the server's ports, from Neutron.
func (s *Server) interfaceAttachments(sv *server) *reply {
	state := "ACTIVE"
	if sv.status == "BUILD" {
		state = "DOWN"
	}
	out := []any{}
	for _, p := range sv.ports {
		ips := []any{}
		for _, ip := range p.ips {
			ips = append(ips, map[string]any{"subnet_id": ip.subnet, "ip_address": ip.addr.String()})
		}
		out = append(out, map[string]any{"port_state": state, "fixed_ips": ips, "port_id": p.id, "net_id": p.network, "mac_addr": p.mac})
	}
	return jsonReply(http.StatusOK, map[string]any{"interfaceAttachments": out})
}
