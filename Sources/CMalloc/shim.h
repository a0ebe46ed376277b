#ifndef CORPUSD_CMALLOC_SHIM_H
#define CORPUSD_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt), which the Glibc module does not export.
#include <malloc.h>
#endif
