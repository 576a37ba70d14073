/* listener.c — listening socket setup. */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define RS_LISTEN_BACKLOG 65535 /* the kernel caps it at net.core.somaxconn */

/* A socket bound to addr (AF_INET or AF_INET6) and listening. */
static int listen_on(const struct sockaddr *addr, socklen_t addr_len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        goto fail;
    /* Accepted sockets inherit it: responses are coalesced by us already,
     * so Nagle would only delay the last segment of a batch. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (addr->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, addr, addr_len) < 0 || listen(fd, RS_LISTEN_BACKLOG) < 0)
        goto fail;
    return fd;
fail:;
    int ret = -errno;
    close(fd);
    return ret;
}

int rs_listen(const char *host, uint16_t port)
{
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
    int fd;
    if (host == NULL || host[0] == '\0') {
        fd = listen_on((struct sockaddr *)&v6, sizeof v6);
        if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
            fd = listen_on((struct sockaddr *)&v4, sizeof v4);
    } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
        fd = listen_on((struct sockaddr *)&v6, sizeof v6);
    } else if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
        fd = listen_on((struct sockaddr *)&v4, sizeof v4);
    } else {
        fd = -EINVAL; /* no name lookup: an address literal only */
    }
    if (fd < 0)
        rs_log("cannot listen on %s port %u: %s", host && host[0] ? host : "every interface", port,
               fd == -EINVAL ? "not an IP address (e.g. 127.0.0.1 or ::1)" : strerror(-fd));
    return fd;
}
