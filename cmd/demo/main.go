// Command demo serves orca's APIs on loopback over a SQLite store, with fake
// VIMs as locations: seed 000 at /v1.0, Trema's tenants at /tenants (seed
// 001), Waldur's server groups at /api/openstack-server-groups/ (seed 002),
// Mogan's bare-metal instances at /v1/instances (seed 003) and ESC at /v0
// (seed 004), all on the same users and store:
//
//	go run ./cmd/demo [-addr 127.0.0.1:8080] [-db orca-data/orca.db | -db memory]
//	                  [-seed-example] [-users FILE] [-admin-password PW]
//	                  [-fake-locations 2] [-fake-latency 0s] [-fake-build-time 2s]
//	                  [-fake-down loc-2,...] [-fake-vim http://127.0.0.1:7070]
//	                  [-poll-interval 2s] [-tls-cert FILE -tls-key FILE]
//	                  [-secret-key-file FILE] [-keystone-url URL] [-vim-ca-file FILE]
//	                  [-callback-allow 127.0.0.0/8,::1/128]
//	                  [-fetch-allow 127.0.0.0/8,::1/128] [-rate-limit 200]
//	                  [-log-format text|json] [-log-level debug|info|warn|error]
//	                  [-pprof 127.0.0.1:6060]
//
// -help lists the flags by group (usage.go), each with what it does and its
// default. A bad flag, or a file or address one names that cannot be used
// (a -db directory that cannot be made or written, a -users file that is
// missing or malformed, a certificate or key that cannot be read, an -addr
// in use), stops the demo before it serves with one line on stderr naming
// the flag (and, for -users, the line and field) and exit status 2; -help
// exits 0.
//
// The built-in user admin (tenant admin, role admin) logs in with
// -admin-password or $ORCA_ADMIN_PASSWORD; without either, a password is
// generated at the first start, printed once and kept only as a hash next to
// the database. Credentials (locations', ESC's VIM users' and file
// servers') are sealed with the key in $ORCA_SECRET_KEY or -secret-key-file,
// else with one generated at the first start and kept in the user's
// configuration directory, apart from the database (for -db memory, one
// for the run). ESC's callbacks may go to, and the
// URLs it fetches or has fetched (image src and url, day-0 files, VIM connector endpoints) may be
// on, the private or loopback networks that -callback-allow and
// -fetch-allow list (VIM endpoints are judged when dialled, so a name
// that resolves there is refused too); public addresses are always
// allowed. Each user (each address, for callers without a token) may make
// -rate-limit requests a second, in bursts of twice that. SIGINT or
// SIGTERM stop it cleanly; a restart on the same -db keeps everything,
// passwords changed through ESC's /authentication/setpassword included
// (they win over -users and the admin hash file, not over an admin
// password given at start).
//
// Logs go to stderr as text or JSON (-log-format) from -log-level up. ESC's
// LOG/LEVEL moves the level at run time and, stored, is the level at the
// next start, unless -log-level is given then (INFO is ESC's default).
// ESC's PUT /internal/ssl/reload reads -tls-cert and -tls-key again.
//
// -fake-down takes fake locations down (every call refused), to see how a
// failing site looks. -seed-example creates example data in tenant demo at
// the fake locations once the server is up (two networks, a security group
// with rules, an image, a flavor, a server at each location; what exists
// is skipped, so restarts keep it) and follows its convergence on stderr:
// a line redrawn in place on a terminal, a line every few seconds
// otherwise, and a one-line summary at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/httpapi/surfaces"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/identity/keystone"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/store/pgstore"
	"github.com/orca-nfv/orca/store/sqlitestore"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/drivers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr in one line and returns the exit status:
