/* bufring.c — registers a provided-buffer ring by hand (liburing 2.3 has no
 * io_uring_setup_buf_ring). */
#include "core/bufring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int rs_bufring_init(struct io_uring *uring, rs_bufring *b, uint32_t count, uint32_t size, uint16_t group)
{
    memset(b, 0, sizeof *b);
    size_t ring_bytes = (size_t)count * sizeof(struct io_uring_buf);
    void *ring = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED)
        return -errno;
    void *base = mmap(NULL, (size_t)count * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        int err = -errno;
        munmap(ring, ring_bytes);
        return err;
    }
    b->ring = ring;
    b->base = base;
    b->count = count;
    b->size = size;
    b->group = group;
    io_uring_buf_ring_init(b->ring);

    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)ring, .ring_entries = count, .bgid = group};
    int ret = io_uring_register_buf_ring(uring, &reg, 0);
    if (ret < 0) {
        rs_bufring_destroy(NULL, b);
        return ret;
    }
    for (uint32_t i = 0; i < count; i++)
        rs_bufring_recycle(b, (uint16_t)i);
    rs_bufring_publish(b);
    return 0;
}

void rs_bufring_destroy(struct io_uring *uring, rs_bufring *b)
{
    if (uring && b->ring)
        io_uring_unregister_buf_ring(uring, b->group);
    if (b->ring)
        munmap(b->ring, (size_t)b->count * sizeof(struct io_uring_buf));
    if (b->base)
        munmap(b->base, (size_t)b->count * b->size);
    memset(b, 0, sizeof *b);
}
