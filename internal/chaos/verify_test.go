package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
)

// findings is what one look at the API and the VIMs found wrong.
type findings struct {
	duplicates  int // extra VIM objects for one resource at one location
	missing     int // acknowledged resources absent (API, or a location's VIM)
	orphans     int // VIM objects of no live resource
	unconverged int // resources not (yet) as they should end
	objects     int // VIM objects at every location
	problems    []string
}

func (f *findings) add(counter *int, format string, args ...any) {
	*counter++
	f.note(format, args...)
}

// note records a problem (the first few, for the log).
func (f *findings) note(format string, args ...any) {
	if len(f.problems) < 30 {
		f.problems = append(f.problems, fmt.Sprintf(format, args...))
	}
}

func (f *findings) clean() bool { return len(f.problems) == 0 }

// apiResource is what the check reads of a resource in the API.
type apiResource struct {
	ID   string `json:"id"`
	Orca struct {
		Generation int64 `json:"generation"`
		Deleting   bool  `json:"deleting"`
		Status     struct {
			Phase              string `json:"phase"`
			ObservedGeneration int64  `json:"observed_generation"`
			Output             struct {
				Locations map[string]struct {
					ExternalID string `json:"external_id"`
					Status     string `json:"status"`
				} `json:"locations"`
			} `json:"output"`
		} `json:"status"`
	} `json:"orca"`
}

// list reads every resource of a collection, page by page.
func list(ctx context.Context, srv *server, path, plural string) (map[string]*apiResource, error) {
	out := map[string]*apiResource{}
	for offset := 0; ; {
		a, err := srv.call(ctx, http.MethodGet, path+"?limit=1000&offset="+strconv.Itoa(offset), nil)
		if err != nil {
			return nil, err
		}
		if a.status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: HTTP %d: %s", path, a.status, a.body)
		}
		var page map[string][]*apiResource
		if err := json.Unmarshal(a.body, &page); err != nil {
			return nil, fmt.Errorf("GET %s: %v", path, err)
		}
		for _, r := range page[plural] {
			out[r.ID] = r
		}
		if len(page[plural]) < 1000 {
			return out, nil
		}
		offset += len(page[plural])
	}
}

// check compares the API and every location's VIM with the plan: live
// resources Ready everywhere, each with exactly one VIM object per
// location (the one the API names), deleted ones gone everywhere, no
// other objects, and each live group's rules as its parts.
func check(ctx context.Context, srv *server, vims *fakewire.Client, p *plan, locations []string) (*findings, error) {
	f := &findings{}
	inAPI := map[resource.Ref]*apiResource{}
	seen := map[string]bool{}
	for _, it := range p.items {
		if seen[it.path] {
			continue
		}
		seen[it.path] = true
		rs, err := list(ctx, srv, it.path, it.key+"s")
		if err != nil {
			return nil, err
		}
		for id, r := range rs {
			inAPI[resource.Ref{Kind: it.ref.Kind, ID: id}] = r
		}
	}
	rulesOf := map[string][]string{}
	byGlobal := map[resource.Ref]*item{}
	for _, it := range p.items {
		byGlobal[it.ref] = it
		r := inAPI[it.ref]
		switch {
		case it.live() && r == nil:
			f.add(&f.missing, "%s was acknowledged and is not in the API", it.ref)
		case !it.live() && r != nil:
			f.add(&f.unconverged, "%s was deleted and is still in the API (deleting: %v)", it.ref, r.Orca.Deleting)
		case it.live() && it.realized && !readyEverywhere(r, locations):
			f.add(&f.unconverged, "%s is not Ready at every location: phase %s, generation %d observed %d, locations %+v",
				it.ref, r.Orca.Status.Phase, r.Orca.Generation, r.Orca.Status.ObservedGeneration, r.Orca.Status.Output.Locations)
		}
		if it.live() && it.owner != "" {
			rulesOf[it.owner] = append(rulesOf[it.owner], it.ref.ID)
		}
	}
	for _, loc := range locations {
		objs, err := vims.Objects(ctx, loc, "")
		if err != nil {
			return nil, err
		}
		f.objects += len(objs)
		count := map[resource.Ref][]fakewire.Object{}
		for _, o := range objs {
			count[o.Global] = append(count[o.Global], o)
		}
		for g, os := range count {
			it := byGlobal[g]
			switch {
			case it == nil || !it.realized:
				f.add(&f.orphans, "%s: %d VIM object(s) of %q, which the test never made (tags %v)", loc, len(os), g, tags(os))
			case !it.live():
				f.add(&f.unconverged, "%s: %s was deleted and still has VIM object(s) %v", loc, g, tags(os))
			case len(os) > 1:
				f.duplicates += len(os) - 1
				f.note("%s: %s has %d VIM objects: tags %v", loc, g, len(os), tags(os))
			}
		}
		for _, it := range p.items {
			if !it.live() || !it.realized {
				continue
			}
			os := count[it.ref]
			if len(os) == 0 {
				f.add(&f.missing, "%s: %s has no VIM object", loc, it.ref)
				continue
			}
			o := os[0]
			if r := inAPI[it.ref]; r != nil && r.Orca.Status.Output.Locations[loc].ExternalID != o.ExternalID {
				f.add(&f.unconverged, "%s: %s: the API names VIM object %q, the VIM holds %q", loc, it.ref,
					r.Orca.Status.Output.Locations[loc].ExternalID, o.ExternalID)
			}
			if o.State != "Ready" {
				f.add(&f.unconverged, "%s: %s's VIM object is %s", loc, it.ref, o.State)
			}
			if it.ref.Kind == resource.KindSecurityGroup {
				want := slices.Sorted(slices.Values(rulesOf[it.ref.ID]))
				if got := slices.Sorted(slices.Values(o.Parts)); !slices.Equal(want, got) {
					f.add(&f.unconverged, "%s: %s has rules %v in the VIM, want %v", loc, it.ref, got, want)
				}
			}
		}
	}
	return f, nil
}

func readyEverywhere(r *apiResource, locations []string) bool {
	st := r.Orca.Status
	if r.Orca.Deleting || st.Phase != "Ready" || st.ObservedGeneration != r.Orca.Generation || len(st.Output.Locations) != len(locations) {
		return false
	}
	for _, loc := range locations {
		if st.Output.Locations[loc].Status != "Ready" {
			return false
		}
	}
	return true
}

func tags(objs []fakewire.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.OrcaID+"/"+string(o.State))
	}
	return out
}
