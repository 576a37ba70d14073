/* tls_bio.h — the BIO between OpenSSL and a connection's buffers (see
 * tls_conn.h): reads come from the stash, then from the lent receive
 * buffer; writes are appended to the output queue. */
#ifndef RS_TLS_BIO_H
#define RS_TLS_BIO_H

#include <openssl/bio.h>

struct rs_tls_conn;

/* A BIO reading and writing for t; NULL when out of memory. */
BIO *rs_tls_bio_new(struct rs_tls_conn *t);

#endif
