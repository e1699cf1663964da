package main

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDemoRefusesBadFlags: every bad flag, and every file or address a
// flag names that cannot be used, stops the demo before it serves with
// exit status 2 and one line on stderr naming the flag (for -users, the
// line and field too).
func TestDemoRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, certFile, keyFile)
	aFile := file("a-file", "not a directory", 0o600)
	garbageDB := file("garbage.db", strings.Repeat("not a database ", 300), 0o600)
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	users := func(name, content string) string { return file(name, content, 0o600) }
	alice := `{"name": "alice", "password": "pw", "tenant_id": "t1", "roles": ["member"]}`

	tests := map[string]struct {
		args    []string
		env     map[string]string
		nonRoot bool     // root writes anywhere: the case needs another user
		says    []string // what the one line must contain
	}{
		"unknown flag":              {args: []string{"-nope"}, says: []string{"-nope", "-help"}},
		"a flag without its value":  {args: []string{"-db"}, says: []string{"-db", "needs an argument"}},
		"not a duration":            {args: []string{"-fake-latency", "5"}, says: []string{"-fake-latency", "not a duration", "500ms"}},
		"not a duration either":     {args: []string{"-poll-interval", "soon"}, says: []string{"-poll-interval", "not a duration"}},
		"a poll interval too short": {args: []string{"-poll-interval", "0s"}, says: []string{"-poll-interval", "at least 10ms"}},
		"a negative duration":       {args: []string{"-fake-build-time", "-1s"}, says: []string{"-fake-build-time", "negative"}},
		"not a number":              {args: []string{"-fake-locations", "many"}, says: []string{"-fake-locations"}},
		"too many locations":        {args: []string{"-fake-locations", "101"}, says: []string{"-fake-locations", "between 0 and 100"}},
		"negative locations":        {args: []string{"-fake-locations", "-1"}, says: []string{"-fake-locations"}},
		"a rate that is no rate":    {args: []string{"-rate-limit", "NaN"}, says: []string{"-rate-limit"}},
		"no work factor":            {args: []string{"-pbkdf2-iterations", "0"}, says: []string{"-pbkdf2-iterations"}},
		"an argument":               {args: []string{"serve"}, says: []string{`"serve"`, "flags only"}},
		"log format":                {args: []string{"-log-format", "xml"}, says: []string{"-log-format", `"xml"`, "text or json"}},
		"log level":                 {args: []string{"-log-level", "loud"}, says: []string{"-log-level", `"loud"`, "debug, info, warn or error"}},
		"an unknown fake down":      {args: []string{"-fake-down", "loc-3"}, says: []string{"-fake-down", `"loc-3"`, "loc-1 ... loc-2"}},
		"a fake down not a fake":    {args: []string{"-fake-down", "site-a"}, says: []string{"-fake-down", `"site-a"`}},
		"fake down on fakevim":      {args: []string{"-fake-down", "loc-1", "-fake-vim", "http://127.0.0.1:7070"}, says: []string{"-fake-down", "-fake-vim"}},
		"fake VIM not a URL":        {args: []string{"-fake-vim", "fakevim:7070"}, says: []string{"-fake-vim", "not an http(s) URL"}},
		"cert without key":          {args: []string{"-tls-cert", certFile}, says: []string{"-tls-cert and -tls-key go together"}},
		"key without cert":          {args: []string{"-tls-key", keyFile}, says: []string{"-tls-cert and -tls-key go together"}},
		"cert missing":              {args: []string{"-tls-cert", filepath.Join(dir, "none.pem"), "-tls-key", keyFile}, says: []string{"-tls-cert", "none.pem", "no such file"}},
		"key not a key":             {args: []string{"-tls-cert", certFile, "-tls-key", aFile}, says: []string{"-tls-key", "a-file"}},
		"addr unparsable":           {args: []string{"-addr", "localhost"}, says: []string{"-addr", `"localhost"`, "host:port"}},
		"addr with a bad port":      {args: []string{"-addr", "127.0.0.1:99999"}, says: []string{"-addr 127.0.0.1:99999", "port"}},
		"addr in use":               {args: []string{"-addr", busy.Addr().String()}, says: []string{"-addr " + busy.Addr().String(), "address already in use"}},
		"pprof not on loopback":     {args: []string{"-pprof", "0.0.0.0:0"}, says: []string{"-pprof", "loopback"}},
		"pprof in use":              {args: []string{"-pprof", busy.Addr().String()}, says: []string{"-pprof", "address already in use"}},
		"db under a file":           {args: []string{"-db", filepath.Join(aFile, "orca.db")}, says: []string{"-db", "cannot make its directory", "not a directory"}},
		"db a directory":            {args: []string{"-db", dir}, says: []string{"-db", "is a directory", filepath.Join(dir, "orca.db")}},
		"db not a database":         {args: []string{"-db", garbageDB}, says: []string{"garbage.db", "is not an SQLite database"}},
		"db in a read-only dir":     {args: []string{"-db", filepath.Join(readOnly, "orca.db")}, nonRoot: true, says: []string{"-db", "cannot be written"}},
		"users missing":             {args: []string{"-users", filepath.Join(dir, "nobody.json")}, says: []string{"-users", "nobody.json", "no such file"}},
		"users not JSON": {args: []string{"-users", users("u1.json", "[\n  {\"name\": \"alice\",\n   \"password\": 'pw'}\n]")},
			says: []string{"-users", "u1.json", "line 3, column 16", "invalid character"}},
		"users not a list": {args: []string{"-users", users("u2.json", alice)},
			says: []string{"-users", "u2.json", "line 1", "want a JSON list of users"}},
		"users cut short": {args: []string{"-users", users("u3.json", "[\n"+alice+",\n{\"name\": \"bob\"")},
			says: []string{"-users", "u3.json", "ends early"}},
		"users unknown field": {args: []string{"-users", users("u4.json", "[\n  "+alice+",\n  {\"name\": \"bob\", \"passwd\": \"x\", \"tenant_id\": \"t1\"}\n]")},
			says: []string{"-users", "u4.json", "line 3 (user 2)", `unknown field "passwd"`}},
		"users wrong type": {args: []string{"-users", users("u5.json", `[{"name": "bob", "password": "x", "tenant_id": "t1", "roles": "admin"}]`)},
			says: []string{"u5.json", "line 1 (user 1)", "field roles", "string"}},
		"users bad role": {args: []string{"-users", users("u6.json", "[\n"+alice+",\n\n"+`{"name": "bob", "password": "x", "tenant_id": "t1", "roles": ["root"]}`+"\n]")},
			says: []string{"u6.json", "line 4 (user 2)", `role "root"`}},
		"users no password": {args: []string{"-users", users("u7.json", `[{"name": "bob", "tenant_id": "t1"}]`)},
			says: []string{"u7.json", "line 1 (user 1)", "password is required"}},
		"users twice": {args: []string{"-users", users("u8.json", "[\n"+alice+",\n"+alice+"\n]")},
			says: []string{"u8.json", "line 3 (user 2)", "alice appears twice (first at line 2)"}},
		"users bad name": {args: []string{"-users", users("u9.json", `[{"name": "", "password": "x", "tenant_id": "t1"}]`)},
			says: []string{"u9.json", "line 1 (user 1)", "name"}},
		"users bad tenant": {args: []string{"-users", users("u10.json", `[{"name": "bob", "password": "x", "tenant_id": "a b"}]`)},
			says: []string{"u10.json", "tenant_id"}},
		"users then more": {args: []string{"-users", users("u11.json", "["+alice+"]\n[]")},
			says: []string{"u11.json", "line 2", "more after the list"}},
		"key file missing": {args: []string{"-secret-key-file", filepath.Join(dir, "no.key")}, says: []string{"-secret-key-file", "no.key"}},
		"key file readable by others": {args: []string{"-secret-key-file", file("open.key", "AAAA", 0o644)},
			says: []string{"-secret-key-file", "open.key", "chmod 600"}},
		"key file not a key":               {args: []string{"-secret-key-file", file("bad.key", "not a key", 0o600)}, says: []string{"-secret-key-file", "bad.key"}},
		"key in the environment not a key": {env: map[string]string{"ORCA_SECRET_KEY": "not a key"}, says: []string{"ORCA_SECRET_KEY"}},
		"CA file missing":                  {args: []string{"-vim-ca-file", filepath.Join(dir, "ca.pem")}, says: []string{"-vim-ca-file", "ca.pem"}},
		"CA file not PEM":                  {args: []string{"-vim-ca-file", aFile}, says: []string{"-vim-ca-file", "no PEM certificate"}},
		"Keystone not a URL":               {args: []string{"-keystone-url", "keystone:5000"}, says: []string{"-keystone-url", "http(s) URL"}},
		"allow list not CIDRs":             {args: []string{"-callback-allow", "10.0.0.0/8,nope"}, says: []string{"-callback-allow", "nope"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.nonRoot && os.Geteuid() == 0 {
				t.Skip("root may write into a read-only directory")
			}
			args := append([]string{"-db", "memory", "-addr", "127.0.0.1:0", "-pbkdf2-iterations", "1000", "-fake-locations", "2"}, tc.args...)
			env := func(k string) string {
				if k == "XDG_CONFIG_HOME" {
					return dir
				}
				return tc.env[k]
			}
			var out, errOut, report bytes.Buffer
			err := run(t.Context(), args, env, &out, &errOut)
			if code := exitCode(err, &report); code != 2 {
				t.Fatalf("exit status %d (error %v), want 2", code, err)
			}
			line, ok := strings.CutSuffix(report.String(), "\n")
			if !ok || strings.Contains(line, "\n") || !strings.HasPrefix(line, "demo: ") {
				t.Fatalf("stderr %q: want one line starting with \"demo: \"", report.String())
			}
			for _, s := range tc.says {
				if !strings.Contains(line, s) {
					t.Errorf("%q does not say %q", line, s)
				}
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("the demo served: %q", out.String())
			}
		})
	}
}

