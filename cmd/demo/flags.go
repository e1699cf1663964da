package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// config is the demo's flags, checked by parseFlags.
type config struct {
	addr, db, users, adminPassword string
	fakeLocations                  int
	fakeLatency, fakeBuildTime     time.Duration
	pollInterval                   time.Duration
	tlsCert, tlsKey, secretKeyFile string
	keystoneURL, vimCAFile         string
	// callbackAllow and fetchAllow are the private or loopback networks
	// ESC may call back and fetch from.
	callbackAllow, fetchAllow prefixes
	iterations                int // PBKDF2 work factor; tests lower it
	fakeVIM                   string
	// fakeDown are fake locations that refuse every call, as a site
	// whose API is down (a failing location to look at).
	fakeDown    []string
	pprofAddr   string
	rateLimit   float64
	seedExample bool
	// replicaName and leaseTTL split the work between replicas on one
	// PostgreSQL database (orca.LeaseOptions).
	replicaName string
	leaseTTL    time.Duration
	logFormat   string
	logLevel    slog.Level
	// logLevelSet is true when -log-level was given: it then wins over
	// ESC's stored LOG/LEVEL at start.
	logLevelSet bool
}

// usageError is a bad flag, or a file or address named by one that cannot
// be used: main prints its one line and exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// duration is a time.Duration flag whose error says what a duration looks
// like (the flag package's says "parse error").
type duration struct{ d *time.Duration }

func (v duration) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v duration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration such as 500ms, 2s or 1m")
	}
	*v.d = d
	return nil
}

// list is a comma-separated list flag.
type list struct{ l *[]string }

func (v list) String() string {
	if v.l == nil {
		return ""
	}
	return strings.Join(*v.l, ",")
}

func (v list) Set(s string) error {
	*v.l = nil
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*v.l = append(*v.l, item)
		}
	}
	return nil
}

// parseLevel reads a -log-level value.
func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}

// newFlagSet defines the demo's flags on c. Usages are one line; a
// backquoted word names the value (flag.UnquoteUsage), and usage.go groups
// them for -help.
func newFlagSet(c *config, level *string) *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned as one line, -help is usage.go's
	fs.Usage = func() {}

	// Serving
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on, `host:port` (port 0: any free port)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate `file`: serve HTTPS only (TLS 1.2+), with -tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key `file` of -tls-cert")
	fs.Float64Var(&c.rateLimit, "rate-limit", 200, "`requests` a second per user (per address without a token), in bursts of twice that; 0: no limit")
	// Data
	fs.StringVar(&c.db, "db", filepath.Join("orca-data", "orca.db"), "SQLite database `file` (its directory is made; it also keeps the admin's password hash), memory, or a postgres:// URL shared by replicas (then $ORCA_SECRET_KEY and the admin password must be given)")
	fs.StringVar(&c.replicaName, "replica-name", "", "this replica's `name` among those sharing a postgres:// -db (default: host name and process ID)")
	c.leaseTTL = 10 * time.Second
	fs.Var(duration{&c.leaseTTL}, "lease-ttl", "with a postgres:// -db, how long a replica's share of the work outlives it: a dead replica's work is taken over about this `duration` later")
	fs.BoolVar(&c.seedExample, "seed-example", false, "create example data in tenant demo at start (skips what exists) and show its convergence on stderr")
	// Users and security
	fs.StringVar(&c.users, "users", "", `JSON `+"`file`"+` listing users: [{"name","password","tenant_id","roles":["admin"|"member"]}]`)
	fs.StringVar(&c.adminPassword, "admin-password", "", "`password` of the built-in admin (else $ORCA_ADMIN_PASSWORD, else generated and printed once)")
	fs.StringVar(&c.secretKeyFile, "secret-key-file", "", "owner-only key `file` sealing credentials (else $ORCA_SECRET_KEY, else ~/.config/orca/secret.key)")
	fs.StringVar(&c.keystoneURL, "keystone-url", "", "also accept tokens this Keystone v3 `URL` issued (e.g. http://127.0.0.1:5000/v3)")
	fs.IntVar(&c.iterations, "pbkdf2-iterations", identity.DefaultIterations, "password hashing work `factor` (PBKDF2-SHA256)")
	// Fake locations
	fs.IntVar(&c.fakeLocations, "fake-locations", 2, "fake locations to create: loc-1 ... loc-`N` (0 to 100)")
	fs.Var(duration{&c.fakeLatency}, "fake-latency", "latency added to every fake VIM call, a `duration` like 50ms")
	c.fakeBuildTime = 2 * time.Second
	fs.Var(duration{&c.fakeBuildTime}, "fake-build-time", "how long a fake VIM takes to build an object or power a machine (a `duration`)")
	fs.Var(list{&c.fakeDown}, "fake-down", "fake `locations` (comma-separated, e.g. loc-3) that refuse every call, as a site that is down")
	fs.StringVar(&c.fakeVIM, "fake-vim", "", "`URL` of a cmd/fakevim server to serve the fake locations instead of in-process fakes")
	// VIMs and outbound
	c.pollInterval = 2 * time.Second
	fs.Var(duration{&c.pollInterval}, "poll-interval", "how soon an object still building in a VIM is looked at again (a `duration`, at least 10ms)")
	fs.StringVar(&c.vimCAFile, "vim-ca-file", "", "PEM CA bundle `file` to trust for VIM endpoints")
	c.callbackAllow, c.fetchAllow = loopback(), loopback()
	fs.Var(&c.callbackAllow, "callback-allow", "private or loopback `CIDRs` ESC may call back (public addresses always may); \"\": none")
	fs.Var(&c.fetchAllow, "fetch-allow", "private or loopback `CIDRs` fetched from (image src, day-0 files, VIM endpoints); \"\": none")
	// Diagnostics
	fs.StringVar(&c.logFormat, "log-format", "text", "log `format` on stderr: text or json")
	fs.StringVar(level, "log-level", "info", "least `level` logged: debug, info, warn or error (ESC's LOG/LEVEL changes it at run time)")
	fs.StringVar(&c.pprofAddr, "pprof", "", "also serve net/http/pprof on this loopback `host:port` (e.g. 127.0.0.1:6060)")
	return fs
}

