/* test_static_open.c — opening files beneath a static directory
 * (runtime/static/static_open.c): the openat2 path and the component walk
 * used where openat2 is missing or filtered.  Both must refuse what leaves
 * the directory; the walk refuses every symlink. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "static/static.h"
#include "test_util.h"

typedef int (*open_fn)(int, const char *, int);

#define CHECK_STR(got, want, what) tu_check_str(got, want, __FILE__, __LINE__, what)

static char root[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static void dir(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (mkdir(path, 0755) < 0) {
        perror(path);
        exit(2);
    }
}

static void link_to(const char *target, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (symlink(target, path) < 0) {
        perror(path);
        exit(2);
    }
}

/* The file's first bytes when it opens, or "errno:N". */
static const char *read_rel(open_fn open_it, int base, const char *rel)
{
    static char out[64];
    int fd = open_it(base, rel, O_RDONLY);
    if (fd < 0) {
        snprintf(out, sizeof out, "errno:%d", errno);
        return out;
    }
    ssize_t n = read(fd, out, sizeof out - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    return out;
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/rs-static-open-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    put("outside.txt", "outside");
    dir("served");
    dir("served/a");
    dir("served/a/b");
    put("served/top.txt", "top");
    put("served/a/b/deep.txt", "deep");
    link_to("../outside.txt", "served/link_out");
    link_to("..", "served/dir_out");
    link_to("b/deep.txt", "served/a/link_in");

    char served[128];
    snprintf(served, sizeof served, "%s/served", root);
    int base = open(served, O_RDONLY | O_DIRECTORY);
    CHECK(base >= 0);

    /* openat2: symlinks that stay beneath are followed, the rest refused. */
    CHECK_STR(read_rel(rs_static_open_beneath, base, "top.txt"), "top", "beneath top");
    CHECK_STR(read_rel(rs_static_open_beneath, base, "a/link_in"), "deep", "beneath follows a link inside");
    CHECK_STR(read_rel(rs_static_open_beneath, base, "link_out"), "errno:18", "beneath refuses a link out");
    CHECK_STR(read_rel(rs_static_open_beneath, base, "dir_out/outside.txt"), "errno:18",
              "beneath refuses a directory link out");
    CHECK_STR(read_rel(rs_static_open_beneath, base, "../outside.txt"), "errno:18", "beneath refuses ..");
    CHECK_STR(read_rel(rs_static_open_beneath, base, "/etc/hostname"), "errno:18",
              "beneath refuses absolute");

    /* The walk: regular paths open; every symlink is refused (ELOOP for the
     * last component, ENOTDIR for a directory component opened O_NOFOLLOW
     * through a link); "..", absolute paths: EXDEV. */
    CHECK_STR(read_rel(rs_static_open_walk, base, "top.txt"), "top", "walk top");
    CHECK_STR(read_rel(rs_static_open_walk, base, "a/b/deep.txt"), "deep", "walk deep");
    CHECK_STR(read_rel(rs_static_open_walk, base, "a//b/./deep.txt"), "deep", "walk odd separators");
    CHECK_STR(read_rel(rs_static_open_walk, base, "a/missing/deep.txt"), "errno:2", "walk missing dir");
    CHECK_STR(read_rel(rs_static_open_walk, base, "link_out"), "errno:40", "walk refuses a link out");
    CHECK_STR(read_rel(rs_static_open_walk, base, "a/link_in"), "errno:40", "walk refuses a link inside too");
    CHECK_STR(read_rel(rs_static_open_walk, base, "dir_out/outside.txt"), "errno:20",
              "walk refuses a directory link");
    CHECK_STR(read_rel(rs_static_open_walk, base, "../outside.txt"), "errno:18", "walk refuses ..");
    CHECK_STR(read_rel(rs_static_open_walk, base, "a/../../outside.txt"), "errno:18", "walk refuses a/../..");
    CHECK_STR(read_rel(rs_static_open_walk, base, "/etc/hostname"), "errno:18", "walk refuses absolute");
    int fd = rs_static_open_walk(base, "a/b", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
    }
    fd = rs_static_open_walk(base, ".", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_STR(read_rel(rs_static_open_walk, base, longname), "errno:36", "walk: a component over NAME_MAX");

    close(base);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return tu_summary("static_open");
}
