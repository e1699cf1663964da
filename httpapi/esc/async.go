package esc

import (
	"context"
	"net/http"
	"strconv"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
)

// ESC's writes are asynchronous: the request is answered at once with a
// transaction ID, and the outcome is POSTed to the request's Callback URL.
// Here the orca write happens before the answer; a watch (durable, in the
// store) then follows its target and, through the watcher below, turns
// what happens to it into callbacks, which orca delivers as webhooks (at
// least once, in order per resource, across restarts).

// watchPurpose names this package's watcher.
const watchPurpose = "esc"

// Headers of the protocol.
const (
	headerCallback      = "Callback"
	headerEventCallback = "Callback-ESC-Events"
	headerTransaction   = "ESC_TRANSACTION_ID"
	headerStatusCode    = "ESC-Status-Code"
	headerStatusMessage = "ESC-Status-Message"
)

// transaction is a write being carried out, as its watch's params hold it.
type transaction struct {
	op       string // "create_tenant", ...
	id       string // ESC_TRANSACTION_ID
	callback string // "" when the client asked for none
	events   string
	format   format
	extra    map[string]string // an area's own params
}

func (t transaction) params() map[string]string {
	p := map[string]string{"op": t.op, "tx": t.id, "callback": t.callback, "events": t.events, "format": "xml"}
	if t.format == formatJSON {
		p["format"] = "json"
	}
	for k, v := range t.extra {
		p[k] = v
	}
	return p
}

func transactionOf(w *resource.Watch) transaction {
	t := transaction{op: w.Params["op"], id: w.Params["tx"], callback: w.Params["callback"], events: w.Params["events"]}
	if w.Params["format"] == "json" {
		t.format = formatJSON
	}
	return t
}

// begin starts a transaction for r: it refuses it in maintenance mode
// (503), and checks the callback URLs against the policy (400 when one is
// unusable), so that nothing is written for a request whose outcome could
// not be reported.
func (a *api) begin(r *http.Request, op string) (transaction, error) {
	if err := a.checkOperating(r.Context()); err != nil {
		return transaction{}, err // maintenance mode: 503, nothing written
	}
	t := transaction{op: op, id: resource.NewID(), callback: r.Header.Get(headerCallback), events: r.Header.Get(headerEventCallback)}
	t.format, _ = responseFormat(r)
	for header, u := range map[string]string{headerCallback: t.callback, headerEventCallback: t.events} {
		if u == "" {
			continue
		}
		if _, err := a.opts.Callbacks.CheckURL(u); err != nil {
			code := resource.CodeOf(err)
			if code == resource.Forbidden {
				code = resource.Invalid
			}
			return t, &resource.Error{Code: code, Field: header, Err: err}
		}
	}
	return t, nil
}

// accept records the watch of a write already made and answers 200 with
// the transaction ID and the resource as it stands.
func (a *api) accept(w http.ResponseWriter, r *http.Request, t transaction, tenant string, target resource.Ref, body any) error {
	if _, err := a.b.Watch(r.Context(), tenant, target, watchPurpose, t.params()); err != nil {
		return err
	}
	w.Header()[headerTransaction] = []string{t.id} // the seed's spelling, not Go's canonical one
	return write(w, http.StatusOK, t.format, body)
}

// report is one callback: a status and the body to send.
type report struct {
	status  int
	message string
	body    any
}

// webhook turns a report into what orca delivers; nil when the client
// asked for no callback.
func (t transaction) webhook(stream string, rp report) *resource.Webhook {
	return t.webhookTo(t.callback, stream, rp)
}

// webhookTo is webhook to a given URL (the callback or the events one).
func (t transaction) webhookTo(url, stream string, rp report) *resource.Webhook {
	if url == "" {
		return nil
	}
	data, err := encode(t.format, rp.body)
	if err != nil {
		data = nil
	}
	return &resource.Webhook{
		URL: url, ContentType: t.format.contentType(), Body: string(data), Stream: stream,
		Headers: map[string]string{
			headerTransaction: t.id, headerStatusCode: strconv.Itoa(rp.status), headerStatusMessage: headerSafe(rp.message),
		},
	}
}

// watch is the orchestrator's view into this package: at each look at a
// transaction's target, what to report.
func (a *api) watch(ctx context.Context, w, target *resource.Resource) (orca.Verdict, error) {
	spec := w.Spec.(*resource.Watch)
	t := transactionOf(spec)
	if p, ok := a.progress[t.op]; ok {
		return a.watchProgress(ctx, t, spec, target, p)
	}
	var rp *report
	if o, ok := a.outcomes[t.op]; ok {
		rp = o(ctx, t, spec, target)
	} else {
		// A transaction of a kind this version does not know: end it
		// rather than look forever.
		rp = &report{status: http.StatusInternalServerError, message: "unknown operation " + t.op}
	}
	if rp == nil {
		return orca.Verdict{}, nil // not yet
	}
	v := orca.Verdict{Done: true}
	if h := t.webhook("esc/"+spec.TargetID, *rp); h != nil {
		v.Webhooks = append(v.Webhooks, *h)
	}
	return v, nil
}

// watchProgress turns a long transaction's look into a verdict.
func (a *api) watchProgress(ctx context.Context, t transaction, spec *resource.Watch, target *resource.Resource, p progress) (orca.Verdict, error) {
	step, err := p(ctx, t, spec, target)
	if err != nil {
		return orca.Verdict{}, err
	}
	v := orca.Verdict{Done: step.done, State: step.state}
	for _, rp := range step.reports {
		if h := t.webhook("esc/"+spec.TargetID, rp); h != nil {
			v.Webhooks = append(v.Webhooks, *h)
		}
	}
	for _, rp := range step.events {
		if h := t.webhookTo(t.events, "esc/"+spec.TargetID, rp); h != nil {
			v.Webhooks = append(v.Webhooks, *h)
		}
	}
	return v, nil
}
