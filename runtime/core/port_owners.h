/* port_owners.h — listeners on our port that are not ours. */
#ifndef RS_PORT_OWNERS_H
#define RS_PORT_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The number of TCP sockets listening on port in this network namespace whose
 * inode is not one of own[0..n) (the reactors' listeners), from /proc/net/tcp
 * and /proc/net/tcp6; -ENOENT when neither can be read (no /proc).  Another
 * process that bound the port between rs_port_probe and the reactors' binds
 * shares the SO_REUSEPORT group with them: this finds it after the fact. */
int rs_port_foreign_listeners(uint16_t port, const ino_t *own, size_t n);

#endif
