/* test_port_owners.c — rs_port_foreign_listeners (runtime/core/port_owners.c) on real
 * sockets: listeners that joined our SO_REUSEPORT group, on the IPv4 or IPv6
 * wildcard or a loopback address, count as foreign unless their inode is ours;
 * bound but not listening sockets, and other ports, do not count. */
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/port_owners.h"
#include "test_util.h"

/* A socket in the port's SO_REUSEPORT group bound to addr (port taken from it),
 * listening if asked; returns fd. */
static int group_socket(int family, const void *addr, socklen_t len, int do_listen)
{
    int fd = socket(family, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, addr, len) < 0 || (do_listen && listen(fd, 16) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static ino_t inode_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

int main(void)
{
    /* ours: dual-stack [::] on a port the kernel picks */
    struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any};
    int ours = group_socket(AF_INET6, &any6, sizeof any6, 1);
    CHECK(ours >= 0);
    socklen_t len = sizeof any6;
    getsockname(ours, (struct sockaddr *)&any6, &len);
    uint16_t port = ntohs(any6.sin6_port);
    ino_t own[2] = {inode_of(ours), 0};

    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 1), 0);

    /* a second listener of ours (a second reactor) is not foreign */
    int second = group_socket(AF_INET6, &any6, sizeof any6, 1);
    CHECK(second >= 0);
    own[1] = inode_of(second);
    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 2), 0);
    /* ... but counts when it is not in the list */
    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 1), 1);

    /* another IPv4 wildcard listener in the group, and one on loopback */
    struct sockaddr_in any4 = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    int v4 = group_socket(AF_INET, &any4, sizeof any4, 1);
    CHECK(v4 >= 0);
    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 2), 1);
    struct sockaddr_in lo4 = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int lo = group_socket(AF_INET, &lo4, sizeof lo4, 1);
    CHECK(lo >= 0);
    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 2), 2);

    /* bound without listening: takes no connections, not counted */
    struct sockaddr_in6 lo6 = {
        .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_loopback};
    int idle = group_socket(AF_INET6, &lo6, sizeof lo6, 0);
    CHECK(idle >= 0);
    CHECK_EQ_INT(rs_port_foreign_listeners(port, own, 2), 2);

    /* a different port: none of these */
    CHECK_EQ_INT(rs_port_foreign_listeners((uint16_t)(port ^ 1), own, 2), 0);

    close(idle);
    close(lo);
    close(v4);
    close(second);
    close(ours);
    return tu_summary("port_owners");
}
