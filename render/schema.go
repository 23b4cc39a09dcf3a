package render

import (
	"encoding/json"
	"reflect"
	"strings"
)

// JSONSchema returns a JSON Schema (draft 2020-12) of the State document,
// derived from the Go types so that it cannot drift from what dump prints.
func JSONSchema() ([]byte, error) {
	s := schemaOf(reflect.TypeOf(State{}))
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaState
	s["title"] = "luoinspect handover state"
	return json.MarshalIndent(s, "", "  ")
}

var hexType = reflect.TypeOf(Hex(0))

func schemaOf(t reflect.Type) map[string]any {
	if t == hexType {
		return map[string]any{"type": "string", "pattern": "^0x[0-9a-f]+$"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Struct:
		props := map[string]any{}
		required := structMembers(t, props)
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	}
	return map[string]any{}
}

// structMembers adds the JSON members of struct t to props, those of
// embedded structs included (encoding/json inlines them), and returns the
// required ones.
func structMembers(t reflect.Type, props map[string]any) []string {
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			required = append(required, structMembers(f.Type, props)...)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		props[name] = schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	return required
}
