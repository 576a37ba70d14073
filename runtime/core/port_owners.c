/* port_owners.c — listeners on our port that are not ours, from /proc/net/tcp{,6}.
 *
 * Each line of those files is one socket: "sl: local_addr:port rem_addr:port st ...
 * uid timeout inode ...", ports and state in hex; state 0A is LISTEN.  A socket's
 * inode is what fstat reports as st_ino of its descriptor, so comparing inodes
 * tells our listeners from another process's. */
#include "core/port_owners.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#define TCP_LISTEN_STATE 0x0A

static bool is_own(unsigned long inode, const ino_t *own, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (own[i] == (ino_t)inode)
            return true;
    return false;
}

/* Foreign listeners on port in one table, or -ENOENT if it cannot be opened. */
static int count_in(const char *table, uint16_t port, const ino_t *own, size_t n)
{
    FILE *f = fopen(table, "re");
    if (!f)
        return -ENOENT;
    char line[512];
    int foreign = 0;
    if (fgets(line, sizeof line, f)) { /* the column header */
        while (fgets(line, sizeof line, f)) {
            unsigned local_port, state;
            unsigned long inode;
            if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
                       &local_port, &state, &inode) != 3)
                continue;
            if (state == TCP_LISTEN_STATE && local_port == port && inode != 0 && !is_own(inode, own, n))
                foreign++;
        }
    }
    fclose(f);
    return foreign;
}

int rs_port_foreign_listeners(uint16_t port, const ino_t *own, size_t n)
{
    int v6 = count_in("/proc/net/tcp6", port, own, n);
    int v4 = count_in("/proc/net/tcp", port, own, n);
    if (v6 < 0 && v4 < 0)
        return -ENOENT;
    return (v6 > 0 ? v6 : 0) + (v4 > 0 ? v4 : 0);
}
