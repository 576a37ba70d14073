/* listener.h — one listening socket per reactor (SO_REUSEPORT), so the
 * kernel spreads new connections across reactors with no handoff. */
#ifndef RS_LISTENER_H
#define RS_LISTENER_H

#include <stdint.h>

/* Dual-stack [::]:port (IPv4 clients arrive as mapped addresses), falling
 * back to 0.0.0.0:port where IPv6 is unavailable.  Returns fd or -errno. */
int rs_listen(uint16_t port);

/* 0 when nothing listens on port yet: a plain bind (SO_REUSEADDR, so connections
 * in TIME_WAIT do not count, but no SO_REUSEPORT) fails with -EADDRINUSE against
 * any listener, where joining the SO_REUSEPORT group of another process of the
 * same user would succeed and silently take part of its traffic.  Checked once
 * before the reactors bind; rs_port_foreign_listeners closes the window between. */
int rs_port_probe(uint16_t port);

#endif
