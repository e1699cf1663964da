package waldur

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Paging, as Waldur's LinkHeaderPagination.
const (
	defaultPageSize = 10
	maxPageSize     = 300
)

// orderings are the o= keys (with "-" for descending).
var orderings = []string{"name", "state", "customer_name", "customer_native_name", "customer_abbreviation",
	"project_name", "service_name", "created"}

// query is a parsed list request.
type query struct {
	tenant   string // "" any; a pushed-down equality on the tenant
	none     bool   // the filters contradict: nothing matches
	name     string // exact name, pushed down
	page     string
	pageSize int
	fields   []string
	order    string
	desc     bool
	// match filters in memory what the store cannot.
	match []func(l *lookups, g *resource.Resource) bool
}

// parse reads the query string: the seed's filters, o, field, page,
// page_size (and format=json, which Waldur's clients may send). Anything
// else is refused, naming the parameter.
func (a *api) parse(r *http.Request) (*query, error) {
	q := &query{pageSize: defaultPageSize}
	values := r.URL.Query()
	if t := dialect.ListTenant(dialect.Caller(r), a.info); t != "" {
		q.tenant = t
	}
	setTenant := func(id string) {
		if q.tenant != "" && q.tenant != id {
			q.none = true
		}
		q.tenant = id
	}
	contains := func(get func(l *lookups, g *resource.Resource) string, v string) {
		v = strings.ToLower(v)
		q.match = append(q.match, func(l *lookups, g *resource.Resource) bool {
			return strings.Contains(strings.ToLower(get(l, g)), v)
		})
	}
	tenantName := func(l *lookups, g *resource.Resource) string { return l.tenantName(g.Tenant) }
	for name, vs := range values {
		if name == "state" || name == "field" {
			continue // repeated on purpose
		}
		if len(vs) != 1 {
			return nil, resource.InvalidField(name, "Give the parameter once.")
		}
		v := vs[0]
		switch name {
		case "format":
			if v != "json" {
				return nil, resource.InvalidField(name, "Only json is served.")
			}
		case "page":
			q.page = v
		case "page_size":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, resource.InvalidField(name, "A valid positive integer is required.")
			}
			q.pageSize = min(n, maxPageSize)
		case "o":
			key, desc := strings.CutPrefix(v, "-")
			if !slices.Contains(orderings, key) {
				return nil, resource.InvalidField(name, "Select a valid choice. %s is not one of the available choices.", v)
			}
			q.order, q.desc = key, desc
		case "uuid":
			q.match = append(q.match, func(_ *lookups, g *resource.Resource) bool { return g.ID == v })
		case "customer", "customer_uuid", "project", "project_uuid", "tenant_uuid":
			setTenant(v)
		case "tenant":
			id, err := hyperlinked(v, "/api/openstack-tenants/")
			if err != nil {
				q.none = true // as Waldur's URL filter: a bad link matches nothing
			}
			setTenant(id)
		case "name":
			contains(func(_ *lookups, g *resource.Resource) string { return g.Name }, v)
		case "name_exact":
			q.name = v
		case "description":
			contains(func(_ *lookups, g *resource.Resource) string { return g.Spec.(*resource.ServerGroup).Description }, v)
		case "customer_name", "project_name":
			contains(tenantName, v)
		case "customer_native_name", "customer_abbreviation":
			contains(func(*lookups, *resource.Resource) string { return "" }, v)
		case "backend_id":
			q.match = append(q.match, func(_ *lookups, g *resource.Resource) bool {
				return slices.ContainsFunc(backends(g), func(b backend) bool { return b.ID == v })
			})
		case "service_settings_uuid":
			q.match = append(q.match, func(_ *lookups, g *resource.Resource) bool {
				return slices.ContainsFunc(backends(g), func(b backend) bool { return b.Location == v })
			})
		case "service_settings_name":
			v := strings.ToLower(v)
			q.match = append(q.match, func(l *lookups, g *resource.Resource) bool {
				return slices.ContainsFunc(backends(g), func(b backend) bool {
					loc := l.location(b.Location)
					return loc != nil && strings.Contains(strings.ToLower(loc.name), v)
				})
			})
		case "external_ip":
			// Server groups have no external IP: any value matches none.
			if v != "" {
				q.none = true
			}
		case "can_manage":
			b, err := dialect.Bool(values, name)
			if err != nil {
				return nil, err
			}
			// Whoever sees a group here may manage it.
			q.none = q.none || !b
		default:
			return nil, resource.InvalidField(name, "Unknown filter.")
		}
	}
	if vs := values["state"]; len(vs) > 0 {
		want := map[string]bool{}
		for _, v := range vs {
			s, ok := parseState(v)
			if !ok {
				return nil, resource.InvalidField("state", "Select a valid choice. %s is not one of the available choices.", v)
			}
			want[s] = true
		}
		q.match = append(q.match, func(_ *lookups, g *resource.Resource) bool { return want[stateOf(g)] })
	}
	var err error
	if q.fields, err = selection(values); err != nil {
		return nil, err
	}
	return q, nil
}

