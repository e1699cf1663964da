package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/httpapi/waldur"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
)

// actor is who sends a request in the security tests.
type actor int

const (
	admin     actor = iota // admin, tenant admin, role admin
	owner                  // alice, tenant t1: every resource under test is t1's
	other                  // bob, tenant t2
	anonymous              // no credentials
)

var allActors = []actor{admin, owner, other, anonymous}

func (a actor) String() string { return [...]string{"admin", "owner", "other", "anonymous"}[a] }

// user is the apitest user an actor is ("" for anonymous).
func (a actor) user() string { return [...]string{"admin", "alice", "bob", ""}[a] }

// syncBuffer collects what several goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secServer is every surface the demo serves (seed 000, Trema, Waldur,
// Mogan, ESC) over one orchestrator, as cmd/demo mounts them, with every
// log line (debug included) and every answer kept for scanning.
type secServer struct {
	*apitest.Server
	t       *testing.T
	logs    *syncBuffer
	answers *syncBuffer
}

type secOptions struct {
	// policy judges ESC's callbacks (and delivers them) and fetches; nil:
	// loopback allowed, as the demo's default.
	policy *netguard.Policy
	// drivers opens the locations; nil: fake VIMs whatever the endpoint.
	drivers vim.Factory
}

func newSecServer(t *testing.T, so *secOptions) *secServer {
	t.Helper()
	if so == nil {
		so = &secOptions{}
	}
	keys, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	policy := so.policy
	if policy == nil {
		policy = &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	}
	logs := &syncBuffer{}
	s := apitest.New(t, apitest.Options{
		Store:   memstore.New(nil),
		Keyring: keys,
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Deliver: policy.Deliverer(nil),
		CheckSource: func(ctx context.Context, u string) error {
			_, err := policy.CheckRemote(ctx, u)
			return err
		},
		Drivers: so.drivers,
		Mounts: []apitest.Mount{
			func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
				return trema.New(b, kit), trema.Paths, nil
			},
			func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
				return waldur.New(b, kit, nil), waldur.Paths, nil
			},
			func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
				return mogan.New(b, kit, nil), mogan.Paths, nil
			},
			func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
				return esc.New(b, kit, &esc.Options{Callbacks: policy, Fetches: policy}), esc.Paths, nil
			},
		},
	})
	return &secServer{Server: s, t: t, logs: logs, answers: &syncBuffer{}}
}

// scheme is how a surface takes credentials.
type scheme int

const (
	byToken scheme = iota // X-Auth-Token
	byBasic               // HTTP basic (ESC)
)

// send makes a request as a; a string body is sent as is (JSON unless it
// starts with "<"), anything else JSON-encoded. headers alternate name and
// value and win over the defaults. Every answer is kept.
func (s *secServer) send(a actor, sc scheme, method, path string, body any, headers ...string) apitest.Response {
	s.t.Helper()
	var h []string
	if str, ok := body.(string); ok && strings.HasPrefix(strings.TrimSpace(str), "<") {
		h = append(h, "Content-Type", "application/xml")
	}
	token := ""
	switch {
	case a == anonymous:
	case sc == byBasic:
		h = append(h, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.user()+":"+a.user()+"-pw")))
	default:
		token = s.Token(a.user())
	}
	if str, ok := body.(string); ok && str == "" {
		body = nil
	}
	r := s.Do(method, path, token, body, append(h, headers...)...)
	s.answers.Write([]byte(fmt.Sprint(method, " ", path, " ", r.Code, " ", r.Header, " ", r.Raw, "\n")))
	return r
}

// fingerprint is what a refused write must leave as it was: the stored
// resource's owner, names, labels, spec, generation and deletion, and the
// actions requested on it.
func (s *secServer) fingerprint(ref resource.Ref) string {
	s.t.Helper()
	ctx := context.Background()
	r, err := s.O.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return "absent"
	}
	if err != nil {
		s.t.Fatal(err)
	}
	spec, _ := json.Marshal(r.Spec)
	labels, _ := json.Marshal(r.Labels)
	actions, err := s.O.List(ctx, store.Filter{Kind: resource.KindAction, Fields: map[string]string{"target_id": ref.ID}})
	if err != nil {
		s.t.Fatal(err)
	}
	var requested []string
	for _, a := range actions.Items {
		requested = append(requested, a.ID)
	}
	slices.Sort(requested)
	return fmt.Sprintf("tenant=%s name=%q labels=%s generation=%d deleting=%v spec=%s actions=%v",
		r.Tenant, r.Name, labels, r.Generation, r.Deleting, spec, requested)
}

