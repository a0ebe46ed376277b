#ifndef CORPUSD_BYTES_H
#define CORPUSD_BYTES_H
#include <stdbool.h>
#include <stddef.h>

/* Scans over a page's bytes that the C compiler turns into vector code (the same loops in Swift, over SIMD16 or the
   lanes of a UInt64, came out many times slower). */

/** Does any byte count as a control character of TextDecoding (0x01-0x1F but tab, line feed and carriage return, and
    0x7F)? */
bool corpusd_contains_control(const unsigned char *bytes, size_t count);

#endif