// selection reads field=, which Waldur takes repeated.
func selection(values url.Values) ([]string, error) {
	var out []string
	for _, f := range values["field"] {
		if !slices.Contains(fieldNames, f) {
			return nil, resource.InvalidField("field", "Select a valid choice. %s is not one of the available choices.", f)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// parseState accepts a state's name (OK, CREATION_SCHEDULED) or its label
// in older Waldur (Erred, Creation Scheduled), in any case.
func parseState(v string) (string, bool) {
	for name, label := range stateLabels {
		if strings.EqualFold(v, name) || strings.EqualFold(v, label) {
			return name, true
		}
	}
	return "", false
}

// hyperlinked takes the ID out of a link to one of Waldur's objects under
// collection ("http://host/api/openstack-tenants/<uuid>/"), or takes a
// bare ID as it is.
func hyperlinked(v, collection string) (string, error) {
	if resource.CheckID(v) == nil {
		return v, nil
	}
	u, err := url.Parse(v)
	if err == nil {
		if _, rest, ok := strings.Cut(u.Path, collection); ok {
			if id := strings.TrimSuffix(rest, "/"); resource.CheckID(id) == nil {
				return id, nil
			}
		}
	}
	return "", resource.Errorf(resource.Invalid, "Invalid hyperlink - No URL match.")
}

// list serves GET on the collection.
func (a *api) list(w http.ResponseWriter, r *http.Request) error {
	q, err := a.parse(r)
	if err != nil {
		return err
	}
	l := a.lookups(r)
	var groups []*resource.Resource
	if !q.none {
		// The store orders by tenant then ID (Waldur: by tenant name);
		// what it cannot filter is filtered here.
		// Shared records (a.memos.groups): read, never modified.
		all, _, err := a.memos.groups.List(r.Context(), a.b, store.Filter{Kind: resource.KindServerGroup, Tenant: q.tenant, Name: q.name, Sort: "tenant_id"},
			func(g *resource.Resource) *resource.Resource { return g })
		if err != nil {
			return err
		}
		for _, g := range all {
			if !slices.ContainsFunc(q.match, func(m func(*lookups, *resource.Resource) bool) bool { return !m(l, g) }) {
				groups = append(groups, g)
			}
		}
	}
	if q.order != "" {
		key := func(g *resource.Resource) string {
			switch q.order {
			case "name":
				return g.Name
			case "state":
				return stateOf(g)
			case "created":
				return timestamp(g.CreatedAt)
			case "service_name":
				if loc := l.location(primary(g, backends(g)).Location); loc != nil {
					return loc.name
				}
				return ""
			case "customer_native_name", "customer_abbreviation":
				return ""
			}
			return l.tenantName(g.Tenant)
		}
		sort.SliceStable(groups, func(i, j int) bool {
			if q.desc {
				return key(groups[i]) > key(groups[j])
			}
			return key(groups[i]) < key(groups[j])
		})
	}
	pages := max(1, (len(groups)+q.pageSize-1)/q.pageSize)
	n := 1
	switch q.page {
	case "":
	case "last":
		n = pages
	default:
		var err error
		if n, err = strconv.Atoi(q.page); err != nil || n < 1 || n > pages {
			return resource.Errorf(resource.NotFound, "Invalid page.")
		}
	}
	from, to := dialect.Paginate(len(groups), (n-1)*q.pageSize, q.pageSize)
	out := []byte{'['}
	for i, g := range groups[from:to] {
		if i > 0 {
			out = append(out, ',')
		}
		if out, err = l.appendView(out, r, g, q.fields); err != nil {
			return err
		}
	}
	w.Header().Set("X-Result-Count", strconv.Itoa(len(groups)))
	w.Header().Set("Link", a.links(r, n, pages))
	dialect.WriteJSONBytes(w, http.StatusOK, append(out, ']'))
	return nil
}

// links is the Link header: first, prev, next and last pages, absolute,
// with the request's other parameters kept.
func (a *api) links(r *http.Request, page, pages int) string {
	at := func(n int) string {
		q := r.URL.Query()
		q.Del("page")
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		u := a.base(r) + r.URL.EscapedPath()
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
		return u
	}
	parts := []string{`<` + at(1) + `>; rel="first"`}
	if page > 1 {
		parts = append(parts, `<`+at(page-1)+`>; rel="prev"`)
	}
	if page < pages {
		parts = append(parts, `<`+at(page+1)+`>; rel="next"`)
	}
	parts = append(parts, `<`+at(pages)+`>; rel="last"`)
	return strings.Join(parts, ", ")
}

// fetch gets the group in the path as the caller may see it.
func (a *api) fetch(r *http.Request) (*resource.Resource, error) {
	return dialect.Fetch(r.Context(), a.b, a.info, r.PathValue("uuid"))
}

// show serves GET on a group.
func (a *api) show(w http.ResponseWriter, r *http.Request) error {
	fields, err := selection(r.URL.Query())
	if err != nil {
		return err
	}
	for name := range r.URL.Query() {
		if name != "field" && name != "format" {
			return resource.InvalidField(name, "Unknown parameter.")
		}
	}
	g, err := dialect.FetchShared(r.Context(), a.b, a.memos.groups, a.info, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	body, err := a.lookups(r).appendView(make([]byte, 0, 2048), r, g, fields)
	if err != nil {
		return err
	}
	dialect.WriteJSONBytes(w, http.StatusOK, body)
	return nil
}
