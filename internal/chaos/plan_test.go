package chaos

import (
	"fmt"
	"math/rand/v2"

	"github.com/orca-nfv/orca/resource"
)

// item is one resource the test writes: where, what, in which wave it is
// created and, if it is, in which it is deleted.
type item struct {
	ref  resource.Ref
	path string // the API collection
	key  string // the body's wrapper ("network")
	body map[string]any
	// wave creates it; deleteWave (> wave) deletes it, or is -1.
	wave, deleteWave int
	// realized kinds have a VIM object per location; a rule is a part
	// of its group's.
	realized bool
	owner    string // a rule's security group
	level    int    // creation order within a wave: level 0 first
}

// plan is the workload: items in creation order, and how many waves
// create and delete.
type plan struct {
	items            []*item
	creates, deletes int // waves
}

// share is how the resources divide among kinds, in parts per 20.
var share = []struct {
	kind  resource.Kind
	parts int
}{
	{resource.KindNetwork, 3}, {resource.KindSecurityGroup, 2}, {resource.KindSecurityGroupRule, 3},
	{resource.KindImage, 2}, {resource.KindFlavor, 2}, {resource.KindServerGroup, 1}, {resource.KindVolume, 1},
	{resource.KindServer, 6},
}

// newPlan divides n resources among kinds and rounds waves (deletions in
// the last quarter of them, at least one when there are two or more).
// Servers use the first two thirds of each kind they need, from their own
// wave or earlier; what no server uses may be deleted, with a third of
// the servers and of the rules.
func newPlan(n, rounds int, rnd *rand.Rand) *plan {
	p := &plan{deletes: rounds / 4}
	if rounds >= 2 && p.deletes == 0 {
		p.deletes = 1
	}
	p.creates = max(1, rounds-p.deletes)
	counts := map[resource.Kind]int{}
	left := n
	for _, s := range share {
		c := max(1, n*s.parts/20)
		counts[s.kind] = c
		left -= c
	}
	counts[resource.KindServer] += max(0, left)
	byKind := map[resource.Kind][]*item{}
	add := func(k resource.Kind, i int, it *item) {
		it.ref = resource.Ref{Kind: k, ID: fmt.Sprintf("chaos-%s-%d", short[k], i)}
		it.wave, it.deleteWave = i*p.creates/counts[k], -1
		it.body["id"], it.body["name"] = it.ref.ID, it.ref.ID
		byKind[k] = append(byKind[k], it)
		p.items = append(p.items, it)
	}
	// usable returns the items of kind k a server of wave w may use.
	usable := func(k resource.Kind, w int) []*item {
		var out []*item
		for _, it := range byKind[k][:max(1, len(byKind[k])*2/3)] {
			if it.wave <= w {
				out = append(out, it)
			}
		}
		return out
	}
	pick := func(k resource.Kind, w int) string {
		u := usable(k, w)
		return u[rnd.IntN(len(u))].ref.ID
	}
	for i := range counts[resource.KindNetwork] {
		add(resource.KindNetwork, i, &item{path: "/v1.0/tenant/networks", key: "network", realized: true, body: map[string]any{
			// A /22 each: a /24 at each of the three locations.
			"cidr": fmt.Sprintf("10.%d.%d.0/22", i/64, i%64*4), "local_prefix_len": 24}})
	}
	for i := range counts[resource.KindSecurityGroup] {
		add(resource.KindSecurityGroup, i, &item{path: "/v1.0/tenant/security_groups", key: "security_group", realized: true,
			body: map[string]any{"description": "chaos"}})
	}
	for i := range counts[resource.KindImage] {
		add(resource.KindImage, i, &item{path: "/v1.0/tenant/images", key: "image", realized: true,
			body: map[string]any{"disk_format": "qcow2", "container_format": "bare"}})
	}
	for i := range counts[resource.KindFlavor] {
		add(resource.KindFlavor, i, &item{path: "/v1.0/tenant/flavors", key: "flavor", realized: true,
			body: map[string]any{"ram": 512, "vcpus": 1, "disk": 1}})
	}
	for i := range counts[resource.KindServerGroup] {
		add(resource.KindServerGroup, i, &item{path: "/v1.0/tenant/server_groups", key: "server_group", realized: true,
			body: map[string]any{"policy": "soft-anti-affinity"}})
	}
	for i := range counts[resource.KindVolume] {
		add(resource.KindVolume, i, &item{path: "/v1.0/tenant/volumes", key: "volume", realized: true,
			body: map[string]any{"size_gb": 1}})
	}
	for i := range counts[resource.KindSecurityGroupRule] {
		it := &item{path: "/v1.0/tenant/security_group_rules", key: "security_group_rule", level: 1, body: map[string]any{
			"direction": "ingress", "protocol": "tcp", "port_range_min": 1000 + i, "port_range_max": 1000 + i}}
		add(resource.KindSecurityGroupRule, i, it)
		// Only groups no one deletes hold rules: a group's rules go with it.
		it.owner = pick(resource.KindSecurityGroup, it.wave)
		it.body["security_group_id"] = it.owner
		if i%2 == 0 {
			it.body["remote_group_id"] = it.owner // a rule naming its own group
		} else {
			it.body["remote_ip_prefix"] = "192.0.2.0/24"
		}
	}
	for i := range counts[resource.KindServer] {
		it := &item{path: "/v1.0/servers", key: "server", realized: true, level: 1, body: map[string]any{}}
		add(resource.KindServer, i, it)
		w := it.wave
		it.body["image_id"], it.body["flavor_id"], it.body["network_id"] =
			pick(resource.KindImage, w), pick(resource.KindFlavor, w), pick(resource.KindNetwork, w)
		if i%3 != 2 {
			it.body["security_group_id"] = pick(resource.KindSecurityGroup, w)
		}
		if i%3 == 1 {
			it.body["server_group_id"] = pick(resource.KindServerGroup, w)
		}
	}
	if p.deletes > 0 {
		p.chooseDeletions(byKind, rnd)
	}
	return p
}

var short = map[resource.Kind]string{
	resource.KindNetwork: "net", resource.KindSecurityGroup: "sg", resource.KindSecurityGroupRule: "rule",
	resource.KindImage: "img", resource.KindFlavor: "flv", resource.KindServerGroup: "grp",
	resource.KindVolume: "vol", resource.KindServer: "vm",
}

// chooseDeletions marks a third of the servers and rules and half of what
// no server uses for deletion, each in a deletion wave after its own.
func (p *plan) chooseDeletions(byKind map[resource.Kind][]*item, rnd *rand.Rand) {
	used := map[string]bool{}
	for _, it := range byKind[resource.KindServer] {
		for _, f := range []string{"image_id", "flavor_id", "network_id", "security_group_id", "server_group_id"} {
			if id, ok := it.body[f].(string); ok {
				used[id] = true
			}
		}
	}
	for _, it := range byKind[resource.KindSecurityGroupRule] {
		used[it.owner] = true
	}
	for k, items := range byKind {
		for i, it := range items {
			var del bool
			switch k {
			case resource.KindServer, resource.KindSecurityGroupRule:
				del = i%3 == 0
			default:
				del = !used[it.ref.ID] && i%2 == 0
			}
			if del {
				it.deleteWave = p.creates + rnd.IntN(p.deletes)
			}
		}
	}
}

// live reports whether the item exists at the end.
func (it *item) live() bool { return it.deleteWave < 0 }
