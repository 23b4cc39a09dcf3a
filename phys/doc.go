// Package phys is the physical-memory layer under every handover decoder:
// the Memory interface that live systems, dumps, snapshots and in-memory
// images implement, the error type that carries a decode path with a
// physical address or byte offset, and an Allocator that encoders use to lay
// a state out in an Image the way the kernel would.
package phys
