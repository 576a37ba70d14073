/* listener.c — listening socket setup. */
#include "listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define RS_LISTEN_BACKLOG 65535 /* the kernel caps it at net.core.somaxconn */

/* A socket bound to the wildcard address of family on port; with group, it
 * joins the port's SO_REUSEPORT group (one listener per reactor). */
static int bind_on(int family, uint16_t port, bool group)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (group && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        goto fail;
    int ret;
    if (family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
        ret = bind(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = {
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
        ret = bind(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (ret < 0)
        goto fail;
    return fd;
fail:
    ret = -errno;
    close(fd);
    return ret;
}

/* Dual-stack [::] first, 0.0.0.0 where IPv6 is unavailable. */
static int bind_any(uint16_t port, bool group)
{
    int fd = bind_on(AF_INET6, port, group);
    if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
        fd = bind_on(AF_INET, port, group);
    return fd;
}

int rs_listen(uint16_t port)
{
    int fd = bind_any(port, true);
    if (fd >= 0) {
        /* Accepted sockets inherit it: responses are coalesced by us already,
         * so Nagle would only delay the last segment of a batch. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (listen(fd, RS_LISTEN_BACKLOG) < 0) {
            int err = -errno;
            close(fd);
            fd = err;
        }
    }
    if (fd == -EADDRINUSE)
        rs_log("port %u is already in use", port);
    else if (fd < 0)
        rs_log("cannot listen on port %u: %s", port, strerror(-fd));
    return fd;
}

int rs_port_probe(uint16_t port)
{
    int fd = bind_any(port, false);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}
