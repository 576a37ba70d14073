/* listener.h — one listening socket per reactor (SO_REUSEPORT), so the
 * kernel spreads new connections across reactors with no handoff. */
#ifndef RS_LISTENER_H
#define RS_LISTENER_H

#include <stdint.h>

/* Dual-stack [::]:port (IPv4 clients arrive as mapped addresses), falling
 * back to 0.0.0.0:port where IPv6 is unavailable.  Returns fd or -errno. */
int rs_listen(uint16_t port);

#endif
