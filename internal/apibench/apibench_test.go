package apibench_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/apibench"
	"github.com/orca-nfv/orca/internal/loadtest"
	"github.com/orca-nfv/orca/secret"
)

const preload = 1000

// TestAPIBench runs the API benchmark when ORCA_APIBENCH is set (scripts/bench
// sets it): the demo binary and the bare baseline, each on its own SQLite
// file with 1,000 networks, over loopback; GET by id, lists of 100 filtered
// by tenant and by a spec field, create and update at 1, 8 and 32 clients,
// APIBENCH_SECONDS (default 4) each. It prints one table; it asserts only
// that every answer was right.
func TestAPIBench(t *testing.T) {
	if os.Getenv("ORCA_APIBENCH") == "" {
		t.Skip("a benchmark: scripts/bench runs it (ORCA_APIBENCH=1)")
	}
	secs, _ := strconv.Atoi(os.Getenv("APIBENCH_SECONDS"))
	if secs <= 0 {
		secs = 4
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	dir := t.TempDir()
	demoBin, err := loadtest.BuildDemo(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	bareBin, err := loadtest.Build(ctx, dir, "github.com/orca-nfv/orca/internal/apibench/bare", "bare")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := loadtest.StartDemo(ctx, loadtest.DemoOptions{Bin: demoBin,
		Args: []string{"-db", filepath.Join(dir, "orca.db"), "-fake-locations", "0", "-rate-limit", "0", "-fake-build-time", "0",
			"-admin-password", "bench-pw", "-pbkdf2-iterations", "1000"},
		Env: []string{"ORCA_SECRET_KEY=" + secret.GenerateKey()}})
	if err != nil {
		t.Fatal(err)
	}
	defer demo.Stop()
	token := login(t, demo.URL)
	bare, err := loadtest.StartDemo(ctx, loadtest.DemoOptions{Bin: bareBin, Banner: "bare listening on ",
		Args: []string{"-db", filepath.Join(dir, "bare.db"), "-token", token}})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Stop()

	sides := []struct {
		name string
		s    apibench.Server
	}{
		{"orca", apibench.Server{URL: demo.URL, Token: token, PID: demo.PID(), Mallocs: func() (uint64, error) {
			var v struct {
				Runtime struct {
					Mallocs uint64 `json:"mallocs"`
				} `json:"runtime"`
			}
			return v.Runtime.Mallocs, getJSON(demo.URL+"/debug/vars", token, &v)
		}}},
		{"bare", apibench.Server{URL: bare.URL, Token: token, PID: bare.PID(), Mallocs: func() (uint64, error) {
			var v uint64
			return v, getJSON(bare.URL+"/debug/mallocs", token, &v)
		}}},
	}
	body := func(id string, i int64) string {
		return fmt.Sprintf(`{"network": {"id": %q, "name": %q, "cidr": "10.%d.%d.0/24", "description": "bench"}}`, id, id, i/256%256, i%256)
	}
	for _, side := range sides {
		for i := int64(0); i < preload; i++ {
			if code := send(side.s, "POST", "/v1.0/tenant/networks", body(fmt.Sprintf("n-%d", i), i)); code != http.StatusCreated {
				t.Fatalf("%s: preload n-%d: %d", side.name, i, code)
			}
		}
	}
	workloads := []apibench.Workload{
		{Name: "GET by id", Want: http.StatusOK, Make: func(i int64) (string, string, string) {
			return "GET", fmt.Sprintf("/v1.0/tenant/networks/n-%d", i%preload), ""
		}},
		// The tenant is a column with an index, as the seed's clients
		// filter most; a spec field (description) is read out of each
		// row's JSON, on both sides.
		{Name: "list 100 by tenant", Want: http.StatusOK, Make: func(int64) (string, string, string) {
			return "GET", "/v1.0/tenant/networks?tenant_id=admin&limit=100", ""
		}},
		{Name: "list 100 by a field", Want: http.StatusOK, Make: func(int64) (string, string, string) {
			return "GET", "/v1.0/tenant/networks?description=bench&limit=100", ""
		}},
		{Name: "create", Want: http.StatusCreated, Make: func(i int64) (string, string, string) {
			return "POST", "/v1.0/tenant/networks", body(fmt.Sprintf("c-%d-%d", time.Now().UnixNano(), i), i)
		}},
		{Name: "update", Want: http.StatusOK, Make: func(i int64) (string, string, string) {
			return "PUT", fmt.Sprintf("/v1.0/tenant/networks/n-%d", i%preload), fmt.Sprintf(`{"network": {"name": "u-%d"}}`, i)
		}},
	}
	// Both sides count every match of a list (X-Total-Count), as Gohan
	// clients expect: the same work on each.
	for _, side := range sides {
		for _, w := range workloads {
			if !strings.HasPrefix(w.Name, "list") {
				continue
			}
			_, path, _ := w.Make(0)
			if got := total(side.s.URL+path, token); got != strconv.Itoa(preload) {
				t.Fatalf("%s: %s: X-Total-Count %q, want %d", side.name, path, got, preload)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "API over loopback: the demo (orca) against a bare net/http+SQLite server doing the same statements, %ds a cell\n", secs)
	fmt.Fprintf(&b, "%-20s %7s | %9s %9s %6s | %8s %8s | %8s %8s | %9s %9s %6s | %7s %7s\n", "workload", "clients",
		"orca r/s", "bare r/s", "ratio", "orca p50", "bare p50", "orca p99", "bare p99", "orca cpu", "bare cpu", "ratio", "orca al", "bare al")
	for _, w := range workloads {
		for _, clients := range []int{1, 8, 32} {
			var rs [2]apibench.Result
			for i, side := range sides {
				r, err := apibench.Run(side.s, w, clients, time.Duration(secs)*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if r.Errors > 0 {
					t.Errorf("%s %s at %d clients: %d wrong answers, the first: %s", side.name, w.Name, clients, r.Errors, r.FirstError)
				}
				rs[i] = r
			}
			o, ba := rs[0], rs[1]
			fmt.Fprintf(&b, "%-20s %7d | %9.0f %9.0f %5.2fx | %8s %8s | %8s %8s | %9s %9s %5.2fx | %7.0f %7.0f\n", w.Name, clients,
				o.PerSecond(), ba.PerSecond(), o.PerSecond()/ba.PerSecond(),
				ms(o.P50), ms(ba.P50), ms(o.P99), ms(ba.P99),
				us(o.CPUPerRequest), us(ba.CPUPerRequest), float64(ba.CPUPerRequest)/float64(max(o.CPUPerRequest, 1)),
				o.AllocsPerReq, ba.AllocsPerReq)
		}
	}
	b.WriteString("ratio: orca / bare throughput (1.00 = as fast as bare), and bare / orca CPU per request (1.00 = as cheap)\n")
	fmt.Print(b.String())

	dialects(t, sides[0].s, workloads[0], secs)

	// Latency under load: GET by id at 32 clients, idle, then while every
	// network converges at two locations that appear (its copies created
	// in the fake VIMs, their statuses written).
	get := workloads[0]
	idle, err := apibench.Run(sides[0].s, get, 32, time.Duration(secs)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"loc-1", "loc-2"} {
		if code := send(sides[0].s, "POST", "/v1.0/locations", fmt.Sprintf(`{"location": {"id": %q, "keystone_endpoint": "fake://%s"}}`, loc, loc)); code != http.StatusCreated {
			t.Fatalf("location %s: %d", loc, code)
		}
	}
	busy, err := apibench.Run(sides[0].s, get, 32, time.Duration(secs)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("GET by id at 32 clients while every network fans out to 2 new locations (by the end %s copies made, %s Ready):\n",
		total(demo.URL+"/v1.0/tenant/local_networks?limit=1", token), total(demo.URL+"/v1.0/tenant/local_networks?status=Ready&limit=1", token))
	fmt.Printf("  p99 %s under load against %s idle: %.2fx (p50 %s against %s)\n",
		ms(busy.P99), ms(idle.P99), float64(busy.P99)/float64(idle.P99), ms(busy.P50), ms(idle.P50))
	if busy.Errors+idle.Errors > 0 {
		t.Errorf("wrong answers under load: %d, the first: %s", busy.Errors+idle.Errors, busy.FirstError+idle.FirstError)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0fus", float64(d)/float64(time.Microsecond)) }

func login(t *testing.T, url string) string {
	t.Helper()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"bench-pw"}}}}}`
	res, err := http.Post(url+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tok := res.Header.Get("X-Subject-Token")
	if res.StatusCode != http.StatusCreated || tok == "" {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return tok
}

func send(s apibench.Server, method, path, body string) int {
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", s.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func getJSON(url, token string, v any) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Auth-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// total is a list's X-Total-Count.
func total(url, token string) string {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Auth-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "?"
	}
	res.Body.Close()
	return res.Header.Get("X-Total-Count")
}

// dialects prints a row per seed surface: a GET of one of its objects at
// 32 clients against /v1.0's GET by id, measured alongside. A dialect maps
// its wire onto the same store: it must not cost much more.
func dialects(t *testing.T, s apibench.Server, v1 apibench.Workload, secs int) {
	t.Helper()
	create := func(path, body string, want int) map[string]any {
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", s.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
		}
		return out
	}
	create("/tenants", `{"id": "bench-t", "description": "bench"}`, http.StatusOK)
	group := create("/api/openstack-server-groups/", `{"name": "bench-g", "policy": "affinity"}`, http.StatusCreated)["uuid"]
	create("/v1.0/tenant/images", `{"image": {"id": "bench-img", "disk_format": "qcow2", "container_format": "bare"}}`, http.StatusCreated)
	create("/v1.0/tenant/flavors", `{"flavor": {"id": "bench-fl", "ram": 64, "vcpus": 1}}`, http.StatusCreated)
	inst := create("/v1/instances", `{"name": "bench-bm", "instance_type_uuid": "bench-fl", "image_uuid": "bench-img", "networks": [{"net_id": "n-1"}]}`, http.StatusCreated)["uuid"]
	get := func(name, path string, header map[string]string) apibench.Workload {
		return apibench.Workload{Name: name, Want: http.StatusOK, Header: header,
			Make: func(int64) (string, string, string) { return "GET", path, "" }}
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:bench-pw"))
	rows := []apibench.Workload{
		get("Trema tenant (001)", "/tenants/bench-t", nil),
		get("Waldur group (002)", fmt.Sprintf("/api/openstack-server-groups/%v/", group), nil),
		get("Mogan instance (003)", fmt.Sprintf("/v1/instances/%v", inst), nil),
		get("ESC tenant (004)", "/v0/tenants/bench-t", map[string]string{"Authorization": basic, "Accept": "application/json"}),
	}
	d := time.Duration(secs) * time.Second
	base, err := apibench.Run(s, v1, 32, d)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("Each surface's GET at 32 clients against /v1.0's GET by id (%.0f r/s, %s CPU a request):\n", base.PerSecond(), us(base.CPUPerRequest))
	for _, w := range rows {
		r, err := apibench.Run(s, w, 32, d)
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors > 0 {
			t.Errorf("%s: %d wrong answers, the first: %s", w.Name, r.Errors, r.FirstError)
		}
		fmt.Printf("  %-22s %7.0f r/s %5.2fx   p99 %8s   cpu %7s %5.2fx   allocs %5.0f\n", w.Name, r.PerSecond(), r.PerSecond()/base.PerSecond(),
			ms(r.P99), us(r.CPUPerRequest), float64(r.CPUPerRequest)/float64(max(base.CPUPerRequest, 1)), r.AllocsPerReq)
	}
	fmt.Println("  (r/s ratio: the surface / /v1.0, 1.00 = as fast; cpu ratio: the surface / /v1.0, 1.00 = as cheap)")
}
