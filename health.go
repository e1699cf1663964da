package orca

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// LocationHealth is one location's state as the orchestrator sees it.
type LocationHealth struct {
	ID        string         `json:"id"`
	Phase     resource.Phase `json:"phase"`
	Message   string         `json:"message,omitempty"`
	Drivers   int            `json:"drivers"`
	VIMCalls  int64          `json:"vim_calls"`
	VIMErrors int64          `json:"vim_errors"`
	// LatencyMS is the mean duration of the location's last VIM calls
	// (an exponentially weighted average, so a slowdown shows within a
	// few dozen calls), in milliseconds; 0 before the first call.
	LatencyMS float64 `json:"latency_ms"`
}

// Health summarizes the orchestrator for health checks and operators.
type Health struct {
	Running    bool `json:"running"`
	QueueDepth int  `json:"queue_depth"`
	// Workers is how many reconciler workers Run started (see
	// Options.Workers); 0 when it is not running.
	Workers   int              `json:"workers"`
	Locations []LocationHealth `json:"locations"`
}

// Health reports whether Run is running, the queue depth, and every
// location's state with its VIM call and error counts. Errors come from the
// store only.
func (o *Orchestrator) Health(ctx context.Context) (*Health, error) {
	page, err := o.store.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	h := &Health{Running: o.running.Load(), QueueDepth: o.q.Len(), Workers: o.workers.running(), Locations: []LocationHealth{}}
	for _, l := range page.Items {
		lh := LocationHealth{ID: l.ID, Phase: l.Status.Phase, Message: l.Status.Message}
		if s := o.site(l.ID); s != nil {
			lh.Drivers = len(s.drivers)
		}
		c := o.locationCounters(l.ID)
		lh.VIMCalls, lh.VIMErrors = c.calls.Load(), c.errors.Load()
		lh.LatencyMS = float64(c.latency.Load()) / float64(time.Millisecond)
		h.Locations = append(h.Locations, lh)
	}
	return h, nil
}

// locCounters count one location's VIM calls; they outlive its drivers.
type locCounters struct {
	calls, errors atomic.Int64
	latency       atomic.Int64 // nanoseconds, exponentially weighted
}

// observe folds one call's duration into the average (weight 1/16). Racing
// updates may drop a sample, which an average can afford.
func (c *locCounters) observe(d time.Duration) {
	old := c.latency.Load()
	if old == 0 {
		c.latency.Store(int64(d))
		return
	}
	c.latency.Store(old + (int64(d)-old)/16)
}

func (o *Orchestrator) locationCounters(id string) *locCounters {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.locStats == nil {
		o.locStats = map[string]*locCounters{}
	}
	c := o.locStats[id]
	if c == nil {
		c = &locCounters{}
		o.locStats[id] = c
	}
	return c
}

// StatsSnapshot is a copy of the counters, for /debug/vars.
type StatsSnapshot struct {
	Reconciles int64 `json:"reconciles"`
	Errors     int64 `json:"reconcile_errors"`
	Resyncs    int64 `json:"resyncs"`
	VIMCalls   int64 `json:"vim_calls"`
	VIMErrors  int64 `json:"vim_errors"`
	Events     int64 `json:"events"`
	QueueDepth int   `json:"queue_depth"`
	// WebhooksSent and WebhooksFailed count deliveries and those given up.
	WebhooksSent   int64 `json:"webhooks_sent"`
	WebhooksFailed int64 `json:"webhooks_failed"`
}

// StatsSnapshot copies the counters.
func (o *Orchestrator) StatsSnapshot() StatsSnapshot {
	s := &o.stats
	return StatsSnapshot{
		Reconciles: s.Reconciles.Load(), Errors: s.Errors.Load(), Resyncs: s.Resyncs.Load(),
		VIMCalls: s.VIMCalls.Load(), VIMErrors: s.VIMErrors.Load(), Events: s.Events.Load(),
		QueueDepth: o.q.Len(), WebhooksSent: s.WebhooksSent.Load(), WebhooksFailed: s.WebhooksFailed.Load(),
	}
}

// Registry returns the kind registry the orchestrator works with.
func (o *Orchestrator) Registry() *resource.Registry { return o.reg }
