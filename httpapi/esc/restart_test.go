package esc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
	"github.com/orca-nfv/orca/vim"
)

// node is an ESC server over a store file that can be stopped and started
// again on it, with what apitest's servers do not have: a secret key (file
// servers' credentials), users whose passwords change, and the handler's
// options and log at hand.
type node struct {
	t     *testing.T
	db    string
	keys  *secret.Keyring
	users *users
	tweak func(*esc.Options)
	log   *nodeLog
	level *slog.LevelVar
	// vims, when set, realizes what the node places (its VIMs outlive
	// restarts, as a real site's do).
	vims *fake.Factory

	URL   string
	O     *orca.Orchestrator
	Store store.Store
	stop  func()
}

// newNode starts a node; tweak (may be nil) sets options of the handler.
func newNode(t *testing.T, tweak func(*esc.Options)) *node {
	keys, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, db: filepath.Join(t.TempDir(), "orca.db"), keys: keys, users: newUsers(t), tweak: tweak,
		log: &nodeLog{}, level: new(slog.LevelVar)}
	n.start()
	t.Cleanup(func() { n.stop() })
	return n
}

func (n *node) start() {
	t := n.t
	s, err := sqlitestore.Open(n.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(n.log, &slog.HandlerOptions{Level: n.level}))
	policy := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	var drivers vim.Factory
	if n.vims != nil {
		drivers = n.vims
	}
	o := orca.New(s, &orca.Options{Drivers: drivers, Keyring: n.keys, Logger: log, Deliver: policy.Deliverer(nil),
		PollInterval: 5 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	tokens := identity.NewTokens(time.Hour)
	h, err := httpapi.New(o, &httpapi.Options{Auth: tokens, Passwords: n.users, Tokens: tokens, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	opts := &esc.Options{Callbacks: policy, LogLevel: n.level, Passwords: n.users}
	if n.tweak != nil {
		n.tweak(opts)
	}
	if err := esc.Restore(t.Context(), o, opts); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	for _, p := range esc.Paths {
		mux.Handle(p, esc.New(o, h.Kit(), opts))
	}
	hs := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	n.URL, n.O, n.Store = hs.URL, o, s
	n.stop = func() {
		hs.Close()
		cancel()
		<-done
		o.Close()
		s.Close()
		n.stop = func() {}
	}
}

// restart stops the node and starts it again on the same store.
func (n *node) restart() {
	n.stop()
	n.start()
}

// do sends a request as a user (with the password the user has now; ""
// sends none); headers alternate name and value. XML unless told.
func (n *node) do(user, method, path, body string, headers ...string) apitest.Response {
	n.t.Helper()
	req, err := http.NewRequest(method, n.URL+path, strings.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, n.users.current(user))
	}
	req.Header.Set("Content-Type", "application/xml")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := apitest.Response{Code: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		json.Unmarshal(raw, &out.Body)
	}
	return out
}

// users are the node's users: admin, alice (t1) and bob (t2), whose
// passwords the API changes (esc.Passwords). They outlive restarts, as a
// server's user store does.
type users struct {
	t      *testing.T
	static *identity.StaticUsers
	mu     sync.Mutex
	known  map[string]identity.User // without passwords
	pw     map[string]string        // the test's note of each password
}

func newUsers(t *testing.T) *users {
	u := &users{t: t, known: map[string]identity.User{}, pw: map[string]string{}}
	var list []identity.User
	for _, x := range []identity.User{
		{Name: "admin", TenantID: "admin", Roles: []string{identity.RoleAdmin}},
		{Name: "alice", TenantID: "t1", Roles: []string{identity.RoleMember}},
		{Name: "bob", TenantID: "t2", Roles: []string{identity.RoleMember}},
	} {
		u.known[x.Name] = x
		u.pw[x.Name] = x.Name + "-pw"
		x.Password = x.Name + "-pw"
		list = append(list, x)
	}
	s, err := identity.NewStaticUsers(list, &identity.UsersOptions{Iterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	u.static = s
	return u
}

func (u *users) CheckPassword(ctx context.Context, user, password, project string) (*identity.Principal, error) {
	return u.static.CheckPassword(ctx, user, password, project)
}

func (u *users) SetPassword(_ context.Context, name, password string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	x, ok := u.known[name]
	if !ok {
		return resource.Errorf(resource.NotFound, "no user %s", name)
	}
	x.Password = password
	if err := u.static.Add(x, &identity.UsersOptions{Iterations: 1000}); err != nil {
		return err
	}
	u.pw[name] = password
	return nil
}

func (u *users) current(name string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if pw, ok := u.pw[name]; ok {
		return pw
	}
	return "unknown-pw"
}

// nodeLog collects log lines from every goroutine.
type nodeLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *nodeLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *nodeLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestStateSurvivesRestart: what the ESC API stores is in orca's store,
// so a handler rebuilt on it has it all, and it takes effect again at
// start (the log level through Restore, maintenance through begin).
func TestStateSurvivesRestart(t *testing.T) {
	n := newNode(t, nil)
	n.do("admin", "PUT", "/v0/config/log/level/debug", "").Want(t, 200, "log level")
	n.do("admin", "PUT", "/v0/config/default/vm_recovery_retries_max/5", "").Want(t, 200, "retries")
	n.do("admin", "POST", "/v0/config/default/max_logs", `"12"`, "Content-Type", "application/json").Want(t, 200, "created key")
	n.do("admin", "POST", "/v0/hosts/my-ucs-3/disable", "").Want(t, 200, "disable")
	n.do("admin", "POST", "/v0/fileserver/fs1", `<file_server><base_url>https://files.example.com/day0</base_url>`+
		`<file_server_user>u</file_server_user><file_server_password>s3cret-pw</file_server_password></file_server>`).Want(t, 200, "file server")
	n.do("admin", "POST", "/v0/operationmode/MAINTENANCE", "").Want(t, 200, "maintenance")

	n.level.Set(slog.LevelError) // what a fresh process starts with
	n.restart()
	if got := n.level.Level(); got != slog.LevelDebug {
		t.Errorf("log level after restart %v, want DEBUG", got)
	}
	for path, want := range map[string]string{
		"/v0/config/LOG/LEVEL":                       "<value>DEBUG</value>",
		"/v0/config/DEFAULT/VM_RECOVERY_RETRIES_MAX": "<value>5</value>",
		"/v0/config/DEFAULT/MAX_LOGS":                "<value>12</value>",
		"/v0/hosts/my-ucs-3/status":                  "<status>DISABLED</status>",
		"/v0/fileserver/fs1":                         "<file_server_user>u</file_server_user>",
		"/v0/operationmode":                          "<mode>MAINTENANCE</mode>",
	} {
		if r := n.do("admin", "GET", path, "").Want(t, 200, path); !strings.Contains(r.Raw, want) {
			t.Errorf("GET %s after restart: %s, want %s", path, r.Raw, want)
		}
	}
	// Maintenance still refuses writes, and is left as it was entered.
	n.do("admin", "PUT", "/v0/config/log/level/info", "").Want(t, 503, "write in maintenance after restart")
	n.do("admin", "POST", "/v0/operationmode/operation", "").Want(t, 200, "operation")
	n.do("admin", "PUT", "/v0/config/log/level/info", "").Want(t, 200, "write after maintenance")
}
