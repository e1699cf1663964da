package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/vim"
)

// checkOutput checks what run printed: both locations Ready, the network
// Ready at each with its own /24 and Neutron ID, and the clean-up.
func checkOutput(t *testing.T, out string, keep bool) (neutronIDs []string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^network \S+ at (site-[ab]): Ready, (10\.198\.\d+\.0/24), Neutron network (\S+)$`)
	subnets := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		subnets[m[1]] = m[2]
		neutronIDs = append(neutronIDs, m[3])
	}
	if len(subnets) != 2 || subnets["site-a"] == subnets["site-b"] {
		t.Errorf("the network at the two locations: %v, want Ready at both with a /24 each; output:\n%s", subnets, out)
	}
	if len(neutronIDs) == 2 && neutronIDs[0] == neutronIDs[1] {
		t.Errorf("both locations name Neutron network %s; want one each", neutronIDs[0])
	}
	for _, s := range []string{"location site-a: Ready", "location site-b: Ready"} {
		if !strings.Contains(out, s) {
			t.Errorf("the output does not say %q:\n%s", s, out)
		}
	}
	if cleaned := strings.Contains(out, "locations deleted"); cleaned == keep {
		t.Errorf("keep %v, but the output says:\n%s", keep, out)
	}
	return neutronIDs
}

// TestOnFakeOpenStack runs the example against the project's in-process
// fake OpenStack, so that its code path is exercised on every test run:
// the networks exist in Neutron while Ready and are gone afterwards.
func TestOnFakeOpenStack(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			cloud := osfake.New(&osfake.Options{AutoStep: true})
			defer cloud.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a bound against hanging only
			defer cancel()
			var out bytes.Buffer
			err := run(ctx, Cloud{AuthURL: cloud.AuthURL(), Region: "RegionOne", Credentials: vim.Credentials{
				Username: "admin", Password: "secret", ProjectName: "demo", UserDomain: "Default", ProjectDomain: "Default"}},
				&Options{Keep: keep, Poll: 20 * time.Millisecond, HTTPClient: cloud.Client()}, &out)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			ids := checkOutput(t, out.String(), keep)
			var left []string
			for _, n := range cloud.Objects(osfake.KindNetwork) {
				left = append(left, n.ID)
			}
			want := ids
			if !keep {
				want = nil
			}
			slices.Sort(want)
			slices.Sort(left)
			if diff := cmp.Diff(want, left); diff != "" {
				t.Errorf("networks left in Neutron (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOnRealOpenStack runs the example against the cloud the OS_*
// variables name (source /tmp/openstack/openrc once ../shared/openstack's
// up.sh has started the loopback cloud). Skipped when there is none.
func TestOnRealOpenStack(t *testing.T) {
	cloud, err := cloudFromEnv(os.Getenv)
	if err != nil {
		t.Skipf("no real OpenStack: %v", err)
	}
	probe := &http.Client{Timeout: 5 * time.Second}
	resp, err := probe.Get(cloud.AuthURL)
	if err != nil {
		t.Skipf("no real OpenStack: Keystone at %s does not answer (%v); start it with ../shared/openstack/up.sh", cloud.AuthURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Skipf("no real OpenStack: Keystone at %s answers %s", cloud.AuthURL, resp.Status)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute) // a bound against hanging only
	defer cancel()
	var out bytes.Buffer
	// A name of this run's own: a run that was cut short left its network.
	network := fmt.Sprintf("example-net-%d", time.Now().Unix()%100000)
	if err := run(ctx, cloud, &Options{Network: network}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkOutput(t, out.String(), false)
	t.Logf("against %s:\n%s", cloud.AuthURL, out.String())
}

func TestCloudFromEnv(t *testing.T) {
	env := map[string]string{"OS_AUTH_URL": "http://127.0.0.1:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "secret",
		"OS_PROJECT_NAME": "admin", "OS_REGION_NAME": "RegionOne"}
	got, err := cloudFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Cloud{AuthURL: "http://127.0.0.1:5000/v3", Region: "RegionOne", Credentials: vim.Credentials{
		Username: "admin", Password: "secret", ProjectName: "admin", UserDomain: "Default", ProjectDomain: "Default"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := cloudFromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "OS_AUTH_URL") {
		t.Errorf("without OS_AUTH_URL: %v", err)
	}
}
