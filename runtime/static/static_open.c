/* static_open.c — opening a file beneath a static directory.
 *
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) is the first choice: a
 * symlink may be followed only while it stays beneath the directory.  Where
 * openat2 does not exist (ENOSYS: kernels before 5.6, valgrind) or a seccomp
 * filter older than it refuses it (EPERM, as older container runtimes do),
 * the path is walked one component at a time with O_NOFOLLOW instead.  That
 * fallback refuses every symlink (ELOOP), not only those that leave the
 * directory: stricter, never looser.  Names reach this file already decoded
 * and normalised (static_path.c refuses "..", NUL and the like); the walk
 * checks again because it is the last line of defence. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "static/static.h"

#define MAX_COMPONENT 255

int rs_static_open_walk(int dir_fd, const char *rel, int flags)
{
    const int base = flags | O_CLOEXEC | O_NOCTTY;
    if (rel[0] == '/') {
        errno = EXDEV; /* what RESOLVE_BENEATH answers for an absolute path */
        return -1;
    }
    int cur = dir_fd;
    bool owned = false;
    const char *p = rel;
    for (;;) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *rest = p + len;
        while (*rest == '/')
            rest++;
        bool last = *rest == '\0';
        char name[MAX_COMPONENT + 1];
        if (len > MAX_COMPONENT) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        memcpy(name, len ? p : ".", len ? len : 1);
        name[len ? len : 1] = '\0';
        if (!strcmp(name, "..")) {
            errno = EXDEV;
            goto fail;
        }
        if (last) {
            int fd = openat(cur, name, base | O_NOFOLLOW);
            int saved = errno;
            if (owned)
                close(cur);
            errno = saved;
            return fd;
        }
        if (strcmp(name, ".") != 0) {
            int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0)
                goto fail;
            if (owned)
                close(cur);
            cur = next;
            owned = true;
        }
        p = rest;
    }
fail : {
    int saved = errno;
    if (owned)
        close(cur);
    errno = saved;
    return -1;
}
}

int rs_static_open_beneath(int dir_fd, const char *rel, int flags)
{
    static bool no_openat2; /* set once ENOSYS is seen; every worker may race to set it */
    if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, dir_fd, rel, &how, sizeof how);
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return fd;
        if (errno == ENOSYS)
            __atomic_store_n(&no_openat2, true, __ATOMIC_RELAXED);
    }
    return rs_static_open_walk(dir_fd, rel, flags);
}
