package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// The matrix: one row per global resource of the tenant that has
// per-location copies, one column per location, each cell the phase of
// the row's copy there.

// column is a location heading the matrix.
type column struct {
	ID    string
	Phase resource.Phase
	// Ready and Copies count the column's cells.
	Ready, Copies int
}

// cell is one copy, or its absence (the resource is not placed there).
type cell struct {
	Location string
	Present  bool
	Phase    resource.Phase
	Task     string
	Message  string
}

// row is one global resource.
type row struct {
	Kind    resource.Kind
	ID      string
	Name    string
	Phase   resource.Phase
	Message string
	Cells   []cell
}

// kindRows are a kind's rows, paged.
type kindRows struct {
	Kind  resource.Kind
	Rows  []row
	Total int
	// More links the next page of the kind, when there is one.
	More string
}

// phaseCount is how many copies are in a phase.
type phaseCount struct {
	Phase resource.Phase
	N     int
}

type matrixBody struct {
	Tenant  string
	Columns []column
	Kinds   []kindRows
	Counts  []phaseCount
	Copies  int
	// Span is the table's width in columns.
	Span int
}

func (u *ui) matrix(w http.ResponseWriter, r *http.Request, ss *session) error {
	tenant, err := tenantParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	only, offset := resource.Kind(q.Get("kind")), 0
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return resource.InvalidField("offset", "%q is not a non-negative integer", v)
		}
	}
	if info, ok := u.reg.Info(only); only != "" && (!ok || info.Local == "" || info.Scope != resource.ScopeTenant) {
		return resource.InvalidField("kind", "%q is not a kind with per-location copies", only)
	}
	ctx := r.Context()
	cols, err := u.locations(ctx)
	if err != nil {
		return err
	}
	body := matrixBody{Tenant: tenant}
	counts := map[resource.Phase]int{}
	for _, k := range u.reg.Kinds() {
		info, _ := u.reg.Info(k)
		if info.Local == "" || info.Scope != resource.ScopeTenant || (only != "" && k != only) {
			continue
		}
		f := store.Filter{Kind: k, Tenant: tenant, Limit: u.opts.MaxRows}
		if only != "" {
			f.Offset = offset
		}
		list, err := u.b.List(ctx, f)
		if err != nil {
			return err
		}
		if len(list.Items) == 0 && only == "" {
			continue
		}
		kr := kindRows{Kind: k, Total: list.Total}
		if next := f.Offset + len(list.Items); next < list.Total {
			kr.More = (&url.URL{Path: tenantURL(tenant), RawQuery: url.Values{
				"kind": {string(k)}, "offset": {strconv.Itoa(next)}}.Encode()}).String()
		}
		for _, g := range list.Items {
			rw, err := u.row(ctx, info, g, cols)
			if err != nil {
				return err
			}
			for _, c := range rw.Cells {
				if c.Present {
					counts[c.Phase]++
					body.Copies++
				}
			}
			kr.Rows = append(kr.Rows, rw)
		}
		body.Kinds = append(body.Kinds, kr)
	}
	for i := range cols {
		for _, kr := range body.Kinds {
			for _, rw := range kr.Rows {
				if c := rw.Cells[i]; c.Present {
					cols[i].Copies++
					if c.Phase == resource.PhaseReady {
						cols[i].Ready++
					}
				}
			}
		}
	}
	body.Columns, body.Span = cols, len(cols)+2
	for _, ph := range []resource.Phase{resource.PhaseReady, resource.PhaseProvisioning, resource.PhaseUpdating,
		resource.PhasePending, resource.PhaseDeleting, resource.PhaseFailed} {
		body.Counts = append(body.Counts, phaseCount{Phase: ph, N: counts[ph]})
	}
	return u.show(w, r, http.StatusOK, "matrix", &page{Title: "Tenant " + tenant, User: ss.p, CSRF: ss.csrf, Body: body})
}

// locations are the matrix's columns, by ID.
func (u *ui) locations(ctx context.Context) ([]column, error) {
	list, err := u.b.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	cols := make([]column, 0, len(list.Items))
	for _, l := range list.Items {
		cols = append(cols, column{ID: l.ID, Phase: l.Status.Phase})
	}
	return cols, nil
}

// row lists g's copies into cells, one per column.
func (u *ui) row(ctx context.Context, info resource.KindInfo, g *resource.Resource, cols []column) (row, error) {
	rw := row{Kind: g.Kind, ID: g.ID, Name: g.Name, Phase: g.Status.Phase, Message: g.Status.Message}
	copies, err := u.b.List(ctx, store.Filter{Kind: info.Local, Owner: &g.Ref, Tenant: g.Tenant})
	if err != nil {
		return rw, err
	}
	at := map[string]*resource.Resource{}
	for _, c := range copies.Items {
		at[c.Location] = c
	}
	for _, col := range cols {
		c := cell{Location: col.ID}
		if l := at[col.ID]; l != nil {
			c.Present, c.Phase, c.Task, c.Message = true, l.Status.Phase, l.Status.TaskStatus, l.Status.Message
		}
		rw.Cells = append(rw.Cells, c)
	}
	return rw, nil
}