// 0 for none or -help (the usage went to stdout), 2 for a bad flag or an
// unusable file or address, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "demo:", strings.ReplaceAll(err.Error(), "\n", "; "))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// run serves until ctx ends, then shuts down gracefully. out gets what a
// user reads once (where it listens, how to log in); errOut the logs and
// the example data's progress.
func run(ctx context.Context, args []string, getenv func(string) string, out, errOut io.Writer) error {
	c, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	con := newConsole(errOut)
	level := new(slog.LevelVar)
	level.Set(c.logLevel)
	log := newLogger(con, c.logFormat, level)

	// The address first: one in use is the likeliest mistake, found
	// before anything is opened.
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return usagef("-addr %s: %v", c.addr, err)
	}
	defer ln.Close() // Serve closes it too; this is for an early return
	sideCtx, stopSide := context.WithCancel(ctx)
	defer stopSide()
	var pprofAt string
	if c.pprofAddr != "" {
		if pprofAt, err = servePprof(sideCtx, c.pprofAddr); err != nil {
			return usageError{err}
		}
	}

	var s store.Store
	var dataDir string
	if isPostgres(c.db) {
		s, err = openPostgres(ctx, c.db, c, getenv)
	} else {
		s, dataDir, err = openStore(c.db)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	keys, keyNote, err := loadKeys(c.secretKeyFile, dataDir, getenv)
	if err != nil {
		if c.secretKeyFile != "" {
			return usagef("-secret-key-file: %v", err)
		}
		return usageError{err}
	}
	var fakes vim.Factory
	if c.fakeVIM != "" { // the fake VIMs live in another process (cmd/fakevim)
		if fakes, err = fakewire.NewClient(c.fakeVIM, &fakewire.Options{Caller: replicaName(c.replicaName)}); err != nil {
			return usagef("-fake-vim: %v", err)
		}
	} else {
		f := fake.NewFactory(&fake.Options{Latency: c.fakeLatency, BuildTime: c.fakeBuildTime, PowerTime: c.fakeBuildTime})
		for _, id := range c.fakeDown {
			f.VIM(id).Down(false)
		}
		fakes = f
	}
	// VIM endpoints (locations', and those their catalogs name) are dialled
	// through the fetch policy, judged at connect time.
	fetches := &netguard.Policy{Allow: c.fetchAllow}
	vimClient, err := vim.NewHTTPClient(&vim.HTTPOptions{CAFile: c.vimCAFile, Guard: fetches})
	if err != nil {
		return usagef("-vim-ca-file: %v", err)
	}
	factory := drivers.New(&drivers.Options{Fakes: fakes, HTTPClient: vimClient})
	callbacks := &netguard.Policy{Allow: c.callbackAllow}
	var follow time.Duration
	var leases *orca.LeaseOptions
	if isPostgres(c.db) {
		// Replicas share the database: each reconciles its share of
		// the work, and follows what the others write.
		follow = min(c.pollInterval, time.Second)
		leases = &orca.LeaseOptions{Holder: replicaName(c.replicaName), TTL: c.leaseTTL}
	}
	o := orca.New(s, &orca.Options{Drivers: factory, Keyring: keys, Logger: log, Deliver: callbacks.Deliverer(nil), PollInterval: c.pollInterval,
		FollowWrites: follow, Leases: leases,
		// Glance fetches image URLs for us: judged when written.
		CheckSource: func(ctx context.Context, u string) error { _, err := fetches.CheckRemote(ctx, u); return err }})
	us, err := loadUsers(c, dataDir, getenv)
	if err != nil {
		return usageError{err}
	}
	users, adminNote := us.users, us.note
	// Passwords changed through ESC's API are kept in the store and win
	// over the configured ones, but for an admin password given at this
	// start: the way back in for an operator who lost it.
	passwords := newPasswords(o, users, us.known, c.iterations)
	var except []string
	if us.adminGiven {
		except = []string{"admin"}
	}
	restored, err := passwords.restore(ctx, except...)
	if err != nil {
		return err
	}
	if slices.Contains(restored, "admin") {
		adminNote = "log in as admin with the password last set through ESC's /authentication/setpassword"
	}
	tokens := identity.NewTokens(0)
	if isPostgres(c.db) {
		// Sessions in the database: a token works at every replica.
		sessions, err := pgstore.OpenSessions(ctx, c.db)
		if err != nil {
			return usagef("-db %s: sessions: %v", redactDSN(c.db), err)
		}
		defer sessions.Close()
		tokens = identity.NewTokensWith(&identity.TokensOptions{Shared: sessions})
	}
	var auth identity.Authenticator = tokens
	if c.keystoneURL != "" {
		// orca's own tokens (the built-in admin) and the Keystone's
		// both work.
		ks, err := keystone.New(&keystone.Options{URL: c.keystoneURL})
		if err != nil {
			return usagef("-keystone-url: %v", err)
		}
		auth = identity.Chain{tokens, ks}
	}
	h, err := httpapi.New(o, &httpapi.Options{Auth: auth, Passwords: users, Tokens: tokens, Logger: log})
	if err != nil {
		return err
	}

	escOpts := &esc.Options{Callbacks: callbacks, Fetches: fetches, LogLevel: level, Passwords: passwords}
	var cert *certificate
	if c.tlsCert != "" {
		if cert, err = loadCertificate(c.tlsCert, c.tlsKey); err != nil {
			return usagef("-tls-cert/-tls-key: %v", err)
		}
		escOpts.TLSReload = cert.reload
	}
	if err := esc.Restore(ctx, o, escOpts); err != nil {
		log.Warn("ESC's stored configuration was not applied", "err", err)
	}
	if c.logLevelSet {
		level.Set(c.logLevel) // given at this start: wins over ESC's stored LOG/LEVEL
	}

	runCtx, stopRun := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- o.Run(runCtx) }()
	defer func() {
		stopRun()
		<-runDone
		o.Close()
	}()
	if err := ensureLocations(ctx, o, c.fakeLocations); err != nil {
		return err
	}
	if err := ensureTenants(ctx, o, users.Tenants()); err != nil {
		return err
	}

	if pprofAt != "" {
		fmt.Fprintf(out, "profiles at http://%s/debug/pprof/\n", pprofAt)
	}
	handler, err := rateLimited(surfaces.New(h, escOpts), c.rateLimit, auth)
	if err != nil {
		return err
	}
	srv := newHTTPServer(handler, log, defaultServerLimits())
	scheme := "http"
	if cert != nil {
		scheme = "https"
		srv.TLSConfig = cert.config()
	}
	base := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(out, "orca demo listening on %s (store: %s, %d fake location(s))\n", base, storeLabel(c.db), c.fakeLocations)
	fmt.Fprintln(out, adminNote)
	fmt.Fprintf(out, "get a token (the X-Subject-Token header):\n  curl -si %s/v3/auth/tokens -H 'Content-Type: application/json' \\\n"+
		"    -d '{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"password\":\"PASSWORD\"}}}}}'\n", base)
	if keyNote != "" {
		fmt.Fprintln(out, keyNote)
	}

	errc := make(chan error, 1)
	go func() {
		if cert != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate comes from srv.TLSConfig
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	// The example data converges beside the server, which serves
	// meanwhile; it stops (with its summary) before the orchestrator.
	seedDone := make(chan struct{})
	if c.seedExample {
		go func() {
			defer close(seedDone)
			seedExample(sideCtx, o, con, seedOptions{})
		}()
	} else {
		close(seedDone)
	}
	defer func() {
		stopSide()
		<-seedDone
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "orca demo stopped")
	return nil
}

