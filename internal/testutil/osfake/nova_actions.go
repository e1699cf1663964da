package osfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Nova server actions (start, stop, reboot, createImage, security
// groups), metadata and remote consoles, with Nova's state checks.

// busy is Nova's 409 for an action the server's state does not allow.
func busy(sv *server, action string) *reply {
	if sv.task != nil {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in task_state %s", action, sv.id, *sv.task)
	}
	return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in vm_state %s", action, sv.id, sv.vmState)
}

func (s *Server) serverAction(r *req, sv *server) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil || len(body) != 1 {
		return novaErr(http.StatusBadRequest, "Malformed request body")
	}
	var action string
	var arg any
	for k, v := range body {
		action, arg = k, v
	}
	now := s.now()
	switch action {
	case "os-start":
		if sv.task != nil || sv.vmState != "stopped" {
			return busy(sv, "start")
		}
		sv.task, sv.next, sv.updated = ptr("powering-on"), "active", now
	case "os-stop":
		if sv.task != nil || sv.vmState != "active" && sv.vmState != "error" && sv.vmState != "rescued" {
			return busy(sv, "stop")
		}
		sv.task, sv.next, sv.updated = ptr("powering-off"), "shutoff", now
	case "reboot":
		m, _ := arg.(map[string]any)
		typ, _ := m["type"].(string)
		switch strings.ToUpper(typ) {
		case "SOFT":
			if sv.task != nil || sv.vmState != "active" {
				return busy(sv, "reboot")
			}
			sv.status, sv.task = "REBOOT", ptr("reboot_started")
		case "HARD":
			if sv.task != nil && *sv.task != "reboot_started" || !slices.Contains([]string{"active", "stopped", "error", "paused", "suspended"}, sv.vmState) {
				return busy(sv, "reboot")
			}
			sv.status, sv.task = "HARD_REBOOT", ptr("reboot_started_hard")
		default:
			return r.schemaErr("type", m["type"], fmt.Sprintf("%s is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']", pyRepr(m["type"])))
		}
		sv.next, sv.updated = "active", now
	case "createImage":
		m, _ := arg.(map[string]any)
		name, ok := m["name"].(string)
		if !ok || strings.TrimSpace(name) == "" {
			return r.schemaErr("createImage", arg, "'name' is a required property")
		}
		if sv.task != nil || !slices.Contains([]string{"active", "stopped", "paused", "suspended"}, sv.vmState) {
			return busy(sv, "createImage")
		}
		props := map[string]string{"image_type": "snapshot", "instance_uuid": sv.id, "base_image_ref": sv.imageID,
			"owner_project_name": s.projectName(sv.project), "owner_user_name": r.tok.user.Name}
		if md, ok := m["metadata"]; ok {
			extra, bad := metadataOf(r, md)
			if bad != nil {
				return bad
			}
			for k, v := range extra {
				props[k] = v
			}
		}
		img := s.snapshotImage(sv, name, props)
		if r.mv.atLeast(45) {
			return jsonReply(http.StatusAccepted, map[string]any{"image_id": img.id})
		}
		return emptyReply(http.StatusAccepted).set("Location", s.url+prefixImage+"/v2/images/"+img.id)
	case "addSecurityGroup", "removeSecurityGroup":
		m, _ := arg.(map[string]any)
		n, _ := m["name"].(string)
		g := s.findSecGroup(sv.project, n)
		if g == nil {
			return novaErr(http.StatusNotFound, "Security group %s is not found for project %s", n, sv.project)
		}
		has := slices.Contains(sv.secGroups, g.id)
		if action == "addSecurityGroup" {
			if has {
				return novaErr(http.StatusBadRequest, "Invalid input for security_groups. Reason: Duplicate items in the list: '%s'.\n"+
					"Neutron server returns request_ids: ['req-%s']", g.id, newUUID())
			}
			sv.secGroups = append(sv.secGroups, g.id)
		} else {
			if !has {
				return novaErr(http.StatusNotFound, "Security group %s not associated with the instance %s", n, sv.id)
			}
			sv.secGroups = slices.DeleteFunc(sv.secGroups, func(x string) bool { return x == g.id })
		}
	default:
		return novaErr(http.StatusBadRequest, "There is no such action: %s", action)
	}
	return emptyReply(http.StatusAccepted)
}

