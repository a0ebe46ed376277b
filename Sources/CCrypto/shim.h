#ifndef CORPUSD_CCRYPTO_SHIM_H
#define CORPUSD_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
