#ifndef CORPUSD_XML_ARENA_H
#define CORPUSD_XML_ARENA_H
#include <stdbool.h>

/* Memory for one libxml2 tree that is released whole, without xmlFreeDoc.

   libxml2 allocates every node, attribute and string of a tree with its own malloc and frees them one by one in
   xmlFreeDoc: on a news page that was a fifth of the HTML reader's instructions (glibc's malloc and free, and the
   consolidation of its fast bins that the freed nodes set off at the next large request). While an arena is this
   thread's current one, libxml2's allocations on this thread are cut from its chunks (a bump of a pointer), and what
   libxml2 frees of them is left in place; the tree is given back with the arena, whole. Other threads, and this one
   when no arena is current, use malloc as before; memory from malloc freed or reallocated while an arena is current
   goes to free or realloc. */
typedef struct corpusd_xml_arena corpusd_xml_arena;

/** Makes a new arena this thread's current one (libxml2's memory functions are replaced on first use). NULL when
    memory runs out or libxml2's memory functions could not be replaced. */
corpusd_xml_arena *corpusd_xml_arena_begin(void);

/** This thread allocates from malloc again; what was cut from the arena stays until corpusd_xml_arena_release. */
void corpusd_xml_arena_end(corpusd_xml_arena *arena);

/** Gives back all the arena's memory (its chunks are kept for the next arenas, up to a few MiB), and the dictionary of
    `document` (an xmlDocPtr made in the arena, or NULL), the one part of a tree that holds memory from malloc (its
    lock). Nothing allocated in the arena may be used, or passed to libxml2, after this. */
void corpusd_xml_arena_release(corpusd_xml_arena *arena, void *document);

/** Bytes the arena took from its chunks (for tests). */
unsigned long corpusd_xml_arena_used(const corpusd_xml_arena *arena);

/** Is `pointer` inside one of the arena's chunks (for tests)? */
bool corpusd_xml_arena_owns(const corpusd_xml_arena *arena, const void *pointer);

/** libxml2's xmlFree, which Swift 6 cannot call as the global it is (for tests). */
void corpusd_xml_free(void *pointer);

#endif
