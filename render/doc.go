// Package render turns a handover state into what people and programs
// read: a stable JSON/YAML document (schema SchemaState, described in
// docs/state.schema.json) and an aligned, optionally coloured tree.
package render
