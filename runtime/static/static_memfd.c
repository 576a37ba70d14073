/* static_memfd.c — moves a memory-mode directory's loaded files into one
 * sealed memfd, so their bytes can leave through sendfile as page
 * references instead of being copied into socket buffers.
 *
 * The memfd is still the immutable start-up cache of static.h: it is
 * written once here, sealed against every change (write, grow, shrink,
 * further seals) before any worker starts, and mapped read-only so the
 * copy path (small bodies, a kernel that refuses sendfile) reads the very
 * same pages.  Each file starts on a page boundary: a body then spans the
 * fewest pages, and sendfile hands the socket the fewest fragments. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "static/static.h"
#include "static/static_memfd.h"

#define PAGE_BYTES 4096u

static uint64_t page_up(uint64_t n)
{
    return (n + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1);
}

static int write_all(int fd, const char *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Writes every identity buffer at its page-aligned offset; *size gets the
 * total.  The offsets are recomputed the same way by adopt(). */
static int fill(rs_static_mount *m, int fd, uint64_t *size)
{
    uint64_t off = 0;
    for (uint32_t i = 0; i < m->file_count; i++) {
        const rs_shared_buf *b = m->files[i].rep[RS_REP_IDENTITY].buf;
        if (write_all(fd, b->data, b->len, off) < 0)
            return -1;
        off = page_up(off + b->len);
    }
    *size = off;
    return ftruncate(fd, (off_t)(off ? off : PAGE_BYTES));
}

/* Swaps each inline buffer for one that points into the mapping.  Siblings
 * are attached later (index_files), so every buffer has one owner here. */
static int adopt(rs_static_mount *m, const char *map, int fd)
{
    uint64_t off = 0;
    for (uint32_t i = 0; i < m->file_count; i++) {
        rs_shared_buf **slot = &m->files[i].rep[RS_REP_IDENTITY].buf;
        rs_shared_buf *mapped = rs_shared_buf_in_memfd(map + off, fd, off, (*slot)->len);
        if (!mapped)
            return -1;
        off = page_up(off + (*slot)->len);
        rs_shared_buf_unref(*slot);
        *slot = mapped;
    }
    return 0;
}

int rs_static_memfd_adopt(rs_static_mount *m, const char *root)
{
    int fd = memfd_create("ringspec-static", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        /* Not fatal: the files stay in the heap and go out by copy. */
        fprintf(stderr, "ringspec: %s: memfd_create: %s; static bodies are copied\n", root, strerror(errno));
        return 0;
    }
    uint64_t size = 0;
    void *map = MAP_FAILED;
    if (fill(m, fd, &size) == 0 &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0)
        map = mmap(NULL, size ? size : PAGE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        fprintf(stderr, "ringspec: %s: cannot build the static memfd: %s; static bodies are copied\n", root,
                strerror(errno));
        close(fd);
        return 0;
    }
    if (adopt(m, map, fd) < 0)
        return -1; /* out of memory at start-up */
    m->memfd = fd;
    return 0;
}
