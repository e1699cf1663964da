package openapi

import (
	"fmt"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// addKindPaths adds a kind's collection and item paths, at its seed path
// and every alias, with the verbs httpapi's routeKind gives it:
//
//	credential                         list, show; POST and PUT seal, DELETE
//	action                             list, show; POST requests one (202)
//	event, id_allocation, webhook,     list, show only
//	watch
//	per-location copies (local_*)      list, show; writes exist as seed 000
//	                                   documents them, and always answer 403
//	any other kind                     list, show, create, update, delete
func (g *gen) addKindPaths(info resource.KindInfo) {
	for i, p := range append([]string{info.Path}, info.PathAliases...) {
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprintf("_alias%d", i)
		}
		g.doc.Paths[p] = g.collection(info, suffix, p)
		g.doc.Paths[p+"/{id}"] = g.item(info, suffix, p)
	}
}

// access says who may read and write a kind (httpapi's routeKind and
// dialect's tenancy rules).
func access(info resource.KindInfo) (read, write string, adminOnly bool) {
	switch {
	case info.Scope == resource.ScopeAdmin && !dialect.SubjectTenanted(info.Kind):
		return "Administrators only.", "Administrators only.", true
	case info.Scope == resource.ScopeShared:
		return "Every authenticated user reads these.", "Administrators only.", false
	case info.Scope == resource.ScopeAdmin:
		return "Members read those of their tenant, administrators all.", "", false
	}
	return "Members see only their tenant's; administrators all.", "Members write their own tenant's; administrators any.", false
}

func (g *gen) collection(info resource.KindInfo, suffix, path string) *pathItem {
	read, write, adminOnly := access(info)
	alias := aliasNote(info, path)
	item := &pathItem{}
	item.Get = &operation{
		OperationID: "list_" + info.Plural + suffix,
		Summary:     "List " + info.Plural,
		Description: read + alias + " Filters are equalities, given once each; X-Total-Count counts every match before limit and offset.",
		Tags:        []string{string(info.Kind)},
		Parameters:  g.listParameters(info),
		Responses: responses(adminOnly, map[string]*response{
			"200": {Description: "a page of " + info.Plural,
				Headers: map[string]*header{"X-Total-Count": {Ref: ref("headers", "X-Total-Count")}},
				Content: jsonContent(schemaRef(listName(info.Kind)))},
		}, "400"),
	}
	switch {
	case info.Kind == resource.KindCredential:
		item.Post = g.sealOp("create_"+info.Singular+suffix, info, write+alias, true)
	case info.Kind == resource.KindAction:
		item.Post = &operation{
			OperationID: "create_" + info.Singular + suffix,
			Summary:     "Request an action on a resource",
			Description: "The target must be one the caller may see. The answer is the action's record; its outcome appears in its status." + alias,
			Tags:        []string{string(info.Kind)},
			RequestBody: body(info),
			Responses: responses(false, map[string]*response{
				"202": {Description: "accepted", Headers: writeHeaders(true), Content: jsonContent(schemaRef(oneName(info.Kind)))},
			}, "400", "404", "413", "415"),
		}
	case readOnlyKind(info):
	case info.Located:
		item.Post = managedOp("create_"+info.Singular+suffix, info)
	default:
		create := body(info)
		if info.ParentField != "" {
			// The parent is required when creating, optional on update.
			create.Content = jsonContent(&schema{AllOf: []*schema{schemaRef(requestName(info.Kind)), {
				Type: "object", Properties: map[string]*schema{info.Singular: {Required: []string{info.ParentField}}}}}})
		}
		item.Post = &operation{
			OperationID: "create_" + info.Singular + suffix,
			Summary:     "Create " + article(info.Singular),
			Description: write + alias + " References must exist (400 naming the field); an ID in use is 409.",
			Tags:        []string{string(info.Kind)},
			RequestBody: create,
			Responses: responses(adminOnly, map[string]*response{
				"201": {Description: "created", Headers: writeHeaders(true), Content: jsonContent(schemaRef(oneName(info.Kind)))},
			}, "400", "409", "413", "415"),
		}
		item.Post.Responses["403"] = &response{Ref: ref("responses", "403")}
	}
	return item
}