// expect is the status each actor gets, by actor.
type expect [4]int

// verb is one kind of request on a resource.
type verb struct {
	name string
	// write verbs must change nothing when refused.
	write bool
	// consumes verbs (deletes) use up their target: every actor they
	// succeed for gets a new one.
	consumes bool
	want     expect
	send     func(s *secServer, a actor, id string) apitest.Response
	// listed, for list verbs, reports whether the answer shows id; the
	// owner and admin must see it, the other tenant must not.
	listed func(r apitest.Response, id string) bool
	// ownListOnly is a list of the caller's tenant alone, administrators'
	// too (Mogan's, without all_tenants): the admin is not shown the
	// owner's resource either.
	ownListOnly bool
}

// target is a kind of resource a surface serves, and what may be done
// to it.
type target struct {
	surface, kind string
	// make creates a resource of the owner's tenant (of an administrator,
	// for adminOwned targets) and returns its ID.
	make func(t *testing.T, s *secServer) string
	// ref is what the surface's ID names in orca.
	ref   func(id string) resource.Ref
	verbs []verb
	// hidden is what an actor that may not see the resource must not be
	// shown of it (a name, a description), if anything.
	hidden func(id string) string
	// adminOwned resources are the administrators' (ESC's images, VIM
	// connectors): members see none of them.
	adminOwned bool
	// state, if set, adds to what a refused write must leave as it was
	// (the actions on a deployment's VMs).
	state func(s *secServer, id string) string
}

// matrix counts the cells checked.
type matrix struct {
	s     *secServer
	cells int
}

// check runs every verb of tg as every actor: each gets its status; a
// refused write changes nothing (read back from the store); a list shows
// the resource to those who may see it and to no one else; nothing of the
// resource reaches an actor who may not see it.
func (m *matrix) check(t *testing.T, tg target) {
	t.Helper()
	s := m.s
	id := tg.make(t, s)
	for _, v := range tg.verbs {
		// Refusals first, on the shared resource; then successes, each
		// on a new one when the verb consumes it.
		order := slices.Clone(allActors)
		slices.SortStableFunc(order, func(x, y actor) int { return boolInt(v.want[x] < 400) - boolInt(v.want[y] < 400) })
		for _, a := range order {
			want := v.want[a]
			target := id
			if v.consumes && want < 400 {
				target = tg.make(t, s)
			}
			state := func() string {
				fp := s.fingerprint(tg.ref(target))
				if tg.state != nil {
					fp += "\n" + tg.state(s, target)
				}
				return fp
			}
			before := state()
			if v.write && want >= 400 && before == "absent" {
				t.Fatalf("%s %s: no resource %s to protect", tg.kind, v.name, tg.ref(target))
			}
			r := v.send(s, a, target)
			m.cells++
			where := fmt.Sprintf("%s %s %s as %s", tg.surface, tg.kind, v.name, a)
			if r.Code != want {
				t.Errorf("%s: %d %.300s, want %d", where, r.Code, r.Raw, want)
				continue
			}
			if want >= 400 && v.write {
				if after := state(); after != before {
					t.Errorf("%s: refused, yet the resource changed:\n%s", where, cmp.Diff(before, after))
				}
			}
			maySee := a == admin || (a == owner && !tg.adminOwned)
			if v.listed != nil && want < 400 {
				shown := maySee && !(v.ownListOnly && a == admin)
				if got := v.listed(r, target); got != shown {
					t.Errorf("%s: the list shows the resource: %v, want %v", where, got, shown)
				}
			}
			if !maySee && tg.hidden != nil {
				if h := tg.hidden(target); h != "" && strings.Contains(r.Raw, h) {
					t.Errorf("%s: the answer shows %q: %.300s", where, h, r.Raw)
				}
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
