/* listener.h — one listening socket per reactor (SO_REUSEPORT), so the
 * kernel spreads new connections across reactors with no handoff. */
#ifndef RS_LISTENER_H
#define RS_LISTENER_H

#include <stdint.h>

/* host "" (every interface): dual-stack [::]:port (IPv4 clients arrive as
 * mapped addresses), falling back to 0.0.0.0:port where IPv6 is unavailable.
 * Otherwise host is an IPv4 or IPv6 address literal, bound as given ("::"
 * stays dual-stack, "0.0.0.0" is IPv4 only).  Returns fd or -errno (-EINVAL:
 * not an address). */
int rs_listen(const char *host, uint16_t port);

/* 0 when nothing listens on host:port yet: a plain bind (SO_REUSEADDR, so connections
 * in TIME_WAIT do not count, but no SO_REUSEPORT) fails with -EADDRINUSE against
 * any listener, where joining the SO_REUSEPORT group of another process of the
 * same user would succeed and silently take part of its traffic.  Checked once
 * before the reactors bind; rs_port_foreign_listeners closes the window between. */
int rs_port_probe(const char *host, uint16_t port);

#endif
