/* listener.c — listening socket setup. */
#include "core/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

#define RS_LISTEN_BACKLOG 65535 /* the kernel caps it at net.core.somaxconn */

/* A socket bound to addr (AF_INET or AF_INET6); with group, it joins the
 * port's SO_REUSEPORT group (one listener per reactor). */
static int bind_on(const struct sockaddr *addr, socklen_t addr_len, bool group)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (group && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        goto fail;
    if (addr->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, addr, addr_len) < 0)
        goto fail;
    return fd;
fail:;
    int ret = -errno;
    close(fd);
    return ret;
}

/* host "" (every interface): dual-stack [::] first, 0.0.0.0 where IPv6 is
 * unavailable; else the IPv6 or IPv4 address literal host. */
static int bind_host(const char *host, uint16_t port, bool group)
{
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
    if (host == NULL || host[0] == '\0') {
        int fd = bind_on((struct sockaddr *)&v6, sizeof v6, group);
        if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
            fd = bind_on((struct sockaddr *)&v4, sizeof v4, group);
        return fd;
    }
    if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1)
        return bind_on((struct sockaddr *)&v6, sizeof v6, group);
    if (inet_pton(AF_INET, host, &v4.sin_addr) == 1)
        return bind_on((struct sockaddr *)&v4, sizeof v4, group);
    return -EINVAL; /* no name lookup: an address literal only */
}

int rs_listen(const char *host, uint16_t port)
{
    int fd = bind_host(host, port, true);
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
    const char *where = host && host[0] ? host : "every interface";
    if (fd == -EADDRINUSE)
        rs_log("port %u is already in use", port);
    else if (fd == -EINVAL)
        rs_log("cannot listen on %s port %u: not an IP address (e.g. 127.0.0.1 or ::1)", where, port);
    else if (fd < 0)
        rs_log("cannot listen on %s port %u: %s", where, port, strerror(-fd));
    return fd;
}

int rs_port_probe(const char *host, uint16_t port)
{
    int fd = bind_host(host, port, false);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}
