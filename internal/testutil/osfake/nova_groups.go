package osfake

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Nova server groups, one policy each (2.64) or a list of one before.

type serverGroup struct {
	seq                             int
	id, name, policy, project, user string
	members                         []string
}

func serverGroupView(g *serverGroup, mv microversion) map[string]any {
	members := append([]string{}, g.members...)
	if mv.atLeast(64) {
		return map[string]any{"id": g.id, "name": g.name, "policy": g.policy, "rules": map[string]any{}, "members": members,
			"project_id": g.project, "user_id": g.user}
	}
	v := map[string]any{"id": g.id, "name": g.name, "policies": []string{g.policy}, "metadata": map[string]any{}, "members": members}
	if mv.atLeast(13) {
		v["project_id"], v["user_id"] = g.project, g.user
	}
	return v
}

var serverGroupPolicies = []string{"anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"}

func (s *Server) createServerGroup(r *req) *reply {
	var obj map[string]any
	var bad *reply
	policy := ""
	if r.mv.atLeast(64) {
		if obj, bad = novaBody(r, "server_group", []string{"name", "policy", "rules"}, "name", "policy"); bad != nil {
			return bad
		}
		policy, _ = obj["policy"].(string)
		if !slices.Contains(serverGroupPolicies, policy) {
			return r.schemaErr("policy", obj["policy"], fmt.Sprintf("%s is not one of ['%s']", pyRepr(obj["policy"]), strings.Join(serverGroupPolicies, "', '")))
		}
	} else {
		if obj, bad = novaBody(r, "server_group", []string{"name", "policies"}, "name", "policies"); bad != nil {
			return bad
		}
		ps, _ := obj["policies"].([]any)
		if len(ps) != 1 {
			return r.schemaErr("policies", obj["policies"], fmt.Sprintf("%s is too long", pyRepr(obj["policies"])))
		}
		policy, _ = ps[0].(string)
		if !slices.Contains(serverGroupPolicies[:2], policy) {
			return r.schemaErr("policies", obj["policies"], fmt.Sprintf("%s is not one of ['anti-affinity', 'affinity']", pyRepr(ps[0])))
		}
	}
	name, ok := obj["name"].(string)
	if !ok || name == "" || len(name) > 255 {
		return r.schemaErr("name", obj["name"], fmt.Sprintf("%s is not a valid name", pyRepr(obj["name"])))
	}
	g := &serverGroup{seq: s.nextSeq(), id: newUUID(), name: name, policy: policy, project: projectOf(r), user: r.tok.user.ID, members: []string{}}
	s.sgroups[g.id] = g
	return jsonReply(http.StatusOK, map[string]any{"server_group": serverGroupView(g, r.mv)})
}
