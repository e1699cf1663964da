package ui

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// The resource page answers "why is it stuck": what was asked (the spec),
// where each copy stands and why (its message, and its location's state),
// and what happened (the events of the resource and of its copies).

// copyRow is one per-location copy.
type copyRow struct {
	ID       string
	Kind     resource.Kind
	Location string
	// LocationPhase and LocationMessage are the copy's location's: a
	// copy waiting on a failed location says so.
	LocationPhase   resource.Phase
	LocationMessage string
	Phase           resource.Phase
	Task            string
	Message         string
	Output          string
}

// eventRow is one recorded phase change.
type eventRow struct {
	ID          string
	When        time.Time
	SubjectKind resource.Kind
	SubjectID   string
	Location    string
	From, To    resource.Phase
	Message     string
	revision    int64
}

type resourceBody struct {
	R         *resource.Resource
	Spec      string
	Output    string
	Placement string
	// Parent is a copy's global resource.
	Parent *resource.Ref
	Copies []copyRow
	// MoreCopies counts the copies not shown.
	MoreCopies int
	Deployment *deploymentView
	Events     []eventRow
}

func (u *ui) resource(w http.ResponseWriter, r *http.Request, ss *session) error {
	kind := resource.Kind(r.PathValue("kind"))
	info, ok := u.reg.Info(kind)
	if !ok {
		return resource.Errorf(resource.NotFound, "no kind %q", kind)
	}
	ctx := r.Context()
	res, err := dialect.Fetch(ctx, u.b, info, r.PathValue("id"))
	if err != nil {
		return err
	}
	body := resourceBody{R: res, Spec: specJSON(info, res.Spec), Output: prettyJSON(res.Status.Output)}
	if res.Placement != nil {
		body.Placement = prettyJSON(res.Placement)
	}
	if info.Located {
		body.Parent = res.Owner
	}
	subjects := []*resource.Resource{res}
	if info.Local != "" {
		copies, err := u.b.List(ctx, store.Filter{Kind: info.Local, Owner: &res.Ref, Tenant: res.Tenant, Sort: "location_id", Limit: u.opts.MaxRows})
		if err != nil {
			return err
		}
		locs, err := u.locationStates(ctx)
		if err != nil {
			return err
		}
		for _, c := range copies.Items {
			l := locs[c.Location]
			body.Copies = append(body.Copies, copyRow{ID: c.ID, Kind: c.Kind, Location: c.Location,
				LocationPhase: l.Phase, LocationMessage: l.Message, Phase: c.Status.Phase,
				Task: c.Status.TaskStatus, Message: c.Status.Message, Output: prettyJSON(c.Status.Output)})
		}
		body.MoreCopies = copies.Total - len(copies.Items)
		subjects = append(subjects, copies.Items...)
	}
	if kind == resource.KindDeployment {
		if body.Deployment, err = u.deployment(ctx, res); err != nil {
			return err
		}
	}
	if body.Events, err = u.events(ctx, subjects); err != nil {
		return err
	}
	return u.show(w, r, http.StatusOK, "resource", &page{Title: string(kind) + " " + res.ID, User: ss.p, CSRF: ss.csrf, Body: body})
}

// locationStates maps every location to its status.
func (u *ui) locationStates(ctx context.Context) (map[string]resource.Status, error) {
	list, err := u.b.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	out := make(map[string]resource.Status, len(list.Items))
	for _, l := range list.Items {
		out[l.ID] = l.Status
	}
	return out, nil
}

// events are the newest events of the subjects the caller may see
// (confined to their tenant as /v1.0/events is), newest first, at most
// MaxRows.
func (u *ui) events(ctx context.Context, subjects []*resource.Resource) ([]eventRow, error) {
	info, _ := u.reg.Info(resource.KindEvent)
	tenant := dialect.ListTenant(dialect.PrincipalFrom(ctx), info)
	var out []eventRow
	for _, s := range subjects {
		list, err := u.b.List(ctx, store.Filter{Kind: resource.KindEvent, Tenant: tenant,
			Fields: map[string]string{"subject_id": s.ID}, Sort: "revision", Desc: true, Limit: u.opts.MaxRows})
		if err != nil {
			return nil, err
		}
		for _, e := range list.Items {
			ev, ok := e.Spec.(*resource.Event)
			if !ok || ev.SubjectKind != s.Kind {
				continue // an ID is unique per kind only
			}
			out = append(out, eventRow{ID: e.ID, When: e.CreatedAt, SubjectKind: ev.SubjectKind, SubjectID: ev.SubjectID,
				Location: ev.Location, From: ev.From, To: ev.To, Message: ev.Message, revision: e.Revision})
		}
	}
	slices.SortFunc(out, func(a, b eventRow) int {
		return cmp.Or(b.When.Compare(a.When), cmp.Compare(b.revision, a.revision))
	})
	if len(out) > u.opts.MaxRows {
		out = out[:u.opts.MaxRows]
	}
	return out, nil
}

// specJSON is a spec as indented JSON in its fields' order, without the
// fields the registry marks secret (never shown, even sealed).
func specJSON(info resource.KindInfo, spec resource.Spec) string {
	raw, err := json.Marshal(spec)
	if err != nil {
		return ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for _, f := range info.Fields {
		v, ok := fields[f.Name]
		if !ok || f.Secret {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.Name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if json.Indent(&out, b.Bytes(), "", "  ") != nil {
		return ""
	}
	return out.String()
}

// prettyJSON is v as indented JSON, "" for nothing.
func prettyJSON(v any) string {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil || string(out) == "null" || string(out) == "{}" {
		return ""
	}
	return string(out)
}
