/* K1a: 512-byte bitmaps. */
#define FIXTURE_BITMAP_BYTES 512
