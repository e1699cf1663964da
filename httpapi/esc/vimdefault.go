package esc

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Default VIM connector.

// currentDefaultVIM is the default connector, nil when none is set: of the
// locations labelled esc/default, the one with the highest number, ties
// going to the greater ID.
func (a *api) currentDefaultVIM(ctx context.Context) (*resource.Resource, error) {
	page, err := a.b.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	var best *resource.Resource
	for _, l := range page.Items {
		if _, ok := l.Labels[labelDefaultVIM]; ok && !l.Deleting && (best == nil || defaultVIMOutranks(l, best)) {
			best = l
		}
	}
	return best, nil
}

func defaultVIMRank(l *resource.Resource) int64 {
	n, _ := strconv.ParseInt(l.Labels[labelDefaultVIM], 10, 64)
	return n
}

// defaultVIM is the ID of the default VIM connector, where a request that
// names no VIM places resources. Without one the error is Invalid (400):
// the request must name a VIM.
func (a *api) defaultVIM(ctx context.Context) (string, error) {
	l, err := a.currentDefaultVIM(ctx)
	if err != nil {
		return "", err
	}
	if l == nil {
		return "", resource.Errorf(resource.Invalid, "the request names no VIM and no default VIM connector is set (POST /v0/vims/default_vim_connector sets one)")
	}
	return l.ID, nil
}

func (a *api) getDefaultVIM(w http.ResponseWriter, r *http.Request) error {
	l, err := a.currentDefaultVIM(r.Context())
	if err != nil {
		return err
	}
	if l == nil {
		return resource.Errorf(resource.NotFound, "no default VIM connector is set")
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, defaultVIMBody{Xmlns: netconfNS, ID: l.ID})
}

func (a *api) setDefaultVIM(w http.ResponseWriter, r *http.Request) error {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return err
	}
	f, err := requestFormat(r)
	if err != nil {
		return err
	}
	var in defaultVIMBody
	if err := decode(data, f, &in, "default VIM connector"); err != nil {
		return err
	}
	if in.ID == "" {
		return resource.InvalidField("defaultVimConnectorId", "required")
	}
	if _, err := a.fetchVIM(r.Context(), in.ID); err != nil {
		return resource.InvalidField("defaultVimConnectorId", "VIM connector %q not found", in.ID)
	}
	t, err := a.begin(r, opSetDefaultVIM)
	if err != nil {
		return err
	}
	out, err := a.setDefaultVIMTo(r.Context(), in.ID)
	if err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, out.Ref, nil, defaultVIMBody{Xmlns: netconfNS, ID: out.ID, EventType: "CREATE_DEFAULT_VIM_CONNECTOR"})
}

// setDefaultVIMTo makes id the default: it numbers it above every other
// default label (labels only ever rise), then, from a list made after that
// write, takes the label off every location the highest label outranks.
// Concurrent switches may pick the same number; the rank's tie-break still
// names one default. No clean-up removes the highest label (whatever
// outranked a removed label still does, or was removed by a higher one),
// and the last switch to write lists every label left, so one remains.
// Each write is at the revision read, so none is lost.
func (a *api) setDefaultVIMTo(ctx context.Context, id string) (*resource.Resource, error) {
	page, err := a.b.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	var top int64
	for _, l := range page.Items {
		if _, ok := l.Labels[labelDefaultVIM]; ok {
			top = max(top, defaultVIMRank(l))
		}
	}
	out, err := a.changeVIM(ctx, id, func(next *resource.Resource, _ *resource.Location) error {
		if next.Deleting {
			return resource.Errorf(resource.Conflict, "VIM Connector %s is being deleted", id)
		}
		next.Labels[labelDefaultVIM] = strconv.FormatInt(max(top, defaultVIMRank(next))+1, 10)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The switch is made; what the clean-up leaves does not change which
	// connector is the default, so it is logged, not answered.
	if page, err = a.b.List(ctx, store.Filter{Kind: resource.KindLocation}); err != nil {
		a.kit.Log().Warn("esc: listing default VIM labels to clean up", "err", err)
		return out, nil
	}
	var best *resource.Resource
	for _, l := range page.Items {
		if _, ok := l.Labels[labelDefaultVIM]; ok && (best == nil || defaultVIMOutranks(l, best)) {
			best = l
		}
	}
	for _, l := range page.Items {
		if _, ok := l.Labels[labelDefaultVIM]; !ok || l.ID == best.ID {
			continue
		}
		_, err := a.changeVIM(ctx, l.ID, func(next *resource.Resource, _ *resource.Location) error {
			if _, ok := next.Labels[labelDefaultVIM]; !ok || !defaultVIMOutranks(best, next) {
				return errDefaultKept // gone, or raised since the list
			}
			delete(next.Labels, labelDefaultVIM)
			return nil
		})
		if err != nil && !errors.Is(err, errDefaultKept) && resource.CodeOf(err) != resource.NotFound {
			a.kit.Log().Warn("esc: removing an outranked default VIM label", "vim", l.ID, "err", err)
		}
	}
	return out, nil
}

// defaultVIMOutranks reports whether x's default label ranks above y's.
func defaultVIMOutranks(x, y *resource.Resource) bool {
	rx, ry := defaultVIMRank(x), defaultVIMRank(y)
	return rx > ry || rx == ry && x.ID > y.ID
}

// errDefaultKept stops the clean-up of a label that is gone or was
// raised.
var errDefaultKept = errors.New("default label kept")

// defaultVIMOutcome reports a switch of the default as it then stands.
func (a *api) defaultVIMOutcome(ctx context.Context, _ transaction, w *resource.Watch, target *resource.Resource) *report {
	id := w.TargetID
	body := defaultVIMBody{Xmlns: netconfNS, ID: id, EventType: "CREATE_DEFAULT_VIM_CONNECTOR"}
	if target == nil {
		return &report{http.StatusInternalServerError, "VIM Connector " + id + " no longer exists", body}
	}
	cur, err := a.currentDefaultVIM(ctx)
	switch {
	case err != nil:
		return nil // a later look
	case cur == nil || cur.ID != id:
		return &report{http.StatusConflict, "VIM Connector " + id + " is not the default: a concurrent request chose another", body}
	}
	return &report{http.StatusOK, "Default VIM Connector successfully created", body}
}
