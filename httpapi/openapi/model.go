package openapi

// The OpenAPI 3.1 objects this package writes, only the parts it uses.
// Fields are omitted when empty, so the JSON holds what is said and no
// more; maps marshal with sorted keys, so the document is deterministic.

type document struct {
	OpenAPI    string                `json:"openapi"`
	Info       info                  `json:"info"`
	Servers    []server              `json:"servers,omitempty"`
	Security   []securityRequirement `json:"security"`
	Tags       []tag                 `json:"tags,omitempty"`
	Paths      map[string]*pathItem  `json:"paths"`
	Components components            `json:"components"`
}

type info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type server struct {
	URL string `json:"url"`
}

type tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// securityRequirement names the schemes an operation accepts; an empty
// list of them (security: []) makes an operation anonymous.
type securityRequirement map[string][]string

type components struct {
	Schemas         map[string]*schema         `json:"schemas"`
	Parameters      map[string]*parameter      `json:"parameters"`
	Responses       map[string]*response       `json:"responses"`
	Headers         map[string]*header         `json:"headers"`
	SecuritySchemes map[string]*securityScheme `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	In          string `json:"in"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type pathItem struct {
	Parameters []*parameter `json:"parameters,omitempty"`
	Get        *operation   `json:"get,omitempty"`
	Put        *operation   `json:"put,omitempty"`
	Post       *operation   `json:"post,omitempty"`
	Delete     *operation   `json:"delete,omitempty"`
}

type operation struct {
	OperationID string       `json:"operationId"`
	Summary     string       `json:"summary,omitempty"`
	Description string       `json:"description,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
	Parameters  []*parameter `json:"parameters,omitempty"`
	RequestBody *requestBody `json:"requestBody,omitempty"`
	// Responses by status code; values are usually references to the
	// shared error responses.
	Responses map[string]*response `json:"responses"`
	// Security is nil for the document's default (a token); a pointer to
	// an empty list for anonymous operations.
	Security *[]securityRequirement `json:"security,omitempty"`
}

type parameter struct {
	Ref         string  `json:"$ref,omitempty"`
	Name        string  `json:"name,omitempty"`
	In          string  `json:"in,omitempty"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *schema `json:"schema,omitempty"`
}

type requestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required,omitempty"`
	Content     map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema *schema `json:"schema"`
}

type response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Headers     map[string]*header   `json:"headers,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type header struct {
	Ref         string  `json:"$ref,omitempty"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *schema `json:"schema,omitempty"`
}

// schema is the JSON Schema 2020-12 subset the document uses. Type is a
// string, or a list of them for values that may be null.
type schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 any                `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties any                `json:"additionalProperties,omitempty"`
	MinProperties        *int               `json:"minProperties,omitempty"`
	MaxProperties        *int               `json:"maxProperties,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	AllOf                []*schema          `json:"allOf,omitempty"`
	AnyOf                []*schema          `json:"anyOf,omitempty"`
	Minimum              *int64             `json:"minimum,omitempty"`
	Maximum              *int64             `json:"maximum,omitempty"`
	ReadOnly             bool               `json:"readOnly,omitempty"`
	WriteOnly            bool               `json:"writeOnly,omitempty"`
	// Orca's extensions: the kind whose ID a field holds, and what may
	// happen to a field after creation (immutable, mutable, replace).
	XRef        string `json:"x-orca-ref,omitempty"`
	XMutability string `json:"x-orca-mutability,omitempty"`
}

func ref(section, name string) string { return "#/components/" + section + "/" + name }

func schemaRef(name string) *schema { return &schema{Ref: ref("schemas", name)} }

func ptr[T any](v T) *T { return &v }

// nullable widens a schema's type to admit null (Go's nil slices, maps
// and pointers).
func nullable(s *schema) *schema {
	if t, ok := s.Type.(string); ok {
		s.Type = []string{t, "null"}
	}
	return s
}

const jsonType = "application/json"

func jsonContent(s *schema) map[string]mediaType {
	return map[string]mediaType{jsonType: {Schema: s}}
}
