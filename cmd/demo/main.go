// Command demo serves orca's APIs on loopback over a SQLite store, with fake
// VIMs as locations: seed 000 at /v1.0, Trema's tenants at /tenants (seed
// 001), Waldur's server groups at /api/openstack-server-groups/ (seed 002),
// Mogan's bare-metal instances at /v1/instances (seed 003) and ESC at /v0
// (seed 004), all on the same users and store:
//
//	go run ./cmd/demo [-addr 127.0.0.1:8080] [-db orca-data/orca.db | -db memory]
//	                  [-users FILE] [-admin-password PW] [-fake-locations 2]
//	                  [-fake-latency 0s] [-fake-build-time 2s] [-poll-interval 2s]
//	                  [-fake-vim http://127.0.0.1:7070]
//	                  [-tls-cert FILE -tls-key FILE]
//	                  [-secret-key-file FILE] [-keystone-url URL] [-vim-ca-file FILE]
//	                  [-callback-allow 127.0.0.0/8,::1/128]
//	                  [-fetch-allow 127.0.0.0/8,::1/128] [-rate-limit 200]
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
// password given at start). ESC's LOG/LEVEL
// sets the log level (until it is first set: INFO, ESC's default), and
// its PUT /internal/ssl/reload reads -tls-cert and -tls-key again.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
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
	"github.com/orca-nfv/orca/store/sqlitestore"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/drivers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

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
	pprofAddr                 string
	rateLimit                 float64
}

