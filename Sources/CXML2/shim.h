#ifndef CORPUSD_CXML2_SHIM_H
#define CORPUSD_CXML2_SHIM_H
#include <libxml/xmlversion.h>
/* libxml2's headers would pull in the system ICU, whose types clash with the copy Foundation carries.
   Nothing here uses libxml2's ICU converters (input is always UTF-8), so the declarations are left out;
   only the tail of xmlCharEncodingHandler, which we never allocate, depends on it. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#endif
