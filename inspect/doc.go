// Package inspect is the one way in to a handover state: it opens a source
// (a live system, an ELF core or kdump vmcore, a snapshot, a raw image, a
// copied kho debugfs tree, a blob file), an embedded sample or a spec,
// finds the KHO root (the debugfs blobs, or a survey of memory for dumps,
// choosing among several roots), walks the state at the stage the source
// shows, and hands back a Session with the state, the memory it was read
// from, the blobs and a description.
//
// Data flows one way: spec → source.ParseSpec → source.Source → root
// (source.Blobs or source.Survey) → handover.Walk → Session. Commands and
// tests reach states through this package only.
package inspect