func (s *Server) projectName(id string) string {
	if p := s.projectByID(id); p != nil {
		return p.Name
	}
	return ""
}

func (s *Server) serverMetadata(r *req, sv *server) *reply {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		var b map[string]any
		if err := r.decode(&b); err != nil {
			return novaErr(http.StatusBadRequest, "Malformed request body")
		}
		raw, ok := b["metadata"]
		if !ok {
			return r.schemaErr("", b, "'metadata' is a required property")
		}
		m, bad := metadataOf(r, raw)
		if bad != nil {
			return bad
		}
		if bad := metadataBusy(sv, "update metadata"); bad != nil {
			return bad
		}
		if r.Method == http.MethodPut {
			sv.metadata = map[string]string{}
		}
		for k, v := range m {
			sv.metadata[k] = v
		}
		sv.updated = s.now()
	default:
		return novaErr(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
	}
	return jsonReply(http.StatusOK, map[string]any{"metadata": sv.metadata})
}

// metadataBusy is Nova's state check on metadata writes (vm_state first,
// then task_state, as check_instance_state does), nil when allowed.
func metadataBusy(sv *server, action string) *reply {
	if !slices.Contains([]string{"active", "paused", "suspended", "stopped"}, sv.vmState) {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in vm_state %s", action, sv.id, sv.vmState)
	}
	if sv.task != nil {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in task_state %s", action, sv.id, *sv.task)
	}
	return nil
}

// serverMetadatum serves one metadata item: GET and DELETE.
func (s *Server) serverMetadatum(r *req, sv *server, key string) *reply {
	v, ok := sv.metadata[key]
	switch r.Method {
	case http.MethodGet:
		if !ok {
			return novaErr(http.StatusNotFound, "Metadata item was not found")
		}
		return jsonReply(http.StatusOK, map[string]any{"meta": map[string]string{key: v}})
	case http.MethodDelete:
		if !ok {
			return novaErr(http.StatusNotFound, "Metadata item was not found")
		}
		if bad := metadataBusy(sv, "delete metadata"); bad != nil {
			return bad
		}
		delete(sv.metadata, key)
		sv.updated = s.now()
		return emptyReply(http.StatusNoContent)
	}
	return novaErr(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
}

func (s *Server) remoteConsole(r *req, sv *server) *reply {
	var b struct {
		RC *struct {
			Protocol string `json:"protocol"`
			Type     string `json:"type"`
		} `json:"remote_console"`
	}
	if err := r.decode(&b); err != nil || b.RC == nil {
		return novaErr(http.StatusBadRequest, "Invalid input for field/attribute remote_console.")
	}
	types := []string{"novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial", "webmks"}
	if !slices.Contains(types, b.RC.Type) {
		return r.schemaErr("type", b.RC.Type, fmt.Sprintf("%s is not one of ['%s']", pyRepr(b.RC.Type), strings.Join(types, "', '")))
	}
	valid := map[string][]string{"vnc": {"novnc", "xvpvnc"}, "spice": {"spice-html5"}, "rdp": {"rdp-html5"}, "serial": {"serial"}, "mks": {"webmks"}}
	if !slices.Contains(valid[b.RC.Protocol], b.RC.Type) {
		return novaErr(http.StatusBadRequest, "Unsupported protocol %s and type %s combination.", b.RC.Protocol, b.RC.Type) // chosen
	}
	if sv.vmState != "active" || sv.task != nil {
		return novaErr(http.StatusConflict, "Instance %s is not ready", sv.id) // chosen
	}
	u := s.url + "/novnc/vnc_auto.html?path=" + url.QueryEscape("?token="+newUUID())
	return jsonReply(http.StatusOK, map[string]any{"remote_console": map[string]any{"protocol": b.RC.Protocol, "type": b.RC.Type, "url": u}})
}
