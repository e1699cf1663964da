package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
)

// escStep is one esc line of the README's ESC walkthrough.
type escStep struct {
	line, method, path, body string
}

var (
	// escLine is the form of the walkthrough's requests:
	//	esc [-X METHOD] $ESC/PATH [-d 'BODY' | -d "$(dm N)"]
	escLine = regexp.MustCompile(`^esc (?:-X ([A-Z]+) )?\$ESC(/\S+)(?: -d (?:'([^']*)'|"\$\(dm (\d+)\)"))?$`)
	// dmFunc is the shell function writing the datamodel, $1 its count.
	dmFunc = regexp.MustCompile(`(?s)\ndm\(\) \{ cat <<EOF\n(.*?)\nEOF\n\}\n`)
	shell  = regexp.MustCompile("(?s)```sh\n(.*?)```")
)

// readmeWalkthrough reads the esc lines of the README's ESC section, in
// order, as requests.
func readmeWalkthrough(t *testing.T) []escStep {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "### ESC (seed 004)")
	if start < 0 {
		t.Fatal("the README has no ESC section")
	}
	section := readme[start:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	dm := dmFunc.FindStringSubmatch(section)
	if dm == nil {
		t.Fatal("the README's ESC section defines no dm()")
	}
	var steps []escStep
	for _, block := range shell.FindAllStringSubmatch(section, -1) {
		for _, line := range strings.Split(block[1], "\n") {
			if !strings.HasPrefix(line, "esc ") {
				continue
			}
			m := escLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("README line %q is not of a form this test reads (esc [-X METHOD] $ESC/PATH [-d '...' | -d \"$(dm N)\"])", line)
			}
			s := escStep{line: line, method: m[1], path: m[2], body: m[3]}
			if m[4] != "" {
				s.body = strings.ReplaceAll(dm[1], "$1", m[4])
			}
			if s.method == "" {
				s.method = "POST" // curl -d
			}
			steps = append(steps, s)
		}
	}
	return steps
}

// escCallback is a callback as the walkthrough reads it.
type escCallback struct {
	tx, code, stage, vm string
}

// escReceiver collects ESC callbacks.
type escReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []escCallback
}