// TestDemoHelp: -help, -h and --help print the flags by group, each once
// with its explanation, then the environment and example invocations that
// parse; the exit status is 0 and nothing goes to stderr.
func TestDemoHelp(t *testing.T) {
	for _, arg := range []string{"-help", "-h", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var out, errOut, report bytes.Buffer
			err := run(t.Context(), []string{arg}, func(string) string { return "" }, &out, &errOut)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("run: %v, want flag.ErrHelp", err)
			}
			if code := exitCode(err, &report); code != 0 || report.Len() != 0 || errOut.Len() != 0 {
				t.Errorf("exit status %d, stderr %q %q; want 0 and nothing", code, report.String(), errOut.String())
			}
			help := out.String()

			// The groups, in order, and no flag left out of them.
			var headings []string
			for _, m := range regexp.MustCompile(`(?m)^([A-Z][A-Za-z ]*):$`).FindAllStringSubmatch(help, -1) {
				headings = append(headings, m[1])
			}
			want := []string{"Serving", "Data", "Users and security", "Fake locations", "VIMs and outbound", "Diagnostics", "Environment", "Examples"}
			if diff := cmp.Diff(want, headings); diff != "" {
				t.Errorf("headings (-want +got):\n%s", diff)
			}
			// Every flag once, with an explanation.
			var c config
			var level string
			newFlagSet(&c, &level).VisitAll(func(f *flag.Flag) {
				lines := regexp.MustCompile(`(?m)^  -`+regexp.QuoteMeta(f.Name)+`( \S+)?  +(\S.*)$`).FindAllStringSubmatch(help, -1)
				if len(lines) != 1 {
					t.Errorf("-%s is on %d lines of the help", f.Name, len(lines))
					return
				}
				if len(strings.Fields(lines[0][2])) < 3 {
					t.Errorf("-%s: explanation %q", f.Name, lines[0][2])
				}
			})
			for _, s := range []string{"(default 127.0.0.1:8080)", "(default 2)", "(default 2s)", "(default text)", "(default info)", "ORCA_ADMIN_PASSWORD", "ORCA_SECRET_KEY"} {
				if !strings.Contains(help, s) {
					t.Errorf("the help does not say %s", s)
				}
			}
			// The examples are invocations the demo accepts.
			examples := regexp.MustCompile(`(?m)^  go run \./cmd/demo(.*?)(  +#.*)?$`).FindAllStringSubmatch(help, -1)
			if len(examples) < 2 {
				t.Fatalf("%d example invocations", len(examples))
			}
			for _, ex := range examples {
				if _, err := parseFlags(strings.Fields(ex[1]), &bytes.Buffer{}); err != nil {
					t.Errorf("example %q: %v", ex[0], err)
				}
			}
		})
	}
}

// TestDemoLogLevelFlag: -log-level is read in any case, and only when
// given does it win over ESC's stored LOG/LEVEL (logLevelSet).
func TestDemoLogLevelFlag(t *testing.T) {
	tests := map[string]struct {
		args      []string
		wantLevel string
		wantSet   bool
		wantJSON  bool
	}{
		"defaults":       {wantLevel: "INFO"},
		"debug":          {args: []string{"-log-level", "debug"}, wantLevel: "DEBUG", wantSet: true},
		"WARN, shouting": {args: []string{"-log-level", "WARN"}, wantLevel: "WARN", wantSet: true},
		"error, json":    {args: []string{"-log-level", "error", "-log-format", "json"}, wantLevel: "ERROR", wantSet: true, wantJSON: true},
		"info given":     {args: []string{"-log-level=info"}, wantLevel: "INFO", wantSet: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := parseFlags(tc.args, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			type got struct {
				Level     string
				Set, JSON bool
			}
			if diff := cmp.Diff(got{tc.wantLevel, tc.wantSet, tc.wantJSON}, got{c.logLevel.String(), c.logLevelSet, c.logFormat == "json"}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
