/* static_memfd.h — the memory cache's files in a sealed memfd (static_memfd.c). */
#ifndef RS_STATIC_MEMFD_H
#define RS_STATIC_MEMFD_H

#include "static/static.h"

/* Start-up, after the walk and before siblings are attached: moves every
 * loaded file of m into one sealed, read-only-mapped memfd (m->memfd).
 * When the kernel refuses a memfd the files stay inline (a message says
 * so) and 0 is returned; -1 only when memory runs out. */
int rs_static_memfd_adopt(rs_static_mount *m, const char *root);

#endif
