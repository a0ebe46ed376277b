#include "bytes.h"

bool corpusd_contains_control(const unsigned char *bytes, size_t count) {
    size_t i = 0;
    /* 64 bytes a round, without a branch inside it, so that the compiler reads them in vectors; the page's markup is
       full of tabs and line feeds, which are no control characters. */
    for (; i + 64 <= count; i += 64) {
        unsigned char found = 0;
        for (size_t k = 0; k < 64; k++) {
            unsigned char b = bytes[i + k];
            /* 0x01-0x1F is b - 1 < 0x1F (0x00 wraps to 0xFF). */
            found |= ((unsigned char)(b - 1) < 0x1F) & (b != 0x09) & (b != 0x0A) & (b != 0x0D) | (b == 0x7F);
        }
        if (found) return true;
    }
    for (; i < count; i++) {
        unsigned char b = bytes[i];
        if (((unsigned char)(b - 1) < 0x1F && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F) return true;
    }
    return false;
}
