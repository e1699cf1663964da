package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// ReadBody reads a request body that must be JSON: a Content-Type other
// than application/json (or a +json type) is 415, a body over the Kit's
// limit 413. An absent Content-Type is taken as JSON, as curl users
// expect.
func (k *Kit) ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, Status(http.StatusUnsupportedMediaType, "Content-Type must be application/json, not %q", ct)
		}
	}
	return k.ReadRaw(w, r)
}

// ReadRaw reads a request body of any type within the Kit's size limit.
func (k *Kit) ReadRaw(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, k.opts.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, Status(http.StatusRequestEntityTooLarge, "the body is larger than the limit of %d bytes", k.opts.MaxBodyBytes)
	case err != nil:
		return nil, resource.Errorf(resource.Invalid, "reading the body: %v", err)
	}
	return data, nil
}

// DecodeObject parses a JSON object, refusing anything else (and trailing
// data) with Invalid.
func DecodeObject(data []byte, what string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := decodeOne(data, &obj, false); err != nil {
		return nil, describe(err, what)
	}
	if obj == nil {
		return nil, resource.Errorf(resource.Invalid, "the %s must be a JSON object", what)
	}
	return obj, nil
}

// Strict decodes one JSON value into v, refusing unknown fields and
// trailing data. Its errors are Invalid and name the field at fault.
func Strict(data []byte, v any, what string) error {
	if err := decodeOne(data, v, true); err != nil {
		return describe(err, what)
	}
	return nil
}

// errTrailing reports data after the JSON value.
var errTrailing = errors.New("unexpected data after the JSON value")

func decodeOne(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

// describe turns a decoding error into an Invalid error a client can act
// on: the field and what it should have been.
func describe(err error, what string) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return resource.Errorf(resource.Invalid, "the %s is empty or cut short: a JSON object is required", what)
	case errors.As(err, &syntaxErr):
		return resource.Errorf(resource.Invalid, "the %s is not valid JSON (at byte %d): %v", what, syntaxErr.Offset, err)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return resource.InvalidField(typeErr.Field, "must be %s, not %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &typeErr):
		return resource.Errorf(resource.Invalid, "the %s must be %s, not %s", what, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.Is(err, errTrailing):
		return resource.Errorf(resource.Invalid, "unexpected data after the %s's JSON value", what)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return resource.InvalidField(name, "unknown field")
	}
	return resource.Errorf(resource.Invalid, "the %s cannot be decoded: %v", what, err)
}

// jsonType names a Go kind as the JSON type a client must send.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "a " + kind
}

// StringField takes an optional string field out of obj; JSON null counts
// as absent.
func StringField(obj map[string]json.RawMessage, name string) (value string, present bool, err error) {
	raw, ok := obj[name]
	delete(obj, name)
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, resource.InvalidField(name, "must be a string")
	}
	return s, true, nil
}

// AcceptsJSON reports whether the request's Accept header admits a JSON
// answer (no Accept header admits anything). A surface that answers only
// JSON refuses the others with 406.
func AcceptsJSON(r *http.Request) bool {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return true
	}
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if w, err := strconv.ParseFloat(q, 64); err != nil || w <= 0 {
					continue // refused, or unreadable
				}
			}
			if mt == "*/*" || mt == "application/*" || mt == "application/json" || strings.HasSuffix(mt, "+json") {
				return true
			}
		}
	}
	return false
}
