/* static_load.c — start-up side of static directories: walk a directory
 * (memory mode) into immutable shared buffers with preformatted header
 * lines, or just open it (none mode).
 *
 * Everything is opened beneath the directory (static_open.c), so a
 * symlink that points outside is skipped, never loaded.
 * The walk is bounded in depth, file count and bytes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "static/static.h"
#include "static/static_memfd.h"

#define MAX_DEPTH 16
#define MAX_FILES 65536
#define MAX_FILE_BYTES (1u << 30) /* queue counters are 32-bit */
#define MAX_TOTAL_BYTES (8ull << 30)

uint8_t rs_static_mime(const rs_static_dir *d, const char *name, size_t len)
{
    const char *dot = NULL;
    for (size_t i = len; i > 0; i--) {
        if (name[i - 1] == '/')
            break;
        if (name[i - 1] == '.') {
            dot = name + i;
            break;
        }
    }
    if (!dot)
        return 255;
    size_t ext_len = (size_t)(name + len - dot);
    for (uint16_t i = 0; i < d->mime_count && i < 255; i++)
        if (strlen(d->mime[i].ext) == ext_len && strncasecmp(d->mime[i].ext, dot, ext_len) == 0)
            return (uint8_t)i;
    return 255;
}

void rs_static_http_date(char *dst, size_t cap, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(dst, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void rs_static_etag(char *dst, size_t cap, int64_t mtime, uint64_t size, int rep)
{
    /* Each representation gets its own tag (RFC 9110 §8.8.3): a client
     * holding the gzip bytes must not revalidate the br ones. */
    static const char *const suffix[RS_REPS] = {"", "-gz", "-br"};
    snprintf(dst, cap, "\"%llx-%llx%s\"", (unsigned long long)mtime, (unsigned long long)size, suffix[rep]);
}

int rs_static_format_fields(const rs_static_dir *d, uint8_t mime, int rep, bool vary, const char *etag,
                            const char *last_modified, char *dst, size_t cap)
{
    static const char *const coding[RS_REPS] = {"", "Content-Encoding: gzip\r\n", "Content-Encoding: br\r\n"};
    const char *type = mime == 255 ? d->default_type : d->mime[mime].type;
    int n = snprintf(dst, cap,
                     "Content-Type: %s\r\n%s%sETag: %s\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n",
                     type, coding[rep], vary ? "Vary: Accept-Encoding\r\n" : "", etag, last_modified);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

typedef struct walk {
    rs_static_mount *m;
    uint32_t cap;
    uint64_t total;
    const char *root; /* for messages */
} walk;

static int read_all(int fd, rs_shared_buf *b)
{
    size_t done = 0;
    while (done < b->len) {
        ssize_t n = read(fd, rs_shared_buf_fill(b) + done, b->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1; /* truncated while we read it */
        done += (size_t)n;
    }
    return 0;
}

static int add_file(walk *w, const char *rel, int fd, const struct stat *st)
{
    rs_static_mount *m = w->m;
    if (m->file_count >= MAX_FILES || st->st_size > MAX_FILE_BYTES ||
        w->total + (uint64_t)st->st_size > MAX_TOTAL_BYTES) {
        fprintf(stderr, "ringspec: %s/%s: static directory over its limits (%u files, %u bytes each)\n",
                w->root, rel, MAX_FILES, MAX_FILE_BYTES);
        return -1;
    }
    if (m->file_count == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        rs_static_file *grown = realloc(m->files, w->cap * sizeof *grown);
        if (!grown)
            return -1;
        m->files = grown;
    }
    rs_shared_buf *b = rs_shared_buf_new((size_t)st->st_size);
    if (!b || read_all(fd, b) < 0) {
        fprintf(stderr, "ringspec: %s/%s: cannot read\n", w->root, rel);
        free(b);
        return -1;
    }
    rs_static_file *f = &m->files[m->file_count++];
    memset(f, 0, sizeof *f);
    f->name = strdup(rel);
    f->name_len = (uint32_t)strlen(rel);
    f->mtime = st->st_mtim.tv_sec;
    f->rep[RS_REP_IDENTITY].buf = b;
    w->total += (uint64_t)st->st_size;
    return f->name ? 0 : -1;
}

static int walk_dir(walk *w, int dir_fd, const char *prefix, int depth)
{
    if (depth > MAX_DEPTH)
        return 0;
    int fd = rs_static_open_beneath(dir_fd, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        fprintf(stderr, "ringspec: %s/%s: cannot open directory: %s\n", w->root, prefix, strerror(errno));
        return -1;
    }
    int status = 0;
    struct dirent *e;
    while (status == 0 && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden files are never served */
        char rel[RS_STATIC_MAX_PATH + 1];
        int n = snprintf(rel, sizeof rel, "%s%s%s", prefix, prefix[0] ? "/" : "", e->d_name);
        if (n < 0 || (size_t)n >= sizeof rel)
            continue; /* a name no request could reach */
        int file = rs_static_open_beneath(dir_fd, rel, O_RDONLY | O_NONBLOCK);
        if (file < 0)
            continue; /* a symlink out of the directory, a fifo we may not open, ... */
        struct stat st;
        if (fstat(file, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                status = walk_dir(w, dir_fd, rel, depth + 1);
            else if (S_ISREG(st.st_mode))
                status = add_file(w, rel, file, &st);
        }
        close(file);
    }
    closedir(dir);
    return status;
}

static uint32_t hash_name(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static rs_static_file *find(rs_static_mount *m, const char *name, size_t n);

/* Hashes names into the table, then attaches each ".br"/".gz" file to the
 * file it compresses, when the directory offers that coding and the base
 * is text-like (binary formats are never served compressed). */
static int index_files(rs_static_mount *m)
{
    uint32_t size = 16;
    while (size < m->file_count * 2)
        size *= 2;
    m->table = calloc(size, sizeof *m->table);
    if (!m->table)
        return -1;
    m->table_mask = size - 1;
    for (uint32_t i = 0; i < m->file_count; i++) {
        rs_static_file *f = &m->files[i];
        f->hash = hash_name(f->name, f->name_len);
        uint32_t s = f->hash & m->table_mask;
        while (m->table[s])
            s = (s + 1) & m->table_mask;
        m->table[s] = i + 1;
    }
    const rs_static_dir *d = m->cfg;
    for (uint32_t i = 0; i < m->file_count; i++) {
        rs_static_file *f = &m->files[i];
        uint8_t mime = rs_static_mime(d, f->name, f->name_len);
        bool text = mime != 255 && d->mime[mime].compressible;
        for (uint8_t k = 0; text && k < d->sibling_count; k++) {
            int rep = d->siblings[k] == RS_CODING_BR ? RS_REP_BR : RS_REP_GZIP;
            char name[RS_STATIC_MAX_PATH + 4];
            int n = snprintf(name, sizeof name, "%s%s", f->name, rep == RS_REP_BR ? ".br" : ".gz");
            rs_static_file *sib = n > 0 ? find(m, name, (size_t)n) : NULL;
            if (!sib)
                continue;
            f->rep[rep].buf = sib->rep[RS_REP_IDENTITY].buf;
            rs_shared_buf_ref(f->rep[rep].buf);
            f->offer.offer[f->offer.count].coding = d->siblings[k];
            f->offer.offer[f->offer.count].level = 0;
            f->offer.count++;
        }
        rs_static_http_date(f->last_modified, sizeof f->last_modified, f->mtime);
        for (int rep = 0; rep < RS_REPS; rep++) {
            rs_static_rep *r = &f->rep[rep];
            if (!r->buf)
                continue;
            rs_static_etag(r->etag, sizeof r->etag, f->mtime, r->buf->len, rep);
            r->etag_len = (uint8_t)strlen(r->etag);
            char fields[512];
            int n = rs_static_format_fields(d, mime, rep, f->offer.count > 0, r->etag, f->last_modified,
                                            fields, sizeof fields);
            if (n < 0 || !(r->fields = malloc((size_t)n)))
                return -1;
            memcpy(r->fields, fields, (size_t)n);
            r->fields_len = (uint16_t)n;
        }
    }
    return 0;
}

static rs_static_file *find(rs_static_mount *m, const char *name, size_t n)
{
    uint32_t h = hash_name(name, n);
    for (uint32_t s = h & m->table_mask, probes = 0; probes <= m->table_mask;
         s = (s + 1) & m->table_mask, probes++) {
        uint32_t idx = m->table[s];
        if (!idx)
            return NULL;
        rs_static_file *f = &m->files[idx - 1];
        if (f->hash == h && f->name_len == n && memcmp(f->name, name, n) == 0)
            return f;
    }
    return NULL;
}

const rs_static_file *rs_static_find(const rs_static_mount *m, const char *name, size_t n)
{
    return find((rs_static_mount *)m, name, n);
}

static int load_one(rs_static_dir *d, const char *data_root)
{
    char path[4096];
    if (strncmp(d->dir, "/data/", 6) == 0)
        snprintf(path, sizeof path, "%s%s", data_root, d->dir + 5);
    else
        snprintf(path, sizeof path, "%s", d->dir);
    /* An absent directory is an optional mount left out (HttpArena mounts
     * /data/static only for static profiles): serve the other routes and
     * answer 404 under this one.  Anything else wrong with it is an error. */
    struct stat st;
    if (stat(path, &st) < 0 && errno == ENOENT) {
        fprintf(stderr, "ringspec: %s: static directory absent; its route answers 404\n", path);
        d->mount = NULL;
        return 0;
    }
    rs_static_mount *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->cfg = d;
    m->memfd = -1;
    m->dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m->dir_fd < 0) {
        fprintf(stderr, "ringspec: %s: cannot open static directory: %s\n", path, strerror(errno));
        free(m);
        return -1;
    }
    if (d->cache == RS_STATIC_MEMORY) {
        walk w = {.m = m, .root = path};
        if (walk_dir(&w, m->dir_fd, "", 0) < 0 || rs_static_memfd_adopt(m, path) < 0 || index_files(m) < 0) {
            fprintf(stderr, "ringspec: %s: cannot load static files\n", path);
            return -1;
        }
    }
    d->mount = m;
    return 0;
}

int rs_static_load_all(const char *data_root)
{
    for (unsigned i = 0; i < rs_static_dir_count; i++)
        if (load_one(rs_static_dirs[i], data_root) < 0)
            return -1;
    return 0;
}
