package resource

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestEncodeStatusAsJSON checks appendStatus against json.Marshal, byte for
// byte, on the values statuses hold and on the edges of encoding/json's
// number and string forms; values it declines go to json.Marshal.
func TestEncodeStatusAsJSON(t *testing.T) {
	tests := map[string]struct {
		st      Status
		decline bool
	}{
		"empty":   {st: Status{}},
		"pending": {st: Status{Phase: PhasePending}},
		"copy": {st: Status{Phase: PhaseReady, ExternalID: "loc-1-network-000001", ObservedGeneration: 1,
			Output: map[string]any{"vim": "loc-1", "external_id": "x", "cidr": "10.0.0.0/24"}}},
		"aggregate": {st: Status{Phase: PhaseProvisioning, Message: "ready at 3 of 10 location(s)", ObservedGeneration: 7,
			Output: map[string]any{"locations": map[string]any{
				"loc-2": map[string]any{"status": "Provisioning"},
				"loc-1": map[string]any{"status": "Ready", "external_id": "e"},
			}}}},
		"marker": {st: Status{Phase: PhaseProvisioning, Message: "creating",
			CreatePendingSince: time.Date(2026, 12, 6, 5, 11, 1, 123456789, time.UTC)}},
		"escapes": {st: Status{Phase: PhaseFailed, Message: "quota \"x\" < 3 & >\n\ttab \u00e9 \u2028 \u2029 \x01 \x7f",
			TaskStatus: "ERROR", ExternalID: "\xff\xfe"}},
		"numbers": {st: Status{Output: map[string]any{
			"ints": []any{0, 1, -1, int64(math.MaxInt64), int64(math.MinInt64), int32(-7)},
			"floats": []any{0.0, math.Copysign(0, -1), 1.0, -2.5, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.2345e21,
				123456789.0, 0.1, 1.0 / 3, math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-300},
		}}},
		"shapes": {st: Status{Output: map[string]any{
			"nil": nil, "t": true, "f": false, "list": []any{}, "nil list": []any(nil),
			"strings": []string{"a", "<b>"}, "nil strings": []string(nil),
			"map": map[string]any{}, "nil map": map[string]any(nil),
			"string map": map[string]string{"z": "1", "a": "&"}, "nil string map": map[string]string(nil),
			"deep":        map[string]any{"a": []any{map[string]any{"b": []any{1.5, "c"}}}},
			"key \u00e9<": "v", "": "empty key",
		}}},
		"generation":   {st: Status{ObservedGeneration: -3}},
		"empty output": {st: Status{Phase: PhaseReady, Output: map[string]any{}}},
		"struct":       {st: Status{Output: map[string]any{"s": struct{ A int }{1}}}, decline: true},
		"uint":         {st: Status{Output: map[string]any{"u": uint(3)}}, decline: true},
		"nan":          {st: Status{Output: map[string]any{"x": math.NaN()}}, decline: true},
		"year 10000":   {st: Status{CreatePendingSince: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, decline: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := appendStatus(nil, &tc.st)
			if ok == tc.decline {
				t.Fatalf("appendStatus ok = %v, want %v", ok, !tc.decline)
			}
			if ok {
				checkEncodedStatus(t, tc.st, got)
			}
		})
	}
}

// FuzzEncodeStatus: any output JSON decodes to, with any message and
// number, is written as json.Marshal writes it.
func FuzzEncodeStatus(f *testing.F) {
	f.Add(`{"locations":{"loc-1":{"status":"Ready"}}}`, "ready at 1 location(s)", 1.5, int64(3))
	f.Add(`{"a":[1,2.5e-9,true,null,"\u2028<"]}`, "quota \"x\"\n", 1e21, int64(-1))
	f.Add(`{}`, "\xff", math.Copysign(0, -1), int64(0))
	f.Fuzz(func(t *testing.T, output, msg string, num float64, gen int64) {
		var out map[string]any
		if json.Unmarshal([]byte(output), &out) != nil {
			out = nil
		}
		if out != nil {
			out["fuzzed number"] = num
		}
		st := Status{Phase: PhaseReady, Message: msg, Output: out, ObservedGeneration: gen}
		got, ok := appendStatus(nil, &st)
		if !ok {
			if _, err := json.Marshal(st); err == nil && !math.IsInf(num, 0) && !math.IsNaN(num) {
				t.Fatalf("declined a status json.Marshal writes: %+v", st)
			}
			return
		}
		checkEncodedStatus(t, st, got)
	})
}

func checkEncodedStatus(t *testing.T, st Status, got []byte) {
	t.Helper()
	want, err := json.Marshal(st)
	if err != nil {
		t.Fatalf("json.Marshal: %v, but appendStatus wrote %s", err, got)
	}
	if string(got) != string(want) {
		t.Errorf("appendStatus:\n  %s\njson.Marshal:\n  %s", got, want)
	}
}
