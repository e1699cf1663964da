package vim_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

func TestServesAndUnsupported(t *testing.T) {
	d := fake.New(&fake.Options{Kinds: []resource.Kind{resource.KindNetwork}})
	if !vim.Serves(d, resource.KindNetwork) || vim.Serves(d, resource.KindServer) {
		t.Errorf("Serves disagrees with Kinds %v", d.Kinds())
	}
	if err := vim.Unsupported(resource.KindServer); resource.CodeOf(err) != resource.Unimplemented {
		t.Errorf("Unsupported = %v", err)
	}
}

func TestPowerActionValid(t *testing.T) {
	for a, want := range map[vim.PowerAction]bool{
		vim.ActionPowerOn: true, vim.ActionPowerOff: true, vim.ActionSoftOff: true,
		vim.ActionReboot: true, vim.ActionHardReboot: true, "": false, "cycle": false,
	} {
		if got := a.Valid(); got != want {
			t.Errorf("%q.Valid() = %v", a, got)
		}
	}
}

func TestObjectString(t *testing.T) {
	o := &vim.Object{Kind: resource.KindNetwork, Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln1"}}
	if got := o.String(); got != "network ln1" {
		t.Errorf("String() = %q", got)
	}
	o.ExternalID = "neutron-1"
	if got := o.String(); got != "network ln1 (neutron-1)" {
		t.Errorf("String() = %q", got)
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	c := &vim.Credentials{Username: "admin", Password: "s3cret-pw", ApplicationCredentialSecret: "s3cret-app", Token: "s3cret-tok"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("opening", "creds", c, "value", *c)
	outputs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v", *c, *c, *c), c.String(), logged.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, "s3cret") || strings.Contains(out, "admin") {
			t.Errorf("credentials leaked: %s", out)
		}
	}
}
