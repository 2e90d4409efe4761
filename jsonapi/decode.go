package jsonapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/kessai/kessai"
)

// MaxBody is the largest request body the face reads.
const MaxBody = 64 << 10

// DecodeJSON decodes a request body into dst strictly: one JSON object,
// no unknown fields, integers where integers are declared. An empty body is
// an empty object. Errors are validation_error with the offending field.
func DecodeJSON(body []byte, dst any) error {
	const op = "jsonapi.DecodeJSON"
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
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
			return kessai.Invalidf("jsonapi.Metadata", "metadata."+k, "Input should be a string, an integer or a boolean")
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
		return nil
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
