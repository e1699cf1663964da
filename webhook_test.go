package orca_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// receiver records deliveries and fails them as told.
type receiver struct {
	mu   sync.Mutex
	got  []string // bodies, in delivery order
	fail map[string][]error
}

func (r *receiver) deliver(_ context.Context, w *resource.Webhook) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if errs := r.fail[w.Body]; len(errs) > 0 {
		r.fail[w.Body] = errs[1:]
		if errs[0] != nil {
			return errs[0]
		}
	}
	r.got = append(r.got, w.Body)
	return nil
}

func (r *receiver) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func hook(stream, body string) resource.Webhook {
	return resource.Webhook{URL: "https://nfvo.example.net/cb", ContentType: "application/xml", Stream: stream, Body: body,
		Headers: map[string]string{"ESC-Status-Code": "200"}}
}

func (e *env) webhooks() []*resource.Resource {
	e.t.Helper()
	page, err := e.s.List(context.Background(), store.Filter{Kind: resource.KindWebhook})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Items
}

func TestWebhooksInOrderPerStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		unavailable := resource.Errorf(resource.Unavailable, "connection refused")
		rcv := &receiver{fail: map[string][]error{"a1": {unavailable, unavailable}}}
		e := newEnv(t, envOptions{orca: orca.Options{Deliver: rcv.deliver}})
		ctx := context.Background()
		for _, h := range []resource.Webhook{hook("dep-a", "a1"), hook("dep-b", "b1"), hook("dep-a", "a2"), hook("dep-a", "a3"), hook("", "loose")} {
			if _, err := e.o.Notify(ctx, tenant, h); err != nil {
				t.Fatal(err)
			}
		}
		e.waitFor("every webhook delivered", time.Hour, func() bool { return len(e.webhooks()) == 0 })
		got := rcv.delivered()
		var a []string
		for _, b := range got {
			if b[0] == 'a' {
				a = append(a, b)
			}
		}
		// a1 failed twice; a2 and a3 waited for it, while the other
		// streams went ahead.
		if diff := cmp.Diff([]string{"a1", "a2", "a3"}, a); diff != "" {
			t.Errorf("stream dep-a (-want +got):\n%s", diff)
		}
		if len(got) != 5 || slices.Index(got, "b1") > slices.Index(got, "a1") {
			t.Errorf("deliveries %v: want 5, b1 before the retried a1", got)
		}
		if s := e.o.StatsSnapshot(); s.WebhooksSent != 5 || s.WebhooksFailed != 0 {
			t.Errorf("stats: %+v", s)
		}
	})
}

func TestWebhooksGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := resource.Errorf(resource.Forbidden, "127.0.0.1 is not an allowed destination")
		down := resource.Errorf(resource.Unavailable, "503 Service Unavailable")
		forever := make([]error, 1000)
		for i := range forever {
			forever[i] = down
		}
		rcv := &receiver{fail: map[string][]error{"refused": {refused}, "down": forever}}
		e := newEnv(t, envOptions{orca: orca.Options{Deliver: rcv.deliver, WebhookMaxAge: time.Hour, RetryMax: time.Minute}})
		ctx := context.Background()
		for _, h := range []resource.Webhook{hook("s", "refused"), hook("s", "after-refused"), hook("t", "down"), hook("t", "after-down")} {
			if _, err := e.o.Notify(ctx, tenant, h); err != nil {
				t.Fatal(err)
			}
		}
		e.waitFor("both given up, the rest delivered", 3*time.Hour, func() bool {
			return len(rcv.delivered()) == 2 && len(e.webhooks()) == 2
		})
		for _, w := range e.webhooks() {
			body := w.Spec.(*resource.Webhook).Body
			if w.Status.Phase != resource.PhaseFailed {
				t.Errorf("%s: %s, want Failed", body, w.Status.Phase)
			}
			attempts, _ := w.Status.Output["attempts"].(float64)
			switch {
			case body == "refused" && attempts != 1:
				t.Errorf("a refused destination was tried %v times, want once", attempts)
			case body == "down" && (attempts < 10 || attempts > 200):
				// Backoff from 1s to a minute for an hour: some tens.
				t.Errorf("an unavailable receiver was tried %v times in an hour", attempts)
			}
		}
		if diff := cmp.Diff([]string{"after-refused", "after-down"}, rcv.delivered(), cmp.Transformer("sort", func(s []string) []string {
			out := slices.Clone(s)
			slices.Sort(out)
			return out
		})); diff != "" {
			t.Errorf("delivered (-want +got):\n%s", diff)
		}
		if s := e.o.StatsSnapshot(); s.WebhooksFailed != 2 {
			t.Errorf("stats: %+v", s)
		}
	})
}

func TestNotifyRefusesBadWebhooks(t *testing.T) {
	e := newEnv(t, envOptions{noRun: true})
	ctx := context.Background()
	for name, w := range map[string]resource.Webhook{
		"no URL":           {Body: "x"},
		"not http":         {URL: "ftp://example.net/x"},
		"user info":        {URL: "https://u:p@example.net/x"},
		"header injection": {URL: "https://example.net/x", Headers: map[string]string{"X-A": "1\r\nX-B: 2"}},
		"reserved header":  {URL: "https://example.net/x", Headers: map[string]string{"Host": "evil"}},
		"bad header name":  {URL: "https://example.net/x", Headers: map[string]string{"X A": "1"}},
	} {
		if _, err := e.o.Notify(ctx, tenant, w); resource.CodeOf(err) != resource.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	// Nor are webhooks written through the generic API.
	if _, err := e.o.Apply(ctx, &resource.Resource{Ref: ref(resource.KindWebhook, "w"), Spec: &resource.Webhook{URL: "https://example.net/"}}); resource.CodeOf(err) != resource.Forbidden {
		t.Errorf("Apply of a webhook: %v, want Forbidden", err)
	}
}

// TestWebhooksSurviveRestart: webhooks stored by an orchestrator that
// could not deliver them are delivered, in order, by the next one on the
// reopened SQLite file.
func TestWebhooksSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orca.db")
	ctx := context.Background()
	s1, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	o1 := orca.New(s1, &orca.Options{Logger: slog.New(slog.DiscardHandler)})
	for i := range 5 {
		if _, err := o1.Notify(ctx, tenant, hook("dep", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	o1.Close()
	s1.Close()

	s2, err := sqlitestore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	rcv := &receiver{}
	o2 := orca.New(s2, &orca.Options{Logger: slog.New(slog.DiscardHandler), Deliver: rcv.deliver,
		PollInterval: 5 * time.Millisecond, RetryBase: 5 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- o2.Run(runCtx) }()
	defer func() {
		cancel()
		<-done
		o2.Close()
	}()
	wait.Until(t, "delivered after the restart", func() bool { return len(rcv.delivered()) == 5 })
	if diff := cmp.Diff([]string{"0", "1", "2", "3", "4"}, rcv.delivered()); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
