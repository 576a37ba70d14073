/* idlehold — open many keep-alive connections, send one request on each,
 * then hold them all idle for a bounded time (bench/run's "idle" scenario).
 *
 *   idlehold --port P --conns N --request FILE [--expect-body BODY]
 *            [--inflight K] [--connect-timeout S] [--hold S]
 *
 * Connects to 127.0.0.1:P with at most K connects/requests in flight (so the
 * server's SYN backlog never overflows), sends FILE byte-exact on each, reads
 * one response (Content-Length framed) and checks for a 2xx status (and the
 * exact body when --expect-body is given). When every connection has its
 * response, or the connect timeout passes, it prints one JSON line
 *   {"event":"ready","conns":N,"open":..,"ok":..,"failed":..,"seconds":..}
 * then holds the connections idle for --hold seconds, counting the ones the
 * server closes, prints {"event":"done",...} and exits (closing everything).
 * Everything is bounded: the whole process lives at most
 * connect-timeout + hold seconds. Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_CONNECTING, ST_READING, ST_IDLE, ST_DEAD };

#define RBUF 1024

struct conn {
    int fd;
    int state;
    int len;
    char buf[RBUF];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: idlehold --port P --conns N --request FILE [--expect-body BODY]\n"
                    "                [--inflight K] [--connect-timeout S] [--hold S]\n");
    exit(2);
}

/* 1 = complete and good, -1 = complete and bad (or unparseable), 0 = need more */
static int response_done(struct conn *c, const char *expect)
{
    c->buf[c->len] = 0;
    char *eoh = strstr(c->buf, "\r\n\r\n");
    if (!eoh)
        return c->len >= RBUF - 1 ? -1 : 0;
    if (c->len < 12 || strncmp(c->buf, "HTTP/1.", 7) != 0)
        return -1;
    long cl = -1;
    for (char *p = c->buf; p < eoh; p++) {
        if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
            cl = strtol(p + 15, NULL, 10);
            break;
        }
    }
    if (cl < 0)
        return -1; /* every server here frames with Content-Length */
    long have = (long)(c->buf + c->len - (eoh + 4));
    if (have < cl)
        return (eoh + 4 - c->buf) + cl >= RBUF ? -1 : 0;
    if (c->buf[9] != '2')
        return -1;
    if (expect && ((long)strlen(expect) != cl || memcmp(eoh + 4, expect, (size_t)cl) != 0))
        return -1;
    return 1;
}

int main(int argc, char **argv)
{
    int port = 0, nconns = 0, inflight_max = 256;
    double connect_timeout = 30, hold = 10;
    const char *reqfile = NULL, *expect = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--conns"))
            nconns = atoi(v);
        else if (!strcmp(a, "--request"))
            reqfile = v;
        else if (!strcmp(a, "--expect-body"))
            expect = v;
        else if (!strcmp(a, "--inflight"))
            inflight_max = atoi(v);
        else if (!strcmp(a, "--connect-timeout"))
            connect_timeout = atof(v);
        else if (!strcmp(a, "--hold"))
            hold = atof(v);
        else
            usage();
    }
    if (port <= 0 || port > 65535 || nconns <= 0 || !reqfile || inflight_max <= 0)
        usage();

    char req[8192];
    FILE *f = fopen(reqfile, "rb");
    if (!f) {
        perror(reqfile);
        return 1;
    }
    size_t reqlen = fread(req, 1, sizeof req, f);
    fclose(f);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconns + 16) {
        fprintf(stderr, "idlehold: open-file limit %llu is below %d connections\n",
                (unsigned long long)rl.rlim_cur, nconns);
        return 1;
    }

    struct conn *conns = calloc((size_t)nconns, sizeof *conns);
    int ep = epoll_create1(0);
    if (!conns || ep < 0) {
        perror("idlehold");
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int next = 0, inflight = 0, ok = 0, failed = 0, open_now = 0, early_closed = 0;
    double t0 = now_s(), deadline = t0 + connect_timeout;
    struct epoll_event evs[512];

    while ((ok + failed < nconns) && now_s() < deadline) {
        while (next < nconns && inflight < inflight_max) {
            struct conn *c = &conns[next];
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) {
                c->state = ST_DEAD;
                failed++;
                next++;
                continue;
            }
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
                close(c->fd);
                c->state = ST_DEAD;
                failed++;
                next++;
                continue;
            }
            c->state = ST_CONNECTING;
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)next};
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
            open_now++;
            inflight++;
            next++;
        }
        int n = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[evs[i].data.u32];
            if (c->state == ST_CONNECTING && (evs[i].events & EPOLLOUT)) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err || send(c->fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen)
                    goto bad;
                c->state = ST_READING;
                struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = evs[i].data.u32};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            if (c->state == ST_READING && (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                ssize_t r = recv(c->fd, c->buf + c->len, (size_t)(RBUF - 1 - c->len), 0);
                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN)
                        continue;
                    goto bad;
                }
                c->len += (int)r;
                int d = response_done(c, expect);
                if (d == 0)
                    continue;
                if (d < 0)
                    goto bad;
                c->state = ST_IDLE;
                ok++;
                inflight--;
                /* keep watching for the server closing it while idle */
                struct epoll_event ev = {.events = EPOLLRDHUP, .data.u32 = evs[i].data.u32};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            if (c->state == ST_IDLE) { /* closed by the server before the hold began */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->state = ST_DEAD;
                early_closed++;
                open_now--;
                continue;
            }
            if (evs[i].events & (EPOLLHUP | EPOLLERR))
                goto bad;
            continue;
        bad:
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->state = ST_DEAD;
            failed++;
            inflight--;
            open_now--;
        }
    }
    double t_ready = now_s() - t0;
    printf("{\"event\":\"ready\",\"conns\":%d,\"open\":%d,\"ok\":%d,\"failed\":%d,\"unfinished\":%d,"
           "\"closed_early\":%d,\"seconds\":%.3f}\n",
           nconns, open_now, ok, failed, nconns - ok - failed, early_closed, t_ready);
    fflush(stdout);

    /* Hold: nothing is sent; count connections the server closes. */
    int closed_by_server = 0;
    double hold_end = now_s() + hold;
    for (;;) {
        double left = hold_end - now_s();
        if (left <= 0)
            break;
        int n = epoll_wait(ep, evs, 512, (int)(left * 1000) + 1);
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[evs[i].data.u32];
            if (c->state == ST_DEAD)
                continue;
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->state = ST_DEAD;
            closed_by_server++;
            open_now--;
        }
    }
    printf("{\"event\":\"done\",\"open\":%d,\"closed_by_server\":%d}\n", open_now, closed_by_server);
    fflush(stdout);
    for (int i = 0; i < next; i++)
        if (conns[i].state != ST_DEAD)
            close(conns[i].fd);
    return 0;
}
