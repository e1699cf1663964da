package orca_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// metalStack applies what a bare-metal instance needs (two networks) and
// the instance.
func (e *env) metalStack(id string) resource.Ref {
	e.apply(&resource.Resource{Ref: ref(resource.KindImage, id+"-img"), Tenant: tenant,
		Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}})
	e.apply(&resource.Resource{Ref: ref(resource.KindFlavor, id+"-fl"), Tenant: tenant, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	e.apply(network(id+"-net1", "10.9.0.0/24", 0))
	e.apply(network(id+"-net2", "10.8.0.0/24", 0))
	e.apply(&resource.Resource{Ref: ref(resource.KindBaremetalInstance, id), Tenant: tenant, Name: id,
		Spec: &resource.BaremetalInstance{ImageID: id + "-img", FlavorID: id + "-fl",
			Networks: []resource.NetworkPort{{NetworkID: id + "-net2"}, {NetworkID: id + "-net1"}},
			Extra:    map[string]string{"rack": "r1"}}})
	return ref(resource.KindBaremetalInstance, id)
}

// TestBaremetalInstanceConverges: a bare-metal instance is realized at
// every location like a server: its copies record the machine and its
// console, and report its NICs and power.
func TestBaremetalInstanceConverges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		m := e.metalStack("m1")
		e.waitPhase(m, resource.PhaseReady)
		for loc, l := range e.locals(m) {
			spec, ok := l.Spec.(*resource.LocalServer)
			if !ok || spec.InstanceID != l.Status.ExternalID || spec.ConsoleURL == "" {
				t.Errorf("%s: copy spec %+v, want the instance ID %s and a console", loc, l.Spec, l.Status.ExternalID)
			}
			nics, _ := l.Status.Output["nics"].([]any)
			if len(nics) != 2 || l.Status.Output["power_state"] != "on" {
				t.Errorf("%s: output %v, want two NICs and power on", loc, l.Status.Output)
			}
		}
		// Extra changes in place: the same machines, new metadata.
		before := e.locals(m)["loc-1"].Status.ExternalID
		e.update(m, func(next *resource.Resource) {
			next.Spec.(*resource.BaremetalInstance).Extra = map[string]string{"rack": "r2"}
		})
		e.waitFor("extra applied", time.Hour, func() bool {
			objs := e.vimObjects("loc-1", resource.KindBaremetalInstance)
			return len(objs) == 1 && objs[0].Spec["extra"].(map[string]any)["rack"] == "r2"
		})
		if got := e.waitPhase(m, resource.PhaseReady); e.locals(m)["loc-1"].Status.ExternalID != before {
			t.Errorf("extra replaced the machine: %+v", got.Status)
		}
	})
}

// TestMachineVerbs: power, reboot, snapshot and recover apply to every
// machine kind and its copies, and to nothing else.
func TestMachineVerbs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		srv, m := e.serverStack("s1"), e.metalStack("m1")
		e.waitPhase(srv, resource.PhaseReady)
		e.waitPhase(m, resource.PhaseReady)
		tests := map[string]struct {
			target resource.Ref
			ok     bool
		}{
			"server":                   {srv, true},
			"local_server":             {e.locals(srv)["loc-1"].Ref, true},
			"baremetal_instance":       {m, true},
			"local_baremetal_instance": {e.locals(m)["loc-1"].Ref, true},
			"network":                  {ref(resource.KindNetwork, "s1-net"), false},
			"local_network":            {e.locals(ref(resource.KindNetwork, "s1-net"))["loc-1"].Ref, false},
		}
		// No t.Run: subtests cannot start inside a synctest bubble.
		for name, tc := range tests {
			a, err := e.o.Act(context.Background(), tc.target, resource.VerbPower, map[string]string{"target": "off"})
			if !tc.ok {
				if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != "verb" {
					t.Errorf("%s: power = %v, want Invalid naming verb", name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if a = e.waitAction(a); a.Status.Phase != resource.PhaseReady {
				t.Errorf("%s: power off: %+v", name, a.Status)
			}
		}
		for _, k := range []resource.Kind{resource.KindServer, resource.KindBaremetalInstance} {
			if objs := e.vimObjects("loc-1", k); len(objs) != 1 || objs[0].Power != vim.PowerOff {
				t.Errorf("%s in the VIM: %+v, want one, off", k, objs)
			}
		}
	})
}

// TestServerGroupMembers: a server placed in a group waits for it, joins it
// in every VIM, and the group's copies report it among their members.
func TestServerGroupMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2})
		g := e.apply(&resource.Resource{Ref: ref(resource.KindServerGroup, "g"), Tenant: tenant, Name: "g",
			Spec: &resource.ServerGroup{Policy: "soft-anti-affinity"}})
		srv := e.serverStack("s1")
		e.update(srv, func(s *resource.Resource) { s.Spec.(*resource.Server).ServerGroupID = g.ID })
		e.waitPhase(srv, resource.PhaseReady)
		// A group's copy reports members when next observed: at the
		// resync, or at a pull.
		e.waitAction(e.act(g.Ref, resource.VerbPull, nil))
		for loc, l := range e.locals(g.Ref) {
			members, _ := l.Status.Output["members"].([]any)
			if ext := e.locals(srv)[loc].Status.ExternalID; !slices.Contains(members, any(ext)) {
				t.Errorf("%s: group members %v, want the server %s", loc, members, ext)
			}
		}
		if err := e.o.Delete(context.Background(), g.Ref, 0); resource.CodeOf(err) != resource.Conflict {
			t.Errorf("deleting a group a server names = %v, want Conflict", err)
		}
	})
}

// TestConsoleAskedAgain: a server whose console URL the location failed to
// give is Ready, says why it has none, and has one once asked again, its
// message cleared, without waiting for a resync.
func TestConsoleAskedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1, orca: orca.Options{PollInterval: 10 * time.Second}})
		e.f.VIM("loc-1").FailNext(fake.OpConsole, 1, resource.Unavailable)
		srv := e.serverStack("s1")
		copyOf := func() (*resource.Resource, *resource.LocalServer) {
			l := e.locals(srv)["loc-1"]
			if l == nil {
				return nil, nil
			}
			return l, l.Spec.(*resource.LocalServer)
		}
		e.waitFor("the copy Ready without a console, saying why", 10*time.Minute, func() bool {
			l, spec := copyOf()
			return l != nil && l.Status.Phase == resource.PhaseReady && spec.ConsoleURL == "" &&
				strings.Contains(l.Status.Message, "no console URL yet: console at loc-1")
		})
		e.waitFor("the console URL", time.Minute, func() bool {
			l, spec := copyOf()
			return l.Status.Phase == resource.PhaseReady && spec.ConsoleURL != "" && l.Status.Message == ""
		})
		if got := e.o.StatsSnapshot().Resyncs; got > 1 {
			t.Errorf("%d resyncs: the console waited for one", got)
		}
	})
}