func newESCReceiver(t *testing.T) *escReceiver {
	rc := &escReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var v struct {
			Stage string `xml:"deployment_stage"`
			Event string `xml:"event_type"`
			VM    string `xml:"deployment_details>vm_name"`
		}
		if err := xml.Unmarshal(body, &v); err != nil {
			t.Errorf("callback %q: %v", body, err)
		}
		c := escCallback{tx: r.Header.Get("ESC_TRANSACTION_ID"), code: r.Header.Get("ESC-Status-Code"), stage: v.Stage, vm: v.VM}
		if c.stage == "" {
			c.stage = v.Event
		}
		rc.mu.Lock()
		rc.got = append(rc.got, c)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// of returns the callbacks of a transaction: "CODE STAGE [VM]" each.
func (rc *escReceiver) of(tx string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, c := range rc.got {
		if c.tx == tx {
			out = append(out, strings.TrimSpace(c.code+" "+c.stage+" "+c.vm))
		}
	}
	return out
}

// TestDemoESCWalkthrough runs the README's ESC walkthrough as written, on
// the demo's defaults (two fake locations, loopback callbacks and
// fetches) but quicker VIMs: every write is reported, the deployment's
// VMs one by one and then the service.
func TestDemoESCWalkthrough(t *testing.T) {
	steps := readmeWalkthrough(t)
	rc := newESCReceiver(t)
	d := start(t, []string{"-db", "memory", "-admin-password", "pw", "-fake-build-time", "50ms", "-poll-interval", "50ms"}, nil)
	defer d.stop()

	vms := func(stage string, names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, "200 "+stage+" "+n)
		}
		return out
	}
	all := []string{"web_fw_0", "web_fw_1", "web_fw_2", "web_lb_0"}
	// What each step reports: its VMs' callbacks (in any order), then its
	// last.
	want := []struct {
		vms  []string
		last string
	}{
		{nil, "200 CREATE_TENANT"},
		{nil, "200 CREATE_IMAGE"},
		{nil, "200 CREATE_FLAVOR"},
		{nil, "200 CREATE_NETWORK"},
		{nil, "200 CREATE_SUBNET"},
		{append(vms("VM_ALIVE", "web_fw_0", "web_fw_1", "web_lb_0"), vms("VM_DEPLOYED", "web_fw_0", "web_fw_1", "web_lb_0")...), "200 SERVICE_ALIVE"},
		{append(vms("VM_ALIVE", "web_fw_2"), vms("VM_DEPLOYED", "web_fw_2")...), "200 SERVICE_UPDATED"},
		{vms("VM_STOPPED", all...), "200 SERVICE_STOPPED"},
		{vms("VM_UNDEPLOYED", all...), "200 SERVICE_UNDEPLOYED"},
	}
	if len(steps) != len(want) {
		var lines []string
		for _, s := range steps {
			lines = append(lines, s.line)
		}
		t.Fatalf("the README has %d esc lines, this test expects %d:\n%s", len(steps), len(want), strings.Join(lines, "\n"))
	}

	for i, s := range steps {
		code, h, body := escDo(t, s.method, d.url+"/v0"+s.path, s.body, "Callback", rc.srv.URL+"/")
		if code != 200 {
			t.Fatalf("%s: %d %s", s.line, code, body)
		}
		tx := h.Get("ESC_TRANSACTION_ID")
		wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, s.line, func() bool {
			return slices.Contains(rc.of(tx), want[i].last)
		})
		got := rc.of(tx)
		slices.Sort(got[:len(got)-1])
		if diff := cmp.Diff(append(slices.Clone(want[i].vms), want[i].last), got); diff != "" {
			t.Errorf("%s: callbacks (-want +got):\n%s", s.line, diff)
		}

		switch s.path {
		case "/acme/subnets/mgmt-v4":
			// A deployment naming no VIM, with two locations and no
			// default VIM connector, is refused and not made.
			noVIM := strings.Replace(steps[i+1].body, "<locator><vim_id>loc-1</vim_id></locator>", "", 1)
			if code, _, body := escDo(t, "POST", d.url+"/v0/deployments/other", noVIM, "Callback", rc.srv.URL+"/"); code != 400 ||
				!strings.Contains(body, "default_vim_connector") {
				t.Errorf("a deployment naming no VIM: %d %s", code, body)
			}
			if code, _, _ := escDo(t, "GET", d.url+"/v0/deployments/other", ""); code != 404 {
				t.Errorf("the refused deployment: %d", code)
			}
		case "/deployments/web":
			if s.method != "POST" {
				break
			}
			// The README's GET: the deployment at loc-1, its three VMs alive.
			_, _, body := escDo(t, "GET", d.url+"/v0/deployments/web", "", "Accept", "application/json")
			var view struct {
				State string `json:"state"`
				VIM   string `json:"vim_id"`
				VMs   []struct {
					Name  string `json:"vm_name"`
					State string `json:"state"`
				} `json:"vm_state_machines"`
			}
			if err := json.Unmarshal([]byte(body), &view); err != nil {
				t.Fatalf("GET the deployment: %v: %s", err, body)
			}
			alive := []string{"web_fw_0 VM_ALIVE_STATE", "web_fw_1 VM_ALIVE_STATE", "web_lb_0 VM_ALIVE_STATE"}
			var states []string
			for _, vm := range view.VMs {
				states = append(states, vm.Name+" "+vm.State)
			}
			if diff := cmp.Diff(alive, states); diff != "" || view.State != "SERVICE_ACTIVE_STATE" || view.VIM != "loc-1" {
				t.Errorf("GET the deployment: %s at %s, VMs (-want +got):\n%s", view.State, view.VIM, diff)
			}
		}
	}
	if code, _, body := escDo(t, "GET", d.url+"/v0/deployments/web", ""); code != 404 {
		t.Errorf("after the undeployment: %d %s", code, body)
	}
}
