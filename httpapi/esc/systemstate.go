package esc

import (
	"context"
	"encoding/xml"
	"net/http"
	"sync"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// System states are what this server's background work has come to, by
// name, for administrators:
//
//	callbacks   ESC's callbacks, which orca holds as webhooks: how many
//	            wait to be delivered, and how many were given up since the
//	            last reset (state DEGRADED while there are any). A reset
//	            acknowledges the failures: they stay readable at
//	            /v1.0/webhooks, and count no more. Its time is a setting,
//	            so a restart keeps it.
//	reconciler  the orchestrator's counters (passes, errors, resyncs, VIM
//	            calls and errors, events) since the process started or the
//	            last reset, and its queue's depth (state DEGRADED when
//	            there were errors). The counters are the process's, so
//	            their reset is too: a restart starts them from zero.
//
// Any other name is 404.

const (
	stateCallbacks  = "callbacks"
	stateReconciler = "reconciler"
)

const (
	stateOK       = "OK"
	stateDegraded = "DEGRADED"
)

// systemStateBody is a state on the wire.
type systemStateBody struct {
	XMLName  xml.Name       `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 systemstate" json:"-"`
	Name     string         `xml:"name" json:"name"`
	State    string         `xml:"state" json:"state"`
	Since    string         `xml:"since,omitempty" json:"since,omitempty"` // the last reset, RFC 3339
	Counters []stateCounter `xml:"counters>counter" json:"counters"`
}

type stateCounter struct {
	Name  string `xml:"name" json:"name"`
	Value int64  `xml:"value" json:"value"`
}

// reconcilerBase is the reconciler's counters at the last reset.
type reconcilerBase struct {
	mu    sync.Mutex
	stats orca.StatsSnapshot
	at    time.Time
}

func (a *api) systemStateArea() area {
	return area{routes: []route{
		{"GET", "/systemstate/{name}", a.getSystemState},
		{"POST", "/systemstate/{name}/reset", a.resetSystemState},
	}}
}

// systemState is the named state now.
func (a *api) systemState(ctx context.Context, name string) (systemStateBody, error) {
	switch name {
	case stateCallbacks:
		return a.callbackState(ctx)
	case stateReconciler:
		return a.reconcilerState(), nil
	}
	return systemStateBody{}, resource.Errorf(resource.NotFound, "System state %q not found (there are %s and %s)", headerSafe(name), stateCallbacks, stateReconciler)
}

func (a *api) getSystemState(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators read system states")
	}
	st, err := a.systemState(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, st)
}

func (a *api) resetSystemState(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators reset system states")
	}
	name := r.PathValue("name")
	if _, err := a.systemState(r.Context(), name); err != nil {
		return err // 404 before anything changes
	}
	now := time.Now().UTC()
	switch name {
	case stateCallbacks:
		_, err := a.changeSetting(r.Context(), settingSystem, nil, func(s *resource.Setting) error {
			s.Values[stateCallbacks+".reset_at"] = now.Format(time.RFC3339Nano)
			return nil
		})
		if err != nil {
			return err
		}
	case stateReconciler:
		a.reconciler.mu.Lock()
		a.reconciler.stats, a.reconciler.at = a.b.StatsSnapshot(), now
		a.reconciler.mu.Unlock()
	}
	a.kit.Log().Info("ESC system state reset", "name", name, "by", dialect.Caller(r).UserName)
	st, err := a.systemState(r.Context(), name)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, st)
}

// webhookPage is how many failed webhooks are read at a time.
const webhookPage = 500

func (a *api) callbackState(ctx context.Context) (systemStateBody, error) {
	since, err := a.settingValue(ctx, settingSystem, stateCallbacks+".reset_at")
	if err != nil {
		return systemStateBody{}, err
	}
	resetAt, _ := time.Parse(time.RFC3339Nano, since) // zero: never reset
	all, err := a.b.List(ctx, store.Filter{Kind: resource.KindWebhook, Limit: 1})
	if err != nil {
		return systemStateBody{}, err
	}
	// Failed webhooks, newest first, until one older than the reset.
	var failed, failedTotal int64
	for offset := 0; ; offset += webhookPage {
		page, err := a.b.List(ctx, store.Filter{Kind: resource.KindWebhook, Phase: resource.PhaseFailed,
			Sort: "updated_at", Desc: true, Limit: webhookPage, Offset: offset})
		if err != nil {
			return systemStateBody{}, err
		}
		failedTotal = int64(page.Total)
		older := false
		for _, h := range page.Items {
			if !h.UpdatedAt.After(resetAt) {
				older = true
				break
			}
			failed++
		}
		if older || len(page.Items) < webhookPage {
			break
		}
	}
	st := systemStateBody{Name: stateCallbacks, State: stateOK, Since: since, Counters: []stateCounter{
		{"pending", int64(all.Total) - failedTotal},
		{"failed", failed},
	}}
	if failed > 0 {
		st.State = stateDegraded
	}
	return st, nil
}

func (a *api) reconcilerState() systemStateBody {
	now := a.b.StatsSnapshot()
	a.reconciler.mu.Lock()
	base, at := a.reconciler.stats, a.reconciler.at
	a.reconciler.mu.Unlock()
	st := systemStateBody{Name: stateReconciler, State: stateOK, Counters: []stateCounter{
		{"reconciles", now.Reconciles - base.Reconciles},
		{"reconcile_errors", now.Errors - base.Errors},
		{"resyncs", now.Resyncs - base.Resyncs},
		{"vim_calls", now.VIMCalls - base.VIMCalls},
		{"vim_errors", now.VIMErrors - base.VIMErrors},
		{"events", now.Events - base.Events},
		{"queue_depth", int64(now.QueueDepth)},
	}}
	if !at.IsZero() {
		st.Since = at.Format(time.RFC3339Nano)
	}
	if now.Errors > base.Errors || now.VIMErrors > base.VIMErrors {
		st.State = stateDegraded
	}
	return st
}
