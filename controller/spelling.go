package controller

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// The reference decodes requests with the classic protobuf JSON mapping,
// which accepts a field under its proto name (max_spoofers) or its JSON
// name (maxSpoofers). Request types keep one Go field per option, tagged
// with the proto name; bothSpellings documents the other spelling too, and
// unmarshalBoth reads it.

// camel returns the lowerCamelCase spelling of a snake_case name.
func camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// aliases maps the lowerCamelCase spellings of a struct type's JSON
// fields to their tagged names.
var aliases sync.Map // reflect.Type -> map[string]string

func aliasesOf(t reflect.Type) map[string]string {
	if m, ok := aliases.Load(t); ok {
		return m.(map[string]string)
	}
	m := make(map[string]string)
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if c := camel(name); c != name {
			m[c] = name
		}
	}
	aliases.Store(t, m)
	return m
}

// bothSpellings returns the schema of struct type plain (a request type
// without its methods) in which every snake_case property may also be
// spelt lowerCamelCase, registered under the request type's name.
func bothSpellings(r huma.Registry, plain reflect.Type, name string) *huma.Schema {
	if _, ok := r.Map()[name]; !ok {
		s := huma.SchemaFromType(r, plain)
		for c, snake := range aliasesOf(plain) {
			p := s.Properties[snake]
			alias := *p
			alias.Description = "Same as " + snake + "."
			s.Properties[c] = &alias
		}
		r.Map()[name] = s
	}
	return &huma.Schema{Ref: "#/components/schemas/" + name}
}

// unmarshalBoth decodes b into v (a pointer to a request type without its
// methods), reading lowerCamelCase keys as their snake_case twins.
func unmarshalBoth(b []byte, v any) error {
	as := aliasesOf(reflect.TypeOf(v).Elem())
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	renamed := false
	for k, val := range m {
		if snake, ok := as[k]; ok {
			delete(m, k)
			m[snake] = val
			renamed = true
		}
	}
	if renamed {
		var err error
		if b, err = json.Marshal(m); err != nil {
			return err
		}
	}
	return json.Unmarshal(b, v)
}
