/* db_cache.c — the [cache.NAME] tables (see db_cache.h).
 *
 * A key is the statement's arguments (text, joined by 0x1f); a value the
 * JSON body written for them.  Lookups copy the body into the response
 * under the set's lock, so a value is never read after it was replaced;
 * stores allocate outside the lock and free what they replaced outside it.
 *
 * A write invalidates its key and advances its set's epoch.  A miss notes
 * the epoch (rs_reply.cache_epoch, carried through the pool's ticket) and
 * its store is dropped if the epoch moved meanwhile: a read that started
 * before a write committed can finish after the write's invalidation, and
 * must not put the old row back for a whole TTL. */
#include "db/db_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/reply.h"

#define RS_CACHE_WAYS 4
#define RS_CACHE_KEY_MAX 56
#define RS_CACHE_VALUE_MAX 16384
#define RS_CACHE_LOCKS 64

typedef struct cache_entry {
    uint64_t hash; /* 0: empty */
    uint32_t stored_ms;
    uint16_t key_len;
    char key[RS_CACHE_KEY_MAX];
    char *value;
    uint32_t value_len;
} cache_entry;

typedef struct cache_table {
    cache_entry *entries; /* sets * RS_CACHE_WAYS */
    uint32_t *epochs;     /* per set: invalidations so far */
    uint32_t set_mask;
    uint32_t ttl_ms;
    pthread_mutex_t locks[RS_CACHE_LOCKS];
} cache_table;

static cache_table *tables;

static uint32_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int rs_db_cache_init(void)
{
    if (rs_cache_count == 0)
        return 0;
    tables = calloc(rs_cache_count, sizeof *tables);
    if (!tables)
        return -ENOMEM;
    for (unsigned i = 0; i < rs_cache_count; i++) {
        uint32_t sets = 1;
        while (sets * RS_CACHE_WAYS < rs_caches[i].entries)
            sets <<= 1;
        tables[i].entries = calloc((size_t)sets * RS_CACHE_WAYS, sizeof(cache_entry));
        tables[i].epochs = calloc(sets, sizeof(uint32_t));
        if (!tables[i].entries || !tables[i].epochs)
            return -ENOMEM;
        tables[i].set_mask = sets - 1;
        tables[i].ttl_ms = rs_caches[i].ttl_ms;
        for (unsigned k = 0; k < RS_CACHE_LOCKS; k++)
            pthread_mutex_init(&tables[i].locks[k], NULL);
    }
    return 0;
}

/* The key text into buf; its length, or 0 when it does not fit. */
static size_t make_key(const rs_str *key, unsigned n, char *buf)
{
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        if (len + key[i].len + 1 > RS_CACHE_KEY_MAX)
            return 0;
        memcpy(buf + len, key[i].ptr, key[i].len);
        len += key[i].len;
        buf[len++] = 0x1f;
    }
    return len;
}

static uint64_t hash_of(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h | 1; /* never 0, the empty mark */
}

typedef struct lookup {
    cache_table *t;
    cache_entry *set;
    pthread_mutex_t *lock;
    uint32_t *epoch;
    uint64_t hash;
    size_t key_len;
    char key[RS_CACHE_KEY_MAX];
} lookup;

static bool find_set(lookup *l, unsigned cache, const rs_str *key, unsigned n)
{
    if (!tables || cache >= rs_cache_count)
        return false;
    l->key_len = make_key(key, n, l->key);
    if (l->key_len == 0)
        return false;
    l->t = &tables[cache];
    l->hash = hash_of(l->key, l->key_len);
    uint32_t set = (uint32_t)(l->hash >> 20) & l->t->set_mask;
    l->set = &l->t->entries[(size_t)set * RS_CACHE_WAYS];
    l->lock = &l->t->locks[set % RS_CACHE_LOCKS];
    l->epoch = &l->t->epochs[set];
    return true;
}

static cache_entry *match(const lookup *l)
{
    for (unsigned w = 0; w < RS_CACHE_WAYS; w++) {
        cache_entry *e = &l->set[w];
        if (e->hash == l->hash && e->key_len == l->key_len && !memcmp(e->key, l->key, l->key_len))
            return e;
    }
    return NULL;
}

bool rs_cache_reply(rs_reply *r, unsigned cache, const rs_str *key, unsigned n, const char *head,
                    size_t head_len)
{
    lookup l;
    if (!find_set(&l, cache, key, n))
        return false;
    bool hit = false;
    uint32_t now = now_ms();
    pthread_mutex_lock(l.lock);
    cache_entry *e = match(&l);
    if (e && e->value && now - e->stored_ms < l.t->ttl_ms) {
        rs_reply_framed(r, head, head_len, NULL, 0, e->value, e->value_len);
        hit = true;
    } else {
        r->cache_epoch = *l.epoch;
    }
    pthread_mutex_unlock(l.lock);
    return hit;
}

void rs_cache_store(rs_reply *r, unsigned cache, const rs_str *key, unsigned n, const char *body, size_t len)
{
    lookup l;
    if (len > RS_CACHE_VALUE_MAX || !find_set(&l, cache, key, n))
        return;
    char *value = malloc(len ? len : 1);
    if (!value)
        return;
    memcpy(value, body, len);
    uint32_t now = now_ms();
    pthread_mutex_lock(l.lock);
    if (*l.epoch != r->cache_epoch) { /* written since this read began: its row may be the old one */
        pthread_mutex_unlock(l.lock);
        free(value);
        return;
    }
    cache_entry *e = match(&l);
    if (!e) { /* an empty or expired way, else the oldest */
        e = &l.set[0];
        for (unsigned w = 0; w < RS_CACHE_WAYS; w++) {
            cache_entry *c = &l.set[w];
            if (!c->hash || now - c->stored_ms >= l.t->ttl_ms) {
                e = c;
                break;
            }
            if ((int32_t)(c->stored_ms - e->stored_ms) < 0)
                e = c;
        }
    }
    char *old = e->value;
    e->hash = l.hash;
    e->key_len = (uint16_t)l.key_len;
    memcpy(e->key, l.key, l.key_len);
    e->value = value;
    e->value_len = (uint32_t)len;
    e->stored_ms = now;
    pthread_mutex_unlock(l.lock);
    free(old);
}

void rs_cache_invalidate(unsigned cache, const rs_str *key, unsigned n)
{
    lookup l;
    if (!find_set(&l, cache, key, n))
        return;
    pthread_mutex_lock(l.lock);
    (*l.epoch)++;
    cache_entry *e = match(&l);
    char *old = NULL;
    if (e) {
        old = e->value;
        e->value = NULL;
        e->hash = 0;
    }
    pthread_mutex_unlock(l.lock);
    free(old);
}
