/* static.h — serving files under a route prefix (ringspec.h rs_static_dir).
 *
 * A request is resolved when its head is complete (the head's bytes are
 * gone by the time its body ends): path, representation (identity or a
 * precompressed sibling), conditionals and Range give a status and a byte
 * range, kept in the connection slot (rs_static_pending) until on_done
 * writes the response.
 *
 *   memory  files and siblings live in rs_shared_bufs loaded at start-up,
 *           backed by one sealed memfd (static_memfd.c); the body is a
 *           reference chunk into the buffer, never a copy into the queue,
 *           and large bodies leave by sendfile from the memfd.
 *   none    the file is opened at the head (openat2 RESOLVE_BENEATH) and
 *           its bytes are read through the ring into pooled chunks, one
 *           read at a time, only while the output queue is under its cap. */
#ifndef RS_STATIC_H
#define RS_STATIC_H

#include <stdint.h>
#include <time.h>

#include "app/ringspec.h"
#include "core/shared_buf.h"

#define RS_STATIC_MAX_PATH 1024

/* One representation of a file: its identity bytes or a sibling's. */
typedef struct rs_static_rep {
    rs_shared_buf *buf; /* NULL: this coding is absent */
    char *fields;       /* "Content-Type..\r\n" .. "Accept-Ranges: bytes\r\n", preformatted */
    uint16_t fields_len;
    char etag[48]; /* with quotes */
    uint8_t etag_len;
} rs_static_rep;

enum { RS_REP_IDENTITY, RS_REP_GZIP, RS_REP_BR, RS_REPS };

typedef struct rs_static_file {
    char *name; /* relative, decoded: "css/app.css" */
    uint32_t name_len;
    uint32_t hash;
    time_t mtime;
    char last_modified[32]; /* IMF-fixdate */
    rs_compress offer;      /* the siblings this file has, in the dir's order */
    rs_static_rep rep[RS_REPS];
} rs_static_file;

struct rs_static_mount {
    const rs_static_dir *cfg;
    int dir_fd; /* O_PATH descriptor of the directory (none mode) */
    int memfd;  /* memory mode: the sealed memfd holding every file, or -1 */
    rs_static_file *files;
    uint32_t file_count;
    uint32_t *table; /* open addressing: file index + 1, 0 = empty */
    uint32_t table_mask;
};

/* What on_head decided, kept in the connection slot until on_done. */
/* It shares the slot's storage with rs_params (a static route has none),
 * so it must stay within sizeof(rs_params).  None mode keeps the one fstat
 * of the open descriptor taken at the head (size, mtime): status, range,
 * Content-Length, Content-Range, ETag and Last-Modified all come from it, and
 * a file that no longer matches it when its last byte is read ends the
 * connection (the client sees a short body, never a wrong length). */
typedef struct rs_static_pending {
    const rs_static_dir *dir;
    const rs_static_file *file; /* memory mode */
    uint64_t off, len;          /* byte range of the representation to send (none: what is left) */
    struct rs_chunk *reading;   /* none mode: the chunk a read is filling */
    uint64_t size;              /* none mode: st_size at the head */
    int64_t mtime;              /* none mode: st_mtim at the head, seconds ... */
    uint32_t mtime_ns;          /* ... and nanoseconds */
    int32_t fd;                 /* none mode: the open representation, or -1 */
    uint16_t status;            /* 200, 206, 304, 416 (or an error: 400, 404) */
    uint8_t rep;                /* RS_REP_* */
    uint8_t mime;               /* index into dir->mime, 255 = default type */
} rs_static_pending;

_Static_assert(sizeof(rs_static_pending) <= sizeof(rs_params), "static state shares the params' storage");

/* Percent-decodes the part of the request path after the prefix into a
 * relative path in dst (cap >= RS_STATIC_MAX_PATH + 1, NUL-terminated).
 * Returns 0, 400 for bytes no file name may hold (bad %-escape, NUL,
 * control bytes, '\\' or an encoded '/'), or 404 for paths that cannot
 * name a file inside the directory (empty or "." / ".." / hidden
 * segments, "//", a trailing '/', too long). */
unsigned rs_static_decode_path(const char *src, size_t n, char *dst, size_t *out_len);

/* Start-up: loads (memory) or opens (none) every rs_static_dirs[] entry
 * under data_root.  On failure prints why and returns -1. */
int rs_static_load_all(const char *data_root);

/* The mime index for a file name (255: the default type). */
uint8_t rs_static_mime(const rs_static_dir *d, const char *name, size_t len);

/* Formats the representation header lines for a file. */
int rs_static_format_fields(const rs_static_dir *d, uint8_t mime, int rep, bool vary, const char *etag,
                            const char *last_modified, char *dst, size_t cap);

/* The file at a decoded name, or NULL (memory mode). */
const rs_static_file *rs_static_find(const rs_static_mount *m, const char *name, size_t n);

/* openat2(dir_fd, rel, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), or
 * where openat2 is missing or filtered, rs_static_open_walk (static_open.c). */
int rs_static_open_beneath(int dir_fd, const char *rel, int flags);

/* rel opened one component at a time with O_NOFOLLOW: any symlink, "..", or
 * an absolute path is refused (ELOOP, EXDEV). */
int rs_static_open_walk(int dir_fd, const char *rel, int flags);

/* ETag and IMF-fixdate of a representation. */
void rs_static_etag(char *dst, size_t cap, int64_t mtime, uint64_t size, int rep);
void rs_static_http_date(char *dst, size_t cap, int64_t t);

#endif
