// Package jsonpatch decodes and applies JSON Patch documents (RFC 6902)
// with JSON Pointers (RFC 6901). The HTTP dialects that take PATCH bodies
// (Mogan's instances) import it; they decide which operations and paths
// they allow, and it applies them exactly as the RFCs say.
//
// What it promises: Decode accepts only a well-formed patch (an array of
// operation objects with a known op, the members that op needs and no
// others, pointers that parse) and says what is wrong otherwise; Apply
// works on a copy, so a patch that fails at any operation changes nothing.
// Errors are resource.Invalid, naming the operation by index.
package jsonpatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// The operations of RFC 6902.
const (
	Add     = "add"
	Remove  = "remove"
	Replace = "replace"
	Move    = "move"
	Copy    = "copy"
	Test    = "test"
)

// Operation is one step of a patch.
type Operation struct {
	Op   string
	Path string
	// From is the source of move and copy.
	From string
	// Value is the value of add, replace and test (decoded JSON: nil,
	// bool, float64, string, []any or map[string]any).
	Value any
}

// MaxOperations bounds a patch.
const MaxOperations = 1000

// Decode parses a patch document.
func Decode(data []byte) ([]Operation, error) {
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, resource.Errorf(resource.Invalid, "a JSON Patch must be an array of operation objects (RFC 6902)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, resource.Errorf(resource.Invalid, "unexpected data after the JSON Patch")
	}
	if len(raw) > MaxOperations {
		return nil, resource.Errorf(resource.Invalid, "a JSON Patch of %d operations is longer than the limit of %d", len(raw), MaxOperations)
	}
	ops := make([]Operation, 0, len(raw))
	for i, m := range raw {
		op, err := decodeOp(m)
		if err != nil {
			return nil, resource.Errorf(resource.Invalid, "operation %d: %v", i, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func decodeOp(m map[string]json.RawMessage) (Operation, error) {
	var op Operation
	str := func(name string) (string, error) {
		raw, ok := m[name]
		if !ok {
			return "", fmt.Errorf("%q is required", name)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%q must be a string", name)
		}
		return s, nil
	}
	var err error
	if op.Op, err = str("op"); err != nil {
		return op, err
	}
	if op.Path, err = str("path"); err != nil {
		return op, err
	}
	if _, err := Parse(op.Path); err != nil {
		return op, fmt.Errorf("path: %v", err)
	}
	allowed := map[string]bool{"op": true, "path": true}
	switch op.Op {
	case Add, Replace, Test:
		raw, ok := m["value"]
		if !ok {
			return op, fmt.Errorf("%q needs a \"value\"", op.Op)
		}
		if err := json.Unmarshal(raw, &op.Value); err != nil {
			return op, fmt.Errorf("value: %v", err)
		}
		allowed["value"] = true
	case Move, Copy:
		if op.From, err = str("from"); err != nil {
			return op, err
		}
		if _, err := Parse(op.From); err != nil {
			return op, fmt.Errorf("from: %v", err)
		}
		allowed["from"] = true
	case Remove:
	default:
		return op, fmt.Errorf("unknown op %q (add, remove, replace, move, copy or test)", op.Op)
	}
	for k := range m {
		if !allowed[k] {
			return op, fmt.Errorf("member %q does not belong in a %q operation", k, op.Op)
		}
	}
	return op, nil
}

// Parse splits a JSON Pointer into its unescaped reference tokens; "" is
// the whole document.
func Parse(pointer string) ([]string, error) {
	if pointer == "" {
		return nil, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("%q is not a JSON Pointer: it must be empty or start with /", pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	for i, t := range tokens {
		for j := 0; j < len(t); j++ {
			if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
				return nil, fmt.Errorf("%q has a ~ not followed by 0 or 1", pointer)
			}
		}
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// Apply applies ops to doc and returns the result; doc itself is not
// changed. doc is decoded JSON, as encoding/json decodes into an any:
// numbers are float64, so that test compares them as the patch's.
func Apply(doc any, ops []Operation) (any, error) {
	out := clone(doc)
	for i, op := range ops {
		var err error
		if out, err = apply(out, op); err != nil {
			return nil, resource.Errorf(resource.Invalid, "operation %d (%s %s): %v", i, op.Op, op.Path, err)
		}
	}
	return out, nil
}

func apply(doc any, op Operation) (any, error) {
	path, _ := Parse(op.Path) // checked by Decode
	switch op.Op {
	case Add:
		return add(doc, path, clone(op.Value))
	case Remove:
		out, _, err := remove(doc, path)
		return out, err
	case Replace:
		if _, err := get(doc, path); err != nil {
			return nil, err
		}
		if len(path) == 0 {
			return clone(op.Value), nil
		}
		out, _, err := remove(doc, path)
		if err != nil {
			return nil, err
		}
		return add(out, path, clone(op.Value))
	case Move:
		from, _ := Parse(op.From)
		if len(from) < len(path) && reflect.DeepEqual(from, path[:len(from)]) {
			return nil, fmt.Errorf("cannot move %s into itself", op.From)
		}
		out, v, err := remove(doc, from)
		if err != nil {
			return nil, err
		}
		return add(out, path, v)
	case Copy:
		from, _ := Parse(op.From)
		v, err := get(doc, from)
		if err != nil {
			return nil, err
		}
		return add(doc, path, clone(v))
	case Test:
		v, err := get(doc, path)
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual(v, op.Value) {
			return nil, fmt.Errorf("test failed: the value differs")
		}
		return doc, nil
	}
	return nil, fmt.Errorf("unknown op %q", op.Op)
}

// get returns the value at path.
func get(doc any, path []string) (any, error) {
	cur := doc
	for i, tok := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("%s does not exist", pointer(path[:i+1]))
			}
			cur = v
		case []any:
			n, err := index(tok, len(c), false)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", pointer(path[:i+1]), err)
			}
			cur = c[n]
		default:
			return nil, fmt.Errorf("%s does not exist: %s is not an object or array", pointer(path[:i+1]), pointer(path[:i]))
		}
	}
	return cur, nil
}

// add puts v at path: into an object member (replacing it), or into an
// array before the index ("-": at the end). The parent must exist.
func add(doc any, path []string, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	parent, err := get(doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
		return doc, nil
	case []any:
		n, err := index(last, len(c), true)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", pointer(path), err)
		}
		grown := append(c[:n:n], append([]any{v}, c[n:]...)...)
		return set(doc, path[:len(path)-1], grown)
	}
	return nil, fmt.Errorf("%s is not an object or array", pointer(path[:len(path)-1]))
}

// remove takes the value at path out and returns it.
func remove(doc any, path []string) (any, any, error) {
	if len(path) == 0 {
		return nil, nil, fmt.Errorf("the whole document cannot be removed")
	}
	v, err := get(doc, path)
	if err != nil {
		return nil, nil, err
	}
	parent, _ := get(doc, path[:len(path)-1])
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		delete(c, last)
		return doc, v, nil
	case []any:
		n, _ := index(last, len(c), false)
		shrunk := append(append([]any{}, c[:n]...), c[n+1:]...)
		out, err := set(doc, path[:len(path)-1], shrunk)
		return out, v, err
	}
	return nil, nil, fmt.Errorf("%s is not an object or array", pointer(path[:len(path)-1]))
}

// set replaces the value at path (which exists) with v.
func set(doc any, path []string, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	parent, err := get(doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
	case []any:
		n, _ := index(last, len(c), false)
		c[n] = v
	}
	return doc, nil
}

// index parses an array index token: digits without leading zeros, below
// n (or equal to n, and "-", when adding).
func index(tok string, n int, adding bool) (int, error) {
	if adding && tok == "-" {
		return n, nil
	}
	if tok == "" || (len(tok) > 1 && tok[0] == '0') || strings.TrimLeft(tok, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not an array index", tok)
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i > n || (i == n && !adding) {
		return 0, fmt.Errorf("index %s is out of range (the array has %d elements)", tok, n)
	}
	return i, nil
}

func pointer(path []string) string {
	var b strings.Builder
	for _, t := range path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// clone deep-copies decoded JSON.
func clone(v any) any {
	switch c := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(c))
		for k, e := range c {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = clone(e)
		}
		return out
	}
	return v
}
