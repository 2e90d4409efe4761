package jsonapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kessai/kessai"
)

// MaxBody is the largest request body the face reads.
const MaxBody = 64 << 10

// MaxDepth is how deeply objects and arrays may nest in a request body.
const MaxDepth = 16

// DecodeJSON decodes a request body into dst strictly: one JSON object,
// no unknown fields, integers where integers are declared, no key twice in
// one object, valid UTF-8, nesting at most MaxDepth. An empty body is an
// empty object. Errors are validation_error with the offending field, or
// invalid_request_body (400) for a body that is not UTF-8 or nests too
// deeply.
func DecodeJSON(body []byte, dst any) error {
	const op = "jsonapi.DecodeJSON"
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !utf8.Valid(body) {
		return kessai.Errorf(kessai.Malformed, op, "The request body is not valid UTF-8.")
	}
	if err := checkStructure(op, body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeErr(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return kessai.Invalidf(op, "body", "JSON decode error: trailing data after the object")
	}
	return nil
}

// checkStructure walks the tokens of body and refuses a key that appears
// twice in one object (encoding/json keeps the last, which a proxy or a
// log reading the first would not see) and nesting deeper than MaxDepth.
// Syntax errors are left to the decoder, which words them.
func checkStructure(op string, body []byte) error {
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]bool
		path      string
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	var key string
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error the decoder reports
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		if top != nil && top.object && top.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			key, _ = tok.(string)
			if top.keys[key] {
				field := key
				if top.path != "" {
					field = top.path + "." + key
				}
				return kessai.Invalidf(op, field, "Duplicate key %q: each key may appear once", key)
			}
			top.keys[key] = true
			top.expectKey = false
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{', '[':
			if len(stack) >= MaxDepth {
				return kessai.Errorf(kessai.Malformed, op, "The request body nests deeper than %d levels.", MaxDepth)
			}
			path := ""
			if top != nil {
				path = top.path
				if top.object {
					if path != "" {
						path += "."
					}
					path += key
				}
			}
			stack = append(stack, &frame{object: d == '{', expectKey: d == '{', keys: map[string]bool{}, path: path})
		case ']':
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

func decodeErr(op string, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return kessai.Invalidf(op, "body", "Input should be a valid JSON object")
		}
		return kessai.Invalidf(op, field, "Input should be a valid %s", typeName(typeErr.Type.String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return kessai.Invalidf(op, "body", "JSON decode error")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return kessai.Invalidf(op, name, "Extra inputs are not permitted")
	}
	var ke *kessai.Error
	if errors.As(err, &ke) {
		return err
	}
	return kessai.Invalidf(op, "body", "%s", err.Error())
}

func typeName(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "integer"
	case goType == "string", goType == "*string":
		return "string"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "list"
	}
	return "object"
}

// Metadata decodes a metadata object, keeping integers as json.Number.
type Metadata struct {
	kessai.Metadata
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	m.Set = true
	if string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return kessai.Invalidf("jsonapi.Metadata", "metadata", "Input should be a valid dictionary")
	}
	for k, v := range raw {
		switch v.(type) {
		case string, bool, json.Number:
		default:
			return kessai.InvalidRule("jsonapi.Metadata", "metadata."+k, kessai.RuleScalar, 0)
		}
	}
	m.Metadata = raw
	return nil
}

// Int is an integer field that rejects fractions, strings and overflow
// with the field's name.
type Int struct {
	V   int64
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		// The official schemas declare these integers without null: null is
		// refused rather than taken as "absent" (a refund of null is not a
		// refund of everything).
		return &json.UnmarshalTypeError{Value: "null", Type: intType}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + s, Type: intType}
	}
	i.V, i.Set = n, true
	return nil
}

// Ptr returns the value as a pointer, nil when absent.
func (i Int) Ptr() *int64 {
	if !i.Set {
		return nil
	}
	v := i.V
	return &v
}

var intType = reflect.TypeOf(int64(0))
