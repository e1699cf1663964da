package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// flagGroup is a heading of -help and the flags under it, in order.
type flagGroup struct {
	title string
	flags []string
}

// flagGroups orders -help. A flag missing here is still shown, under
// "Other" (a test checks there is none).
func flagGroups() []flagGroup {
	return []flagGroup{
		{"Serving", []string{"addr", "tls-cert", "tls-key", "rate-limit"}},
		{"Data", []string{"db", "replica-name", "lease-ttl", "seed-example"}},
		{"Users and security", []string{"users", "admin-password", "secret-key-file", "keystone-url", "pbkdf2-iterations"}},
		{"Fake locations", []string{"fake-locations", "fake-latency", "fake-build-time", "fake-down", "fake-vim"}},
		{"VIMs and outbound", []string{"poll-interval", "vim-ca-file", "callback-allow", "fetch-allow"}},
		{"Diagnostics", []string{"log-format", "log-level", "pprof"}},
	}
}

const usageHead = `Usage: demo [flags]

Serves orca's APIs on one store: seed 000 at /v1.0, Trema's tenants at
/tenants, Waldur's server groups at /api/openstack-server-groups/, Mogan's
instances at /v1/instances and ESC at /v0, with fake VIMs as locations.
It prints where it listens and how the admin logs in; SIGINT or SIGTERM
stop it, and a restart on the same -db keeps everything.
`

const usageTail = `
Environment:
  ORCA_ADMIN_PASSWORD  the admin's password when -admin-password is not given
  ORCA_SECRET_KEY      the key sealing credentials (base64 of 32 bytes), instead of -secret-key-file

Examples:
  go run ./cmd/demo                                          # 127.0.0.1:8080, data in ./orca-data
  go run ./cmd/demo -db memory -fake-locations 3 -fake-down loc-3 -seed-example
  go run ./cmd/demo -addr 0.0.0.0:8443 -tls-cert cert.pem -tls-key key.pem -users users.json -log-format json
`

// writeUsage writes -help: what the demo is, its flags by group, each
// with its value, what it does and its default, then the environment and
// examples.
func writeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageHead)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	shown := map[string]bool{}
	section := func(title string, names []string) {
		fmt.Fprintf(tw, "\n%s:\n", title)
		for _, name := range names {
			f := fs.Lookup(name)
			if f == nil {
				continue
			}
			shown[name] = true
			arg, usage := flag.UnquoteUsage(f)
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
				arg = ""
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(tw, "  -%s %s\t%s%s\n", f.Name, arg, usage, def)
		}
	}
	for _, g := range flagGroups() {
		section(g.title, g.flags)
	}
	var other []string
	fs.VisitAll(func(f *flag.Flag) {
		if !shown[f.Name] {
			other = append(other, f.Name)
		}
	})
	if len(other) > 0 {
		slices.Sort(other)
		section("Other", other)
	}
	tw.Flush()
	fmt.Fprint(w, usageTail)
}
