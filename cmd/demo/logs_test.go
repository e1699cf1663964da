package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoLogFormatAndLevel: -log-format json writes every log record as
// a JSON object; -log-level sets the level, ESC's LOG/LEVEL still moves it
// at run time, and at the next start the stored LOG/LEVEL applies unless
// -log-level is given again.
func TestDemoLogFormatAndLevel(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orca.db")
	// An ESC configuration change is logged at info, after it took effect.
	changed := func(d *demo, param string) bool {
		t.Helper()
		before := len(d.stderr.String())
		if code, body := escCall(t, http.DefaultClient, "PUT", d.url+"/v0/config/"+param, "admin", "pw"); code != 200 {
			t.Fatalf("PUT %s: %d %s", param, code, body)
		}
		return strings.Contains(d.stderr.String()[before:], "ESC configuration changed")
	}
	steps := []struct {
		name  string
		args  []string
		param string
		want  bool // logged
	}{
		{"warn given: info is not logged", []string{"-log-level", "warn"}, "DEFAULT/VM_RECOVERY_RETRIES_MAX/4", false},
		{"ESC's LOG/LEVEL moves it at once", nil, "LOG/LEVEL/DEBUG", true},
		{"stored DEBUG applies at the next start", []string{}, "DEFAULT/VM_RECOVERY_RETRIES_MAX/5", true},
		{"-log-level given wins over the stored level", []string{"-log-level", "error"}, "DEFAULT/VM_RECOVERY_RETRIES_MAX/6", false},
	}
	var d *demo
	var stderr strings.Builder // every start's
	stop := func() {
		if err := d.stop(); err != nil {
			t.Fatal(err)
		}
		stderr.WriteString(d.stderr.String())
	}
	for _, s := range steps {
		if s.args != nil {
			if d != nil {
				stop()
			}
			d = start(t, append([]string{"-db", db, "-admin-password", "pw", "-fake-locations", "0", "-log-format", "json"}, s.args...), nil)
		}
		if got := changed(d, s.param); got != s.want {
			t.Errorf("%s: logged %v, want %v", s.name, got, s.want)
		}
	}
	stop()
	// Every record, from every start, is one JSON object.
	records := 0
	for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
		var rec struct{ Time, Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level == "" || rec.Msg == "" {
			t.Errorf("not a JSON log record: %q (%v)", line, err)
		}
		records++
	}
	if records == 0 {
		t.Error("no log records")
	}
}
