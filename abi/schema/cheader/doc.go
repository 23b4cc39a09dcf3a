// Package cheader parses the small subset of C that the kernel's KHO, LUO
// and memfd ABI headers use, and lays their structs out with the x86-64
// System V / GCC rules.
//
// Supported: #define (object- and function-like, # and ##), #undef,
// #if/#ifdef/#ifndef/#elif/#else/#endif with defined(), string literal
// concatenation, struct and union definitions (named, anonymous, nested),
// __packed / __attribute__((packed, aligned(N))) / __aligned(N), fixed and
// multi-dimensional arrays, bitfields, pointers, typedefs of scalars and
// records, enums, and constant expressions with sizeof, casts, ALIGN,
// DIV_ROUND_UP, BITS_TO_LONGS and DECLARE_BITMAP. DECLARE_KHOSER_PTR and
// other unions of equally sized scalars collapse into one 8-byte member,
// as on the wire. Function bodies, prototypes, static_assert and anything
// else are skipped. #include is ignored: files are read as one unit, in
// two passes, so definitions may come from any file.
//
// The parser never panics and bounds its work, so it can read untrusted
// input (see FuzzParseHeader).
package cheader
