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

#endif