func parseFlags(args []string, out io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.db, "db", filepath.Join("orca-data", "orca.db"), `SQLite database file, or "memory"`)
	fs.StringVar(&c.users, "users", "", `JSON list of {"name","password","tenant_id","roles":["admin"|"member"]}`)
	fs.StringVar(&c.adminPassword, "admin-password", "", "password of the built-in admin (else $ORCA_ADMIN_PASSWORD, else generated)")
	fs.IntVar(&c.fakeLocations, "fake-locations", 2, "fake locations to create (loc-1, loc-2, ...)")
	fs.DurationVar(&c.fakeLatency, "fake-latency", 0, "latency of every fake VIM call")
	fs.StringVar(&c.fakeVIM, "fake-vim", "", "URL of a fake VIM server (cmd/fakevim) serving the fake locations instead of in-process fakes (its own flags set their latency and build time)")
	fs.DurationVar(&c.fakeBuildTime, "fake-build-time", 2*time.Second, "how long a fake VIM takes to build an object or power a machine")
	fs.DurationVar(&c.pollInterval, "poll-interval", 2*time.Second, "how soon an object still building in a VIM is looked at again")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "certificate file: serve HTTPS")
	fs.StringVar(&c.pprofAddr, "pprof", "", "also serve net/http/pprof on this loopback address (e.g. 127.0.0.1:6060), for profiling")
	fs.StringVar(&c.tlsKey, "tls-key", "", "key file for -tls-cert")
	fs.StringVar(&c.secretKeyFile, "secret-key-file", "", "key file sealing credentials (else $ORCA_SECRET_KEY)")
	fs.StringVar(&c.keystoneURL, "keystone-url", "", "also accept tokens this Keystone v3 issued (e.g. http://127.0.0.1:5000/v3)")
	fs.StringVar(&c.vimCAFile, "vim-ca-file", "", "PEM CA bundle to trust for VIM endpoints")
	c.callbackAllow, c.fetchAllow = loopback(), loopback()
	fs.Var(&c.callbackAllow, "callback-allow",
		"CIDRs the server may call back (ESC callbacks) although private or loopback; public addresses are always allowed")
	fs.Var(&c.fetchAllow, "fetch-allow",
		"CIDRs the server may fetch from (ESC image src, day-0 files, VIM connector endpoints) although private or loopback; public addresses are always allowed")
	fs.IntVar(&c.iterations, "pbkdf2-iterations", identity.DefaultIterations, "password hashing work factor")
	fs.Float64Var(&c.rateLimit, "rate-limit", 200, "requests a second each user (each address, for callers without a token) may make, in bursts of twice that; 0: no limit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	if c.fakeLocations < 0 || c.fakeLocations > 100 {
		return nil, errors.New("-fake-locations must be between 0 and 100")
	}
	if c.fakeLatency < 0 || c.fakeBuildTime < 0 {
		return nil, errors.New("-fake-latency and -fake-build-time must not be negative")
	}
	if !(c.rateLimit >= 0) || math.IsInf(c.rateLimit, 0) {
		return nil, errors.New("-rate-limit must be a number of requests a second, or 0 for no limit")
	}
	if c.pollInterval < 10*time.Millisecond {
		return nil, errors.New("-poll-interval must be at least 10ms")
	}
	return c, nil
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	c, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	// ESC's LOG/LEVEL moves the level (esc.Options.LogLevel); until the
	// stored one is applied, only warnings.
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	s, dataDir, err := openStore(c.db)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, keyNote, err := loadKeys(c.secretKeyFile, dataDir, getenv)
	if err != nil {
		return err
	}
	var fakes vim.Factory = fake.NewFactory(&fake.Options{Latency: c.fakeLatency, BuildTime: c.fakeBuildTime, PowerTime: c.fakeBuildTime})
	if c.fakeVIM != "" { // the fake VIMs live in another process (cmd/fakevim)
		if fakes, err = fakewire.NewClient(c.fakeVIM, nil); err != nil {
			return err
		}
	}
	// VIM endpoints (locations', and those their catalogs name) are dialled
	// through the fetch policy, judged at connect time.
	fetches := &netguard.Policy{Allow: c.fetchAllow}
	vimClient, err := vim.NewHTTPClient(&vim.HTTPOptions{CAFile: c.vimCAFile, Guard: fetches})
	if err != nil {
		return err
	}
	factory := drivers.New(&drivers.Options{Fakes: fakes, HTTPClient: vimClient})
	callbacks := &netguard.Policy{Allow: c.callbackAllow}
	o := orca.New(s, &orca.Options{Drivers: factory, Keyring: keys, Logger: log, Deliver: callbacks.Deliverer(nil), PollInterval: c.pollInterval,
		// Glance fetches image URLs for us: judged when written.
		CheckSource: func(ctx context.Context, u string) error { _, err := fetches.CheckRemote(ctx, u); return err }})
	us, err := loadUsers(c, dataDir, getenv)
	if err != nil {
		return err
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
	var auth identity.Authenticator = tokens
	if c.keystoneURL != "" {
		// orca's own tokens (the built-in admin) and the Keystone's
		// both work.
		ks, err := keystone.New(&keystone.Options{URL: c.keystoneURL})
		if err != nil {
			return err
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
			return err
		}
		escOpts.TLSReload = cert.reload
	}
	if err := esc.Restore(ctx, o, escOpts); err != nil {
		log.Warn("ESC's stored configuration was not applied", "err", err)
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

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	if c.pprofAddr != "" {
		at, err := servePprof(ctx, c.pprofAddr)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "profiles at http://%s/debug/pprof/\n", at)
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
	fmt.Fprintf(out, "orca demo listening on %s (store: %s, %d fake location(s))\n", base, c.db, c.fakeLocations)
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
// demo's own files ("" for the in-memory store).
func openStore(path string) (store.Store, string, error) {
	if path == "memory" {
		return memstore.New(nil), "", nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	s, err := sqlitestore.Open(path, nil)
	return s, dir, err
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

const adminPasswordFile = "admin-password.hash"

// userSet is the demo's users.
type userSet struct {
	users *identity.StaticUsers
	// known are every user, the built-in admin included, for password
	// changes (which need a user's tenant and roles).
	known []identity.User
	// note tells how the admin logs in.
	note string
	// adminGiven is true when the admin's password was given at this
	// start (flag or environment).
	adminGiven bool
}

// loadUsers returns the users (the file's and the built-in admin) and a line
// telling how the admin logs in. A generated password is printed in that
// line the one time it is generated.
func loadUsers(c *config, dataDir string, getenv func(string) string) (*userSet, error) {
	opts := &identity.UsersOptions{Iterations: c.iterations}
	var known []identity.User
	if c.users != "" {
		var err error
		if known, err = readUsersFile(c.users); err != nil {
			return nil, err
		}
	}
	users, err := identity.NewStaticUsers(known, opts)
	if err != nil {
		return nil, err
	}
	admin := identity.User{Name: "admin", TenantID: "admin", Roles: []string{identity.RoleAdmin}}
	pw := c.adminPassword
	if pw == "" {
		pw = getenv("ORCA_ADMIN_PASSWORD")
	}
	var note string
	hashFile := filepath.Join(dataDir, adminPasswordFile)
	switch {
	case pw != "":
		admin.Password = pw
		note = "log in as admin with the password given (-admin-password or $ORCA_ADMIN_PASSWORD)"
	case dataDir != "":
		if data, err := os.ReadFile(hashFile); err == nil {
			admin.PasswordHash = strings.TrimSpace(string(data))
			note = "log in as admin with the password printed at the first start (its hash is in " + hashFile + ")"
			break
		}
		pw = generatePassword()
		hash, err := identity.HashPassword(pw, c.iterations)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(hashFile, []byte(hash+"\n"), 0o600); err != nil {
			return nil, err
		}
		admin.PasswordHash = hash
		note = "admin password (printed this once; only its hash is kept): " + pw
	default:
		pw = generatePassword()
		admin.Password = pw
		note = "admin password for this in-memory run: " + pw
	}
	if err := users.Add(admin, opts); err != nil {
		return nil, err
	}
	given := c.adminPassword != "" || getenv("ORCA_ADMIN_PASSWORD") != ""
	return &userSet{users: users, known: append(known, admin), note: note, adminGiven: given}, nil
}

// readUsersFile reads a users file as identity.LoadUsersFile does, keeping
// the list: a password change needs a user's tenant and roles.
func readUsersFile(path string) ([]identity.User, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []identity.User
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return list, nil
}

func generatePassword() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
