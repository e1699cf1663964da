package osfake

// Kind names a kind of object, for inspection.
type Kind string

const (
	KindNetwork           Kind = "network"
	KindSubnet            Kind = "subnet"
	KindSecurityGroup     Kind = "security_group"
	KindSecurityGroupRule Kind = "security_group_rule"
	KindFlavor            Kind = "flavor"
	KindServer            Kind = "server"
	KindServerGroup       Kind = "server_group"
	KindImage             Kind = "image"
	KindStack             Kind = "stack"
	KindVolume            Kind = "volume"
)

// Object is a copy of one object, for tests to inspect.
type Object struct {
	Kind Kind
	// Name is a rule's description.
	ID, Name string
	// Status is the object's status as its API shows it (a network's is
	// always ACTIVE, a flavor's and a server group's empty); a server's
	// task state follows a slash while one is set ("ACTIVE/deleting").
	Status  string
	Project string
	// View is the object as its API shows it (Nova at the newest
	// microversion).
	View map[string]any
}

// Objects returns copies of the objects of kind, oldest first. Stacks
// deleted (DELETE_COMPLETE) are left out.
func (s *Server) Objects(kind Kind) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	switch kind {
	case KindNetwork:
		for _, n := range sortedBySeq(s.networks) {
			out = append(out, Object{kind, n.id, n.name, "ACTIVE", n.project, s.networkView(n)})
		}
	case KindSubnet:
		for _, n := range sortedBySeq(s.subnets) {
			out = append(out, Object{kind, n.id, n.name, "", n.project, subnetView(n)})
		}
	case KindSecurityGroup:
		for _, g := range sortedBySeq(s.secgroups) {
			out = append(out, Object{kind, g.id, g.name, "", g.project, s.secGroupView(g)})
		}
	case KindSecurityGroupRule:
		for _, rl := range sortedBySeq(s.rules) {
			name := ""
			if rl.descr != nil {
				name = *rl.descr
			}
			out = append(out, Object{kind, rl.id, name, "", rl.proj, ruleView(rl, false)})
		}
	case KindFlavor:
		for _, f := range sortedBySeq(s.flavors) {
			out = append(out, Object{kind, f.id, f.name, "", "", s.flavorView(f, maxMicroversion, true)})
		}
	case KindServer:
		for _, sv := range sortedBySeq(s.servers) {
			st := sv.status
			if sv.task != nil {
				st += "/" + *sv.task
			}
			out = append(out, Object{kind, sv.id, sv.name, st, sv.project, s.serverView(sv, maxMicroversion)})
		}
	case KindServerGroup:
		for _, g := range sortedBySeq(s.sgroups) {
			out = append(out, Object{kind, g.id, g.name, "", g.project, serverGroupView(g, maxMicroversion)})
		}
	case KindImage:
		for _, img := range sortedBySeq(s.images) {
			out = append(out, Object{kind, img.id, img.name, img.status, img.owner, s.imageView(img)})
		}
	case KindVolume:
		for _, v := range sortedBySeq(s.volumes) {
			name := ""
			if v.name != nil {
				name = *v.name
			}
			out = append(out, Object{kind, v.id, name, v.status, v.project, s.volumeView(v, true)})
		}
	case KindStack:
		for _, st := range sortedBySeq(s.stacks) {
			if st.status == "DELETE_COMPLETE" {
				continue
			}
			base := s.url + prefixOrchestration + "/v1/" + st.project + "/stacks/"
			out = append(out, Object{kind, st.id, st.name, st.status, st.project, s.stackView(st, base)})
		}
	}
	return out
}

// CountNamed returns how many objects of kind are named name.
func (s *Server) CountNamed(kind Kind, name string) int {
	n := 0
	for _, o := range s.Objects(kind) {
		if o.Name == name {
			n++
		}
	}
	return n
}