func (g *gen) item(info resource.KindInfo, suffix, path string) *pathItem {
	read, write, adminOnly := access(info)
	alias := aliasNote(info, path)
	item := &pathItem{Parameters: []*parameter{{Ref: ref("parameters", "path_id")}}}
	item.Get = &operation{
		OperationID: "show_" + info.Singular + suffix,
		Summary:     "Show " + article(info.Singular),
		Description: read + alias + " Another tenant's answers 404.",
		Tags:        []string{string(info.Kind)},
		Responses: responses(adminOnly, map[string]*response{
			"200": {Description: "the " + info.Singular, Headers: map[string]*header{"ETag": {Ref: ref("headers", "ETag")}},
				Content: jsonContent(schemaRef(oneName(info.Kind)))},
		}, "404"),
	}
	remove := &operation{
		OperationID: "delete_" + info.Singular + suffix,
		Summary:     "Delete " + article(info.Singular),
		Description: write + alias + " Deletion is asynchronous: the resource shows deleting until its copies are gone. One that others refer to is 409.",
		Tags:        []string{string(info.Kind)},
		Parameters:  []*parameter{{Ref: ref("parameters", "If-Match")}},
		Responses: responses(adminOnly, map[string]*response{
			"204": {Description: "deletion requested"},
		}, "400", "403", "404", "409", "412"),
	}
	switch {
	case info.Kind == resource.KindCredential:
		item.Put = g.sealOp("update_"+info.Singular+suffix, info, write+alias, false)
		item.Delete = remove
	case info.Kind == resource.KindAction, readOnlyKind(info):
	case info.Located:
		item.Put = managedOp("update_"+info.Singular+suffix, info)
		item.Delete = managedOp("delete_"+info.Singular+suffix, info)
	default:
		item.Put = &operation{
			OperationID: "update_" + info.Singular + suffix,
			Summary:     "Update " + article(info.Singular),
			Description: write + alias + " Partial: absent fields keep their value. Immutable fields (x-orca-mutability) cannot change (400); replace fields make orca recreate the VIM object.",
			Tags:        []string{string(info.Kind)},
			Parameters:  []*parameter{{Ref: ref("parameters", "If-Match")}},
			RequestBody: body(info),
			Responses: responses(adminOnly, map[string]*response{
				"200": {Description: "the updated " + info.Singular, Headers: writeHeaders(false), Content: jsonContent(schemaRef(oneName(info.Kind)))},
			}, "400", "403", "404", "409", "412", "413", "415"),
		}
		item.Delete = remove
	}
	return item
}

// sealOp stores credentials: POST creates (201) or replaces (200), PUT
// replaces the credentials at the path's ID.
func (g *gen) sealOp(id string, info resource.KindInfo, desc string, post bool) *operation {
	op := &operation{
		OperationID: id,
		Summary:     "Store VIM credentials, sealed",
		Description: desc + " No answer ever holds a secret.",
		Tags:        []string{string(info.Kind)},
		RequestBody: body(info),
		Responses: responses(true, map[string]*response{
			"200": {Description: "replaced", Headers: writeHeaders(false), Content: jsonContent(schemaRef(oneName(info.Kind)))},
		}, "400", "413", "415"),
	}
	if post {
		op.Responses["201"] = &response{Description: "created", Headers: writeHeaders(true), Content: jsonContent(schemaRef(oneName(info.Kind)))}
	}
	return op
}

// managedOp is a write on a per-location copy: routed, always refused.
func managedOp(id string, info resource.KindInfo) *operation {
	return &operation{
		OperationID: id,
		Summary:     "Refused: orca writes " + info.Plural,
		Description: "Seed 000 documents this write; orca alone writes per-location copies as it realizes their " + string(info.Parent) + ".",
		Tags:        []string{string(info.Kind)},
		Responses: map[string]*response{
			"401": {Ref: ref("responses", "401")},
			"403": {Ref: ref("responses", "403")},
			"429": {Ref: ref("responses", "429")},
		},
	}
}

func body(info resource.KindInfo) *requestBody {
	return &requestBody{Required: true, Content: jsonContent(schemaRef(requestName(info.Kind))),
		Description: "{\"" + info.Singular + "\": {...}}; Content-Type application/json (or absent)"}
}

// writeHeaders are a write's answer headers: the new ETag, and where a
// created resource is.
func writeHeaders(created bool) map[string]*header {
	h := map[string]*header{"ETag": {Ref: ref("headers", "ETag")}}
	if created {
		h["Location"] = &header{Ref: ref("headers", "Location")}
	}
	return h
}

// responses adds the errors every authenticated operation may answer
// (401, 429, 503; 403 for administrators' kinds), and those named.
func responses(adminOnly bool, ok map[string]*response, codes ...string) map[string]*response {
	codes = append(codes, "401", "429", "503")
	if adminOnly {
		codes = append(codes, "403")
	}
	for _, c := range codes {
		ok[c] = &response{Ref: ref("responses", c)}
	}
	return ok
}

func aliasNote(info resource.KindInfo, path string) string {
	if path == info.Path {
		return ""
	}
	return " An alias of " + info.Path + "."
}
