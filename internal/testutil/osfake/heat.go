package osfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Heat v1: stacks. Templates are read (see yaml.go) for their version,
// description, parameters and outputs; resources are accepted but not
// created. Outputs are computed from parameters with get_param,
// list_join and str_replace; any other function gives a null output.

type stack struct {
	seq               int
	id, name, project string
	status, reason    string
	template          *heatTemplate
	params            map[string]any // as the user gave them
	tags              []string
	timeout           int
	disableRollback   bool
	created           time.Time
	updated, deleted  *time.Time
	owner             string
}

type heatParam struct {
	typ        string
	def        any
	hasDefault bool
}

type heatTemplate struct {
	description string
	params      map[string]heatParam
	outputs     map[string]map[string]any
}

var (
	hotVersions = []string{"2013-05-23", "2014-10-16", "2015-04-30", "2015-10-15", "2016-04-08", "2016-10-14", "newton",
		"2017-02-24", "ocata", "2017-09-01", "pike", "2018-03-02", "queens", "2018-08-31", "rocky", "2021-04-16", "wallaby"}
	hotSections = []string{"heat_template_version", "description", "parameter_groups", "parameters", "resources", "outputs", "conditions"}
	paramTypes  = []string{"string", "number", "json", "comma_delimited_list", "boolean"}
	// stackSubresources follow a stack's name in URLs Heat redirects
	// to the stack's canonical one.
	stackSubresources = []string{"resources", "events", "template", "environment", "files", "outputs", "snapshots", "actions"}
	stackNameRe       = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$`)
)

func heatErr(status int, typ, format string, args ...any) *reply {
	return errorReply(svcOrchestration, status, fmt.Sprintf(format, args...), typ)
}

func stackNotFound(name string) *reply {
	return heatErr(http.StatusNotFound, "EntityNotFound", "The Stack (%s) could not be found.", name)
}

// parseTemplate reads a template given as text (YAML or JSON) or as an
// object.
func parseTemplate(raw any) (*heatTemplate, *reply) {
	var doc any
	switch t := raw.(type) {
	case nil:
		return nil, heatErr(http.StatusBadRequest, "HTTPBadRequest", "No template specified")
	case string:
		v, err := parseYAML(t)
		if err != nil {
			return nil, heatErr(http.StatusBadRequest, "HTTPBadRequest", "Template not in valid format: Error parsing template [root stack] %v", err)
		}
		doc = v
	default:
		doc = t
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, heatErr(http.StatusBadRequest, "HTTPBadRequest", "Template not in valid format: The template is not a JSON object or YAML mapping.")
	}
	version, ok := m["heat_template_version"]
	if !ok {
		return nil, heatErr(http.StatusBadRequest, "InvalidTemplateVersion", "Template format version not found.")
	}
	if v := fmt.Sprint(version); !slices.Contains(hotVersions, v) {
		return nil, heatErr(http.StatusBadRequest, "InvalidTemplateVersion", "The template version is invalid: "+
			`"heat_template_version: %s". "heat_template_version" should be one of: %s`, v, strings.Join(hotVersions, ", "))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(hotSections, k) {
			return nil, heatErr(http.StatusBadRequest, "InvalidTemplateSection", "The template section is invalid: %s", k)
		}
	}
	t := &heatTemplate{description: "No description", params: map[string]heatParam{}, outputs: map[string]map[string]any{}}
	if d, ok := m["description"].(string); ok {
		t.description = strings.TrimRight(d, "\n")
	}
	if ps, ok := m["parameters"].(map[string]any); ok {
		for name, raw := range ps {
			def, ok := raw.(map[string]any)
			if !ok {
				return nil, heatErr(http.StatusBadRequest, "StackValidationFailed", "Invalid parameter schema for %s", name)
			}
			typ, _ := def["type"].(string)
			if typ == "" {
				return nil, heatErr(http.StatusBadRequest, "InvalidSchemaError", "Missing parameter type for parameter: %s", name)
			}
			if !slices.Contains(paramTypes, typ) {
				return nil, heatErr(http.StatusBadRequest, "InvalidSchemaError", "Invalid type (%s)", typ)
			}
			p := heatParam{typ: typ}
			p.def, p.hasDefault = def["default"]
			t.params[name] = p
		}
	} else if m["parameters"] != nil {
		return nil, heatErr(http.StatusBadRequest, "StackValidationFailed", "The template section \"parameters\" must be a map")
	}
	if rs, ok := m["resources"]; ok && rs != nil {
		if _, isMap := rs.(map[string]any); !isMap {
			return nil, heatErr(http.StatusBadRequest, "StackValidationFailed", "\"resources\" must be a map")
		}
	}
	if os, ok := m["outputs"].(map[string]any); ok {
		for name, raw := range os {
			o, ok := raw.(map[string]any)
			if !ok {
				return nil, heatErr(http.StatusBadRequest, "StackValidationFailed", "Outputs must contain Output. Found a [%T] instead", raw)
			}
			t.outputs[name] = o
		}
	}
	return t, nil
}

// effectiveParams checks the user's parameters against the template and
// returns every parameter's typed value.
func (t *heatTemplate) effectiveParams(given map[string]any) (map[string]any, *reply) {
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if _, ok := t.params[k]; !ok {
			return nil, heatErr(http.StatusBadRequest, "UnknownUserParameter", "The Parameter (%s) was not defined in template.", k)
		}
	}
	out := map[string]any{}
	declared := make([]string, 0, len(t.params))
	for k := range t.params {
		declared = append(declared, k)
	}
	sort.Strings(declared)
	for _, k := range declared {
		p := t.params[k]
		v, ok := given[k]
		if !ok {
			if !p.hasDefault {
				return nil, heatErr(http.StatusBadRequest, "UserParameterMissing", "The Parameter (%s) was not provided.", k)
			}
			v = p.def
		}
		typed, err := convertParam(p.typ, v)
		if err != nil {
			return nil, heatErr(http.StatusBadRequest, "StackValidationFailed", "Parameter '%s' is invalid: %v", k, err)
		}
		out[k] = typed
	}
	return out, nil
}

// convertParam gives a parameter value its type, as Heat does.
func convertParam(typ string, v any) (any, error) {
	switch typ {
	case "string":
		switch x := v.(type) {
		case string:
			return x, nil
		case nil:
			return "", nil
		case map[string]any, []any:
			return nil, fmt.Errorf("Value must be a string; got %s", jsonText(x))
		}
		return fmt.Sprint(v), nil
	case "number":
		switch x := v.(type) {
		case float64, int64:
			return x, nil
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("Value '%v' is not an integer", v)
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(x) {
			case "t", "true", "on", "y", "yes", "1":
				return true, nil
			case "f", "false", "off", "n", "no", "0":
				return false, nil
			}
		}
		return nil, fmt.Errorf("Unrecognized value '%v', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'", v)
	case "comma_delimited_list":
		switch x := v.(type) {
		case []any:
			return x, nil
		case string:
			out := []any{}
			if x != "" {
				for _, p := range strings.Split(x, ",") {
					out = append(out, strings.TrimSpace(p))
				}
			}
			return out, nil
		}
		return nil, fmt.Errorf("Value must be a comma-delimited list string: %v", v)
	case "json":
		switch x := v.(type) {
		case map[string]any, []any:
			return x, nil
		case string:
			var out any
			if err := json.Unmarshal([]byte(x), &out); err != nil {
				return nil, fmt.Errorf("Value must be valid JSON: %v", err)
			}
			return out, nil
		}
		return nil, fmt.Errorf("Value must be valid JSON")
	}
	return v, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// shown renders a parameter as the stack view shows it: a string.
func shown(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		return jsonText(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// resolve evaluates the intrinsic functions osfake knows in an output's
// value; ok is false when it meets another one.
func resolve(v any, params map[string]any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				switch fn {
				case "get_param":
					return getParam(arg, params)
				case "list_join":
					a, ok := resolve(arg, params)
					list, isList := a.([]any)
					if !ok || !isList || len(list) < 2 {
						return nil, false
					}
					delim := fmt.Sprint(list[0])
					var parts []string
					for _, l := range list[1:] {
						items, _ := l.([]any)
						for _, it := range items {
							parts = append(parts, shown(it))
						}
					}
					return strings.Join(parts, delim), true
				case "str_replace":
					a, ok := resolve(arg, params)
					m, isMap := a.(map[string]any)
					if !ok || !isMap {
						return nil, false
					}
					tmpl, _ := m["template"].(string)
					reps, _ := m["params"].(map[string]any)
					keys := make([]string, 0, len(reps))
					for k := range reps {
						keys = append(keys, k)
					}
					sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
					for _, k := range keys {
						tmpl = strings.ReplaceAll(tmpl, k, shown(reps[k]))
					}
					return tmpl, true
				case "get_attr", "get_resource", "get_file", "digest", "repeat", "map_merge", "map_replace", "yaql",
					"equals", "if", "not", "and", "or", "filter", "make_url", "list_concat", "list_concat_unique", "contains", "str_split":
					return nil, false
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			r, ok := resolve(e, params)
			if !ok {
				return nil, false
			}
			out[k] = r
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, ok := resolve(e, params)
			if !ok {
				return nil, false
			}
			out[i] = r
		}
		return out, true
	}
	return v, true
}

func getParam(arg any, params map[string]any) (any, bool) {
	path, isList := arg.([]any)
	if !isList {
		path = []any{arg}
	}
	if len(path) == 0 {
		return nil, false
	}
	name, _ := path[0].(string)
	switch name {
	case "OS::stack_name", "OS::stack_id", "OS::project_id":
		v, ok := params[name]
		return v, ok
	}
	v, ok := params[name]
	if !ok {
		return nil, false
	}
	for _, key := range path[1:] {
		switch c := v.(type) {
		case map[string]any:
			v = c[fmt.Sprint(key)]
		case []any:
			i, ok := key.(int64)
			if !ok || i < 0 || int(i) >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// orchestration serves Heat. Callers hold s.mu.
func (s *Server) orchestration(r *req) *reply {
	p := r.path
	if len(p) < 2 || p[1] != "stacks" {
		return heatErr(http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
	}
	if p[0] != projectOf(r) {
		return heatErr(http.StatusForbidden, "HTTPForbidden", "Access was denied to this resource.")
	}
	base := s.url + prefixOrchestration + "/v1/" + p[0] + "/stacks/"
	switch {
	case len(p) == 2 && r.Method == http.MethodGet:
		return s.listStacks(r)
	case len(p) == 2 && r.Method == http.MethodPost:
		return s.createStack(r, base)
	case len(p) == 3 && r.Method == http.MethodGet || len(p) >= 4 && r.Method == http.MethodGet && slices.Contains(stackSubresources, p[3]):
		// Find: a name or ID, and maybe a subresource, redirects to
		// the stack's canonical URL.
		st := s.findStack(p[2])
		if st == nil {
			return stackNotFound(p[2])
		}
		loc := base + st.name + "/" + st.id
		if len(p) > 3 {
			loc += "/" + strings.Join(p[3:], "/")
		}
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		return htmlReply(http.StatusFound, "The resource was found at <a href=\""+loc+"\">"+loc+"</a>;\nyou should be redirected automatically.").
			set("Location", loc)
	case len(p) == 4:
		st := s.stackNamed(p[2], p[3])
		if st == nil {
			return stackNotFound(p[2])
		}
		switch r.Method {
		case http.MethodGet:
			return jsonReply(http.StatusOK, map[string]any{"stack": s.stackView(st, base)})
		case http.MethodPut, http.MethodPatch:
			return s.updateStack(r, st)
		case http.MethodDelete:
			if st.status == "DELETE_COMPLETE" {
				return stackNotFound(st.name)
			}
			st.status, st.reason = "DELETE_IN_PROGRESS", "Stack DELETE started"
			return emptyReply(http.StatusNoContent)
		}
	}
	return heatErr(http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
}

// findStack finds a live stack by name, or any stack by ID.
func (s *Server) findStack(nameOrID string) *stack {
	if st := s.stacks[nameOrID]; st != nil {
		return st
	}
	for _, st := range s.stacks {
		if st.name == nameOrID && st.status != "DELETE_COMPLETE" {
			return st
		}
	}
	return nil
}

func (s *Server) stackNamed(name, id string) *stack {
	if st := s.stacks[id]; st != nil && st.name == name {
		return st
	}
	return nil
}

func (s *Server) stackParams(st *stack) map[string]any {
	params, _ := st.template.effectiveParams(st.params)
	if params == nil {
		params = map[string]any{}
	}
	params["OS::stack_id"], params["OS::project_id"], params["OS::stack_name"] = st.id, st.project, st.name
	return params
}

func (s *Server) stackView(st *stack, base string) map[string]any {
	params := s.stackParams(st)
	shownParams := map[string]string{}
	for k, v := range params {
		shownParams[k] = shown(v)
	}
	keys := make([]string, 0, len(st.template.outputs))
	for k := range st.template.outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	outputs := []any{}
	for _, k := range keys {
		o := st.template.outputs[k]
		desc, ok := o["description"].(string)
		if !ok {
			desc = "No description given"
		}
		val, _ := resolve(o["value"], params)
		outputs = append(outputs, map[string]any{"output_key": k, "description": desc, "output_value": val})
	}
	v := s.stackListView(st, base)
	delete(v, "project")
	v["parameters"] = shownParams
	v["description"] = st.template.description
	v["template_description"] = st.template.description
	v["capabilities"] = []any{}
	v["notification_topics"] = []any{}
	v["disable_rollback"] = st.disableRollback
	v["timeout_mins"] = st.timeout
	v["outputs"] = outputs
	return v
}

func (s *Server) stackListView(st *stack, base string) map[string]any {
	var updated, deleted any
	if st.updated != nil {
		updated = stamp(*st.updated)
	}
	if st.deleted != nil {
		deleted = stamp(*st.deleted)
	}
	var tags any
	if len(st.tags) > 0 {
		tags = st.tags
	}
	return map[string]any{
		"id": st.id, "links": []any{map[string]any{"href": base + st.name + "/" + st.id, "rel": "self"}},
		"project": st.project, "stack_name": st.name, "description": st.template.description, "stack_status": st.status,
		"stack_status_reason": st.reason, "creation_time": stamp(st.created), "updated_time": updated, "deletion_time": deleted,
		"stack_owner": st.owner, "parent": nil, "stack_user_project_id": st.project, "tags": tags,
	}
}

func (s *Server) listStacks(r *req) *reply {
	base := s.url + prefixOrchestration + "/v1/" + projectOf(r) + "/stacks/"
	out := []any{}
	all := sortedBySeq(s.stacks)
	slices.Reverse(all)
	for _, st := range all {
		if st.project != projectOf(r) || st.status == "DELETE_COMPLETE" && r.q("show_deleted") != "True" {
			continue
		}
		if n := r.query["name"]; len(n) > 0 && !slices.Contains(n, st.name) {
			continue
		}
		if n := r.query["status"]; len(n) > 0 && !slices.ContainsFunc(n, func(x string) bool { return strings.HasSuffix(st.status, "_"+strings.ToUpper(x)) }) {
			continue
		}
		if t := r.q("tags"); t != "" && !containsAll(st.tags, strings.Split(t, ",")) {
			continue
		}
		out = append(out, s.stackListView(st, base))
	}
	return jsonReply(http.StatusOK, map[string]any{"stacks": out})
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// stackBody is a create or update request.
type stackBody struct {
	Name            *string        `json:"stack_name"`
	Template        any            `json:"template"`
	TemplateURL     *string        `json:"template_url"`
	Params          map[string]any `json:"parameters"`
	Tags            any            `json:"tags"`
	Timeout         *int           `json:"timeout_mins"`
	DisableRollback *bool          `json:"disable_rollback"`
}

func tagsOf(v any) ([]string, *reply) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, x := range strings.Split(t, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out, nil
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out, nil
	}
	return nil, heatErr(http.StatusBadRequest, "HTTPBadRequest", "Invalid tags: %v", v)
}

func (s *Server) createStack(r *req, base string) *reply {
	var b stackBody
	if err := r.decode(&b); err != nil {
		return heatErr(http.StatusBadRequest, "HTTPBadRequest", "The server could not comply with the request since it is either malformed or otherwise incorrect.")
	}
	if b.Name == nil {
		return heatErr(http.StatusBadRequest, "HTTPBadRequest", "No stack name specified")
	}
	if !stackNameRe.MatchString(*b.Name) {
		return heatErr(http.StatusBadRequest, "StackValidationFailed", "Invalid stack name %s must contain only alphanumeric or \"_-.\" "+
			"characters, must start with alpha and must be 255 characters or less.", *b.Name)
	}
	if b.Template == nil && b.TemplateURL != nil {
		return heatErr(http.StatusBadRequest, "HTTPBadRequest", "Could not retrieve template: osfake does not fetch template_url")
	}
	t, bad := parseTemplate(b.Template)
	if bad != nil {
		return bad
	}
	if _, bad := t.effectiveParams(b.Params); bad != nil {
		return bad
	}
	tags, bad := tagsOf(b.Tags)
	if bad != nil {
		return bad
	}
	if s.findStack(*b.Name) != nil {
		return heatErr(http.StatusConflict, "StackExists", "The Stack (%s) already exists.", *b.Name)
	}
	st := &stack{seq: s.nextSeq(), id: newUUID(), name: *b.Name, project: projectOf(r), status: "CREATE_IN_PROGRESS",
		reason: "Stack CREATE started", template: t, params: b.Params, tags: tags, timeout: 60, disableRollback: true,
		created: s.now(), owner: r.tok.user.Name}
	if b.Timeout != nil {
		st.timeout = *b.Timeout
	}
	if b.DisableRollback != nil {
		st.disableRollback = *b.DisableRollback
	}
	s.stacks[st.id] = st
	loc := base + st.name + "/" + st.id
	return jsonReply(http.StatusCreated, map[string]any{"stack": map[string]any{"id": st.id,
		"links": []any{map[string]any{"href": loc, "rel": "self"}}}}).set("Location", loc)
}

// updateStack is PUT (everything given anew) or PATCH (what is given
// changes, the rest is kept).
func (s *Server) updateStack(r *req, st *stack) *reply {
	if st.status == "DELETE_COMPLETE" {
		return stackNotFound(st.name)
	}
	if st.status == "DELETE_IN_PROGRESS" {
		// chosen: convergence Heat accepts updates in progress (checked),
		// but not, here, of a stack being deleted.
		return heatErr(http.StatusConflict, "ActionInProgress", "Stack %s already has an action (DELETE) in progress.", st.name)
	}
	var b stackBody
	if err := r.decode(&b); err != nil {
		return heatErr(http.StatusBadRequest, "HTTPBadRequest", "The server could not comply with the request since it is either malformed or otherwise incorrect.")
	}
	patch := r.Method == http.MethodPatch
	t := st.template
	if b.Template != nil || !patch {
		var bad *reply
		if t, bad = parseTemplate(b.Template); bad != nil {
			return bad
		}
	}
	params := b.Params
	if patch {
		params = map[string]any{}
		for k, v := range st.params {
			params[k] = v
		}
		for k, v := range b.Params {
			params[k] = v
		}
	}
	if _, bad := t.effectiveParams(params); bad != nil {
		return bad
	}
	tags := st.tags
	if b.Tags != nil || !patch {
		var bad *reply
		if tags, bad = tagsOf(b.Tags); bad != nil {
			return bad
		}
	}
	now := s.now()
	st.template, st.params, st.tags, st.updated = t, params, tags, &now
	if b.Timeout != nil {
		st.timeout = *b.Timeout
	}
	st.status, st.reason = "UPDATE_IN_PROGRESS", "Stack UPDATE started"
	return htmlReply(http.StatusAccepted, "The request is accepted for processing.")
}

// stepStacks completes stacks in progress. Callers hold s.mu.
func (s *Server) stepStacks() {
	for _, st := range s.stacks {
		action, ok := strings.CutSuffix(st.status, "_IN_PROGRESS")
		if !ok {
			continue
		}
		st.status, st.reason = action+"_COMPLETE", "Stack "+action+" completed successfully"
		if action == "DELETE" {
			now := s.now()
			st.deleted = &now
		}
	}
}

// BreakStack fails the stack's current action with reason, as Heat does
// when a resource cannot be made or removed: CREATE_IN_PROGRESS becomes
// CREATE_FAILED, DELETE_IN_PROGRESS DELETE_FAILED, and so on.
func (s *Server) BreakStack(id, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stacks[id]
	if st == nil {
		return fmt.Errorf("osfake: no stack %s", id)
	}
	action, _, _ := strings.Cut(st.status, "_")
	st.status, st.reason = action+"_FAILED", reason
	return nil
}
