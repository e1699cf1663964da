package orca_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
)

// recordingFactory hands out fake VIMs and remembers the credentials each
// Open received.
type recordingFactory struct {
	*fake.Factory
	mu    sync.Mutex
	seen  []vim.Credentials
	opens int
}

func (f *recordingFactory) Open(ctx context.Context, loc *resource.Resource, c *vim.Credentials) ([]vim.Driver, error) {
	f.mu.Lock()
	f.opens++
	if c != nil {
		f.seen = append(f.seen, *c)
	}
	f.mu.Unlock()
	return f.Factory.Open(ctx, loc, c)
}

func (f *recordingFactory) last() (vim.Credentials, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		return vim.Credentials{}, f.opens
	}
	return f.seen[len(f.seen)-1], f.opens
}

func TestLocationCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		keys, err := secret.Parse(secret.GenerateKey())
		if err != nil {
			t.Fatal(err)
		}
		s := memstore.New(nil)
		f := &recordingFactory{Factory: fake.NewFactory(nil)}
		o := orca.New(s, &orca.Options{Drivers: f, Keyring: keys, Logger: slog.New(slog.DiscardHandler),
			PollInterval: pollInterval, ResyncInterval: resyncInterval})
		e := &env{t: t, o: o, s: s, f: f.Factory}
		e.run()

		if _, err := o.SetCredentials(ctx, "site-a-creds", vim.Credentials{Username: "orca", Password: "pw-one-secret", ProjectName: "admin"}); err != nil {
			t.Fatal(err)
		}
		e.apply(&resource.Resource{Ref: ref(resource.KindLocation, "site-a"),
			Spec: &resource.Location{KeystoneEndpoint: "https://keystone.site-a.example:5000/v3", CredentialID: "site-a-creds"}})
		e.waitPhase(ref(resource.KindLocation, "site-a"), resource.PhaseReady)
		if got, _ := f.last(); got.Username != "orca" || got.Password != "pw-one-secret" || got.ProjectName != "admin" {
			t.Fatalf("the factory got %#v", got) // redacted if it ever prints
		}

		// At rest there is only ciphertext.
		c := e.get(ref(resource.KindCredential, "site-a-creds"))
		raw, _ := json.Marshal(c)
		for _, plain := range []string{"pw-one-secret", "password", "username", "project_name"} {
			if bytes.Contains(raw, []byte(plain)) {
				t.Errorf("the stored credential shows %q: %s", plain, raw)
			}
		}
		if c.Spec.(*resource.Credential).KeyID != keys.KeyID() {
			t.Errorf("key ID %q, want %q", c.Spec.(*resource.Credential).KeyID, keys.KeyID())
		}

		// Rotating the password reopens the location's drivers with it.
		_, opensBefore := f.last()
		if _, err := o.SetCredentials(ctx, "site-a-creds", vim.Credentials{Username: "orca", Password: "pw-two-secret"}); err != nil {
			t.Fatal(err)
		}
		e.waitFor("drivers reopened with the new password", resyncInterval, func() bool {
			got, opens := f.last()
			return got.Password == "pw-two-secret" && opens > opensBefore
		})

		// Credentials are only written sealed, and stay while used.
		_, err = o.Apply(ctx, &resource.Resource{Ref: ref(resource.KindCredential, "raw"), Spec: &resource.Credential{Sealed: []byte("plain")}})
		if resource.CodeOf(err) != resource.Forbidden {
			t.Errorf("Apply of a credential = %v, want Forbidden", err)
		}
		err = o.Delete(ctx, ref(resource.KindCredential, "site-a-creds"), 0)
		if resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "site-a") {
			t.Errorf("Delete of a credential in use = %v, want Conflict naming the location", err)
		}
	})
}

func TestCredentialsNeedAKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		keys, _ := secret.Parse(secret.GenerateKey())
		s := memstore.New(nil)
		// One orchestrator seals; a second one, without the key, must
		// refuse to open rather than run the drivers without credentials.
		sealer := orca.New(s, &orca.Options{Keyring: keys, Logger: slog.New(slog.DiscardHandler)})
		if _, err := sealer.SetCredentials(ctx, "c1", vim.Credentials{Password: "x"}); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, envOptions{store: s})
		if _, err := e.o.SetCredentials(ctx, "c2", vim.Credentials{Password: "x"}); resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("SetCredentials without a key = %v, want Unavailable", err)
		}
		e.apply(&resource.Resource{Ref: ref(resource.KindLocation, "site-b"),
			Spec: &resource.Location{KeystoneEndpoint: "https://ks.example/v3", CredentialID: "c1"}})
		loc := e.waitPhase(ref(resource.KindLocation, "site-b"), resource.PhaseFailed)
		if !strings.Contains(loc.Status.Message, "ORCA_SECRET_KEY") {
			t.Errorf("location message %q does not say how to fix it", loc.Status.Message)
		}

		// A different key does not open it either.
		other, _ := secret.Parse(secret.GenerateKey())
		wrong := orca.New(s, &orca.Options{Keyring: other, Drivers: fake.NewFactory(nil), Logger: slog.New(slog.DiscardHandler)})
		if _, err := wrong.Reconcile(ctx, ref(resource.KindLocation, "site-b")); resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("reconcile with the wrong key = %v", err)
		}
		if got := e.get(ref(resource.KindLocation, "site-b")); !strings.Contains(got.Status.Message, "does not open") {
			t.Errorf("location message with the wrong key: %q", got.Status.Message)
		}
	})
}
