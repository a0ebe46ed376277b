#include "xml_arena.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A chunk of an arena: its header, then the blocks cut from it. Each block is preceded by its size (8 bytes), which
   realloc reads; blocks are 8-byte aligned, as libxml2's structures (pointers, ints, doubles) need. */
struct chunk {
    struct chunk *next;
    size_t size; /* bytes after the header */
};

struct corpusd_xml_arena {
    struct chunk *chunks; /* newest first; the arena itself lives in the last */
    char *top;            /* next free byte of the newest chunk */
    char *end;            /* its end */
    char *last;           /* the block cut last (it can grow in place, or be given back when freed) */
    unsigned long used;
};

/* Chunks of this size are kept for the next arenas (a news page's tree takes one to a few); a larger request gets a
   chunk of its own, given back to malloc with its arena. */
enum { CHUNK_SIZE = 256 * 1024, HEADER = sizeof(struct chunk), KEPT_CHUNKS = 16 };

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *kept;
static int kept_count;

static __thread corpusd_xml_arena *current;

static struct chunk *chunk_new(size_t size) {
    if (size == CHUNK_SIZE) {
        pthread_mutex_lock(&kept_lock);
        struct chunk *c = kept;
        if (c) {
            kept = c->next;
            kept_count--;
        }
        pthread_mutex_unlock(&kept_lock);
        if (c) return c;
    }
    struct chunk *c = malloc(HEADER + size);
    if (c) c->size = size;
    return c;
}

static void chunk_give_back(struct chunk *c) {
    if (c->size == CHUNK_SIZE) {
        pthread_mutex_lock(&kept_lock);
        int keep = kept_count < KEPT_CHUNKS;
        if (keep) {
            c->next = kept;
            kept = c;
            kept_count++;
        }
        pthread_mutex_unlock(&kept_lock);
        if (keep) return;
    }
    free(c);
}

static inline size_t rounded(size_t size) { return (size + 7) & ~(size_t)7; }

/* A block of `size` bytes from the arena; NULL when malloc has no chunk for it. */
static void *arena_alloc(corpusd_xml_arena *a, size_t size) {
    size_t need = 8 + rounded(size);
    if (need < size) return NULL;
    if ((size_t)(a->end - a->top) < need) {
        /* A large block gets a chunk of its own, behind the newest, so the newest goes on being cut. */
        if (need > CHUNK_SIZE / 4) {
            struct chunk *own = chunk_new(need);
            if (!own) return NULL;
            own->next = a->chunks->next;
            a->chunks->next = own;
            char *block = (char *)(own + 1);
            *(size_t *)block = rounded(size);
            a->used += need;
            return block + 8;
        }
        struct chunk *c = chunk_new(CHUNK_SIZE);
        if (!c) return NULL;
        c->next = a->chunks;
        a->chunks = c;
        a->top = (char *)(c + 1);
        a->end = a->top + CHUNK_SIZE;
        a->last = NULL;
    }
    char *block = a->top;
    *(size_t *)block = rounded(size);
    a->top += need;
    a->last = block + 8;
    a->used += need;
    return block + 8;
}

static int arena_owns(const corpusd_xml_arena *a, const void *p) {
    const char *q = p;
    for (const struct chunk *c = a->chunks; c; c = c->next) {
        const char *start = (const char *)(c + 1);
        if (q >= start && q < start + c->size) return 1;
    }
    return 0;
}

static void *hook_malloc(size_t size) {
    corpusd_xml_arena *a = current;
    return a ? arena_alloc(a, size) : malloc(size);
}

static void hook_free(void *p) {
    corpusd_xml_arena *a = current;
    if (!p) return;
    if (a && arena_owns(a, p)) {
        /* The block cut last is given back at once (libxml2 frees many a temporary string right after making it). */
        if (p == a->last) {
            a->top = (char *)p - 8;
            a->last = NULL;
        }
        return;
    }
    free(p);
}

static void *hook_realloc(void *p, size_t size) {
    corpusd_xml_arena *a = current;
    if (!a) return realloc(p, size);
    if (!p) return arena_alloc(a, size);
    if (!arena_owns(a, p)) return realloc(p, size);
    size_t old = *(size_t *)((char *)p - 8);
    if (size <= old) return p;
    if (p == a->last && (size_t)(a->end - (char *)p) >= rounded(size)) {
        a->used += rounded(size) - old;
        *(size_t *)((char *)p - 8) = rounded(size);
        a->top = (char *)p + rounded(size);
        return p;
    }
    void *q = arena_alloc(a, size);
    if (q) memcpy(q, p, old);
    return q;
}

static char *hook_strdup(const char *s) {
    corpusd_xml_arena *a = current;
    if (!a) return strdup(s);
    size_t n = strlen(s) + 1;
    char *copy = arena_alloc(a, n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

static int hooks_installed;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

/* libxml2's own state (its dictionaries' lock, encoding handlers, the HTML parser's tables) is made first, with
   malloc, so none of it is ever cut from an arena. The hooks hand whatever is not an arena's to malloc, realloc and
   free, so memory libxml2 took before they were installed, or on other threads, is freed as before. */
static void install_hooks(void) {
    xmlInitParser();
    hooks_installed = xmlMemSetup(hook_free, hook_malloc, hook_realloc, hook_strdup) == 0;
}

corpusd_xml_arena *corpusd_xml_arena_begin(void) {
    pthread_once(&hooks_once, install_hooks);
    if (!hooks_installed || current) return NULL;
    struct chunk *c = chunk_new(CHUNK_SIZE);
    if (!c) return NULL;
    c->next = NULL;
    corpusd_xml_arena *a = (corpusd_xml_arena *)(c + 1);
    a->chunks = c;
    a->top = (char *)(c + 1) + rounded(sizeof *a);
    a->end = (char *)(c + 1) + CHUNK_SIZE;
    a->last = NULL;
    a->used = 0;
    current = a;
    return a;
}

void corpusd_xml_arena_end(corpusd_xml_arena *arena) {
    /* The thread's last error (libxml2 keeps a copy of its strings, freed at the next error) is emptied while its
       strings may still be the arena's: none of them is left for free once the arena is no longer current. */
    xmlResetLastError();
    if (current == arena) current = NULL;
}

void corpusd_xml_arena_release(corpusd_xml_arena *arena, void *document) {
    xmlDocPtr doc = document;
    if (doc && doc->dict) {
        /* The dictionary's strings are the arena's, its lock malloc's: freed with the arena current, the strings are
           left in place and the lock goes to free. */
        corpusd_xml_arena *outer = current;
        current = arena;
        xmlDictFree(doc->dict);
        doc->dict = NULL;
        current = outer;
    }
    struct chunk *c = arena->chunks;
    while (c) {
        struct chunk *next = c->next;
        chunk_give_back(c);
        c = next;
    }
}

unsigned long corpusd_xml_arena_used(const corpusd_xml_arena *arena) { return arena->used; }

bool corpusd_xml_arena_owns(const corpusd_xml_arena *arena, const void *pointer) { return arena_owns(arena, pointer); }

void corpusd_xml_free(void *pointer) { xmlFree(pointer); }
