package resource

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// statusSeeds are statuses as stores hold them, and spellings only
// json.Unmarshal handles.
var statusSeeds = []string{
	`{}`,
	`{"phase":"Ready","external_id":"loc-1-network-000001","output":{"cidr":"10.0.0.0/24","external_id":"x","vim":"loc-1"},"observed_generation":1}`,
	`{"phase":"Provisioning","message":"ready at 3 of 10 location(s)","output":{"locations":{"loc-1":{"external_id":"e","status":"Ready"},"loc-2":{"status":"Provisioning"}}},"observed_generation":7}`,
	`{"phase":"Provisioning","message":"creating","create_pending_since":"2026-12-06T05:11:01.123456789Z"}`,
	`{"phase":"Failed","message":"quota \"x\" \u003c 3\n\ttab \u00e9 \u2028","task_status":"ERROR"}`,
	`{"output":{"a":[1,2.5,-3e10,true,false,null,"s",{"b":[]}],"n":-0,"big":1e308}}`,
	`{"Phase":"Ready"}`,
	`{"phase":null}`,
	`{"output":null}`,
	`{"output":{"a":1},"output":{"b":2}}`,
	`{"observed_generation":1.5}`,
	`{"observed_generation":01}`,
	`{"output":{"x":1e400}}`,
	`{"message":"\ud83d\ude00 and \ud800"}`,
	"{\"message\":\"\xff\"}",
	`{"phase":"Ready"} `,
	`{"phase":"Ready"}x`,
	`null`,
	` { "phase" : "Ready" , "observed_generation" : -2 } `,
}

// TestDecodeStatusAsJSON checks DecodeStatus against json.Unmarshal on
// stored statuses and on spellings the fast path leaves to it.
func TestDecodeStatusAsJSON(t *testing.T) {
	for _, raw := range statusSeeds {
		t.Run(raw, func(t *testing.T) { checkDecodeStatus(t, []byte(raw)) })
	}
	// What EncodeStatus writes takes the fast path.
	raw, _, err := EncodeStatus(Status{Phase: PhaseReady, Message: "m", ExternalID: "e", TaskStatus: "ACTIVE",
		Output: map[string]any{"k": []any{1.0, "v", map[string]any{"z": nil}}}, ObservedGeneration: 3,
		CreatePendingSince: time.Date(2026, 12, 6, 1, 2, 3, 4, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fastStatus(raw); !ok {
		t.Errorf("the fast path gave up on what EncodeStatus wrote: %s", raw)
	}
}

func FuzzDecodeStatus(f *testing.F) {
	for _, raw := range statusSeeds {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkDecodeStatus(t, raw) })
}

func checkDecodeStatus(t *testing.T, raw []byte) {
	t.Helper()
	var want Status
	wantErr := json.Unmarshal(raw, &want)
	got, err := DecodeStatus(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%q (-json.Unmarshal +DecodeStatus):\n%s", raw, diff)
	}
}
