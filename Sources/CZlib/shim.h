#ifndef CORPUSD_CZLIB_SHIM_H
#define CORPUSD_CZLIB_SHIM_H
#include <zlib.h>
#endif