// parseFlags reads and checks the flags. -help writes the usage to out and
// returns flag.ErrHelp; any other error is a usageError of one line.
func parseFlags(args []string, out io.Writer) (*config, error) {
	c := &config{}
	var level string
	fs := newFlagSet(c, &level)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(out, fs)
			return nil, err
		}
		return nil, usagef("%v (demo -help lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q: the demo takes flags only (demo -help lists them)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { c.logLevelSet = c.logLevelSet || f.Name == "log-level" })
	if err := c.check(level); err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// check checks what the flag package cannot: values out of range and
// flags that go together.
func (c *config) check(level string) error {
	var ok bool
	if c.logLevel, ok = parseLevel(level); !ok {
		return fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf("-log-format %q: want text or json", c.logFormat)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together: give both or neither")
	}
	if _, port, err := net.SplitHostPort(c.addr); err != nil || port == "" {
		return fmt.Errorf("-addr %q: want host:port, like 127.0.0.1:8080 or :8080", c.addr)
	}
	if c.db == "" {
		return errors.New(`-db: want a file name, or "memory"`)
	}
	if c.fakeLocations < 0 || c.fakeLocations > 100 {
		return errors.New("-fake-locations must be between 0 and 100")
	}
	if c.fakeLatency < 0 || c.fakeBuildTime < 0 {
		return errors.New("-fake-latency and -fake-build-time must not be negative")
	}
	if !(c.rateLimit >= 0) || math.IsInf(c.rateLimit, 0) {
		return errors.New("-rate-limit must be a number of requests a second, or 0 for no limit")
	}
	if c.pollInterval < 10*time.Millisecond {
		return errors.New("-poll-interval must be at least 10ms")
	}
	if c.leaseTTL < time.Second {
		return errors.New("-lease-ttl must be at least 1s")
	}
	if c.replicaName != "" {
		if err := resource.CheckID(c.replicaName); err != nil {
			return fmt.Errorf("-replica-name %q: %v (letters, digits, '-', '_', '.' or ':')", c.replicaName, err)
		}
	}
	if c.iterations < 1 {
		return errors.New("-pbkdf2-iterations must be at least 1")
	}
	for _, id := range c.fakeDown {
		var n int
		if _, err := fmt.Sscanf(id, "loc-%d", &n); err != nil || id != fmt.Sprintf("loc-%d", n) || n < 1 || n > c.fakeLocations {
			return fmt.Errorf("-fake-down %q: not one of the fake locations loc-1 ... loc-%d", id, c.fakeLocations)
		}
	}
	if len(c.fakeDown) > 0 && c.fakeVIM != "" {
		return errors.New("-fake-down works on in-process fakes only, not with -fake-vim")
	}
	return nil
}
