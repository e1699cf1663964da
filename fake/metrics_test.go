package fake_test

import (
	"testing"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

// TestMetrics: a machine reports its own value of a metric, else the
// site's; a metric nobody set, or a machine that is not, is NotFound.
func TestMetrics(t *testing.T) {
	v := fake.New(nil)
	a := vnfServer(t, v, "a", &resource.Network{CIDR: "10.1.0.0/24"}, []resource.NIC{{NetworkID: "a-net"}})
	mustCreate(t, v, a)
	if _, err := v.Metric(t.Context(), a, "cpu"); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("unset metric: %v, want NotFound", err)
	}
	if err := v.SetMetric("", "cpu", 40); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Metric(t.Context(), a, "cpu"); err != nil || got != 40 {
		t.Errorf("site's value: %v %v, want 40", got, err)
	}
	if err := v.SetMetric(a.Ref.ID, "cpu", 90); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Metric(t.Context(), a, "cpu"); err != nil || got != 90 {
		t.Errorf("own value: %v %v, want 90", got, err)
	}
	if err := v.SetMetric("nope", "cpu", 1); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("unknown machine: %v", err)
	}
}
