package esc

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// ESC speaks XML by default and JSON when asked (Content-Type for what a
// client sends, Accept for what it wants back). XML bodies are read
// defensively: no DTDs (so no entities of any kind), a bounded depth, and
// no element the data model does not have.

// format is a wire format.
type format int

const (
	formatXML format = iota
	formatJSON
)

func (f format) contentType() string {
	if f == formatJSON {
		return "application/json"
	}
	return "application/xml; charset=UTF-8"
}

// netconfNS is the namespace of ESC's resource bodies.
const netconfNS = "urn:ietf:params:xml:ns:netconf:base:1.0"

// requestFormat is the format of the request's body.
func requestFormat(r *http.Request) (format, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return formatXML, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return formatJSON, nil
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return formatXML, nil
	}
	return formatXML, dialect.Status(http.StatusUnsupportedMediaType, "Content-Type must be application/xml or application/json, not %q", ct)
}

// responseFormat is the format the client wants answers in: JSON when its
// Accept names JSON before any XML, else XML (ESC's default). A client
// that accepts neither gets 406.
func responseFormat(r *http.Request) (format, error) {
	accept := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	if accept == "" {
		return formatXML, nil
	}
	jsonAt, xmlAt := strings.Index(accept, "json"), strings.Index(accept, "xml")
	switch {
	case jsonAt >= 0 && (xmlAt < 0 || jsonAt < xmlAt):
		return formatJSON, nil
	case xmlAt >= 0, strings.Contains(accept, "*/*"), strings.Contains(accept, "application/*"):
		return formatXML, nil
	}
	return formatXML, dialect.Status(http.StatusNotAcceptable, "this API answers application/xml or application/json, not %q", accept)
}

// Bounds on XML bodies.
const (
	maxXMLDepth    = 32
	maxXMLElements = 10000
)

// decode reads a request body into v in the request's format, strictly:
// unknown fields or elements are Invalid, naming them.
func decode(data []byte, f format, v any, what string) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return resource.Errorf(resource.Invalid, "the %s is empty", what)
	}
	if f == formatJSON {
		return dialect.Strict(data, v, what)
	}
	if err := checkXML(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return resource.Errorf(resource.Invalid, "the %s is not valid for this request: %v", what, err)
	}
	return nil
}

// checkXML walks the document: one root element, no directives (DTDs,
// entities), bounded depth and size, and only elements that t (the
// decoding target) has.
func checkXML(data []byte, t reflect.Type) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	type frame struct {
		name string
		typ  reflect.Type // nil: free content (any element allowed)
	}
	var stack []frame
	elements, roots := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return resource.Errorf(resource.Invalid, "the body is not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.Directive:
			return resource.Errorf(resource.Invalid, "XML directives (<!DOCTYPE>, entities) are not accepted")
		case xml.ProcInst:
			if tk.Target != "xml" || len(stack) > 0 {
				return resource.Errorf(resource.Invalid, "XML processing instructions are not accepted")
			}
		case xml.StartElement:
			elements++
			if elements > maxXMLElements || len(stack) >= maxXMLDepth {
				return resource.Errorf(resource.Invalid, "the XML body is larger or deeper than this API reads")
			}
			var child reflect.Type
			if len(stack) == 0 {
				roots++
				if roots > 1 {
					return resource.Errorf(resource.Invalid, "the XML body has more than one root element")
				}
				child = structOf(t)
			} else if parent := stack[len(stack)-1]; parent.typ != nil {
				ft, ok := fieldFor(parent.typ, tk.Name.Local)
				if !ok {
					return resource.InvalidField(tk.Name.Local, "unknown element <%s> in <%s>", tk.Name.Local, parent.name)
				}
				child = structOf(ft)
			}
			stack = append(stack, frame{tk.Name.Local, child})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 && len(bytes.TrimSpace(tk)) > 0 {
				return resource.Errorf(resource.Invalid, "text outside the XML body's root element")
			}
		}
	}
	if roots == 0 {
		return resource.Errorf(resource.Invalid, "the XML body has no root element")
	}
	return nil
}

// structOf is the struct type t holds (through pointers and slices), nil
// when t is not a struct (its content is text, or free).
func structOf(t reflect.Type) reflect.Type {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if t == reflect.TypeOf(freeXML{}) {
		return nil
	}
	return t
}

// freeXML holds content the API keeps without reading (extensions).
type freeXML struct {
	Inner []byte `xml:",innerxml" json:"-"`
}

// fieldFor is the type of t's field that element name decodes into,
// following nested "a>b" tags by their first step.
func fieldFor(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("xml")
		if tag == "-" || strings.HasPrefix(tag, ",") && !strings.Contains(tag, ",any") {
			continue
		}
		tagName, _, _ := strings.Cut(tag, ",")
		if first, rest, nested := strings.Cut(tagName, ">"); nested {
			if first == name {
				return nestedType{rest: rest, leaf: f.Type}.typ(), true
			}
			continue
		}
		if tagName == "" {
			tagName = f.Name
		}
		if i := strings.LastIndexByte(tagName, ' '); i >= 0 {
			tagName = tagName[i+1:] // "namespace local"
		}
		if tagName == name {
			return f.Type, true
		}
	}
	return nil, false
}

// nestedType stands for the path left of an "a>b>c" tag: a synthetic
// struct type with one field per step, so the walker can follow it.
type nestedType struct {
	rest string
	leaf reflect.Type
}

func (n nestedType) typ() reflect.Type {
	steps := strings.Split(n.rest, ">")
	t := n.leaf
	for i := len(steps) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{Name: "F", Type: t, Tag: reflect.StructTag(`xml:"` + steps[i] + `"`)}})
	}
	return t
}

// encode renders v in the format.
func encode(f format, v any) ([]byte, error) {
	if f == formatJSON {
		return json.Marshal(v)
	}
	out, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header[:len(xml.Header)-1]), out...), nil
}

// write answers status with v in the format.
func write(w http.ResponseWriter, status int, f format, v any) error {
	body, err := encode(f, v)
	if err != nil {
		return resource.Wrap(resource.Unknown, err)
	}
	w.Header().Set("Content-Type", f.contentType())
	w.WriteHeader(status)
	w.Write(body)
	return nil
}
