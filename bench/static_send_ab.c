/* static_send_ab.c — server CPU per response body over loopback TCP, for
 * three ways of sending bytes the server holds in memory (issue 5, static):
 *
 *   copy      one IORING_OP_SEND per body from a heap buffer (what
 *             ringspec did before: the kernel copies the bytes)
 *   sendfile  one synchronous sendfile per body from a sealed memfd (what
 *             runtime/core/send_direct.c does: page references, no copy)
 *   splice    IORING_OP_SPLICE memfd -> pipe linked to pipe -> socket,
 *             one pipe per connection (the kernel punts every ring splice
 *             to an io-wq worker thread; this measures what that costs)
 *
 * Each round sends one body on each of 32 connections (so the ring modes
 * batch 32 bodies per submit); a forked reader pinned to core 1 drains
 * them, the sender is pinned to core 0.  CPU is the sender process's
 * utime + stime (its io-wq workers included), per body.
 *
 *   cc -O2 -Wall -Wextra -Werror -o build/static_send_ab bench/static_send_ab.c -luring
 *   build/static_send_ab copy|sendfile|splice BODY_BYTES ROUNDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONNS 32

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* The reader: drains every connection until the sender closes them all. */
static void drain(const struct sockaddr_in *addr)
{
    pin(1);
    struct pollfd pf[CONNS];
    for (int i = 0; i < CONNS; i++) {
        pf[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        pf[i].events = POLLIN;
        if (connect(pf[i].fd, (const struct sockaddr *)addr, sizeof *addr) < 0)
            _exit(1);
    }
    static char buf[1 << 20];
    for (int open = CONNS; open > 0;) {
        poll(pf, CONNS, 10000);
        for (int i = 0; i < CONNS; i++)
            if (pf[i].fd >= 0 && pf[i].revents && read(pf[i].fd, buf, sizeof buf) <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open--;
            }
    }
    _exit(0);
}

/* Waits for `want` completions, each of which must have moved len bytes. */
static int reap(struct io_uring *ring, int want, size_t len)
{
    for (int got = 0; got < want; got++) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(ring, &cqe) < 0 || cqe->res != (int)len) {
            fprintf(stderr, "short or failed transfer: %d\n", cqe ? cqe->res : -1);
            return -1;
        }
        io_uring_cqe_seen(ring, cqe);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s copy|sendfile|splice BODY_BYTES ROUNDS\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    size_t len = (size_t)atol(argv[2]);
    long rounds = atol(argv[3]);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0 ||
        listen(lfd, CONNS) < 0)
        return 1;
    pid_t reader = fork();
    if (reader == 0)
        drain(&addr);
    pin(0);
    int sock[CONNS], pipes[CONNS][2], one = 1;
    for (int i = 0; i < CONNS; i++) {
        sock[i] = accept(lfd, NULL, NULL);
        setsockopt(sock[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (pipe2(pipes[i], O_CLOEXEC) < 0 || fcntl(pipes[i][1], F_SETPIPE_SZ, 1 << 20) < 0)
            return 1;
    }
    char *body = malloc(len);
    memset(body, 'x', len);
    int memfd = memfd_create("ab", MFD_ALLOW_SEALING);
    if (memfd < 0 || write(memfd, body, len) != (ssize_t)len ||
        fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) < 0)
        return 1;
    struct io_uring ring;
    if (io_uring_queue_init(4 * CONNS, &ring, 0) < 0)
        return 1;

    double start = cpu_seconds();
    for (long r = 0; r < rounds; r++) {
        int want = 0;
        for (int i = 0; i < CONNS; i++) {
            if (strcmp(mode, "sendfile") == 0) {
                for (off_t off = 0; (size_t)off < len;)
                    if (sendfile(sock[i], memfd, &off, len - (size_t)off) <= 0)
                        return 1;
            } else if (strcmp(mode, "copy") == 0) {
                io_uring_prep_send(io_uring_get_sqe(&ring), sock[i], body, len, MSG_WAITALL);
                want++;
            } else {
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                io_uring_prep_splice(sqe, memfd, 0, pipes[i][1], -1, (unsigned)len, 0);
                sqe->flags |= IOSQE_IO_LINK;
                io_uring_prep_splice(io_uring_get_sqe(&ring), pipes[i][0], -1, sock[i], -1, (unsigned)len, 0);
                want += 2;
            }
        }
        if (want && (io_uring_submit(&ring) < 0 || reap(&ring, want, len) < 0))
            return 1;
    }
    double used = cpu_seconds() - start;
    for (int i = 0; i < CONNS; i++)
        shutdown(sock[i], SHUT_WR);
    int status;
    waitpid(reader, &status, 0);
    long bodies = rounds * CONNS;
    printf("%-8s body %zu B, %ld bodies: sender CPU %.3f s = %.2f us per body\n", mode, len, bodies, used,
           used / (double)bodies * 1e6);
    return 0;
}