// openStore opens the store and returns the directory that keeps the
// demo's own files ("" for the in-memory store). A path that cannot hold
// the database, or a file that is not one, is a usageError naming it.
func openStore(path string) (store.Store, string, error) {
	if path == "memory" {
		return memstore.New(nil), "", nil
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, "", usagef("-db %s is a directory; name a database file in it, like %s", path, filepath.Join(path, "orca.db"))
	case err == nil:
		// It exists: it must be writable (SQLite would open it read-only
		// and fail at the first write).
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, "", usagef("-db %s: cannot be written: %v", path, err)
		}
		f.Close()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", usagef("-db %s: cannot make its directory: %v", path, err)
	}
	probe, err := os.CreateTemp(dir, ".orca-write-check-*")
	if err != nil {
		return nil, "", usagef("-db %s: its directory cannot be written: %v", path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	s, err := sqlitestore.Open(path, nil)
	if err != nil {
		return nil, "", usageError{err} // names the file and what is wrong with it
	}
	return s, dir, nil
}

// ensureLocations creates the fake locations that do not exist yet.
func ensureLocations(ctx context.Context, o *orca.Orchestrator, n int) error {
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("loc-%d", i)
		_, err := o.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id}, Name: id,
			Labels: map[string]string{"kind": "fake"},
			Spec:   &resource.Location{Description: "fake location", KeystoneEndpoint: "fake://" + id}})
		if err != nil && resource.CodeOf(err) != resource.Conflict {
			return err
		}
	}
	return nil
}

// ensureTenants registers the users' tenants that are not registered yet,
// so that every API that lists tenants (Trema's /tenants) knows them.
func ensureTenants(ctx context.Context, o *orca.Orchestrator, tenants []string) error {
	for _, id := range tenants {
		_, err := o.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindTenant, ID: id}, Name: id,
			Spec: &resource.Tenant{Description: "a tenant of the demo's users"}})
		if err != nil && resource.CodeOf(err) != resource.Conflict {
			return err
		}
	}
	return nil
}
