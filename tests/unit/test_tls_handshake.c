/* test_tls_handshake.c — the TLS stream layer's handshake against a real
 * OpenSSL client: TLS 1.2 and 1.3, ALPN in the listener's order, garbage
 * instead of a ClientHello, and certificate reload (a bad pair refused, a
 * good one used by new connections while old ones carry on). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_util.h"
#include "tls_pair.h"

static rs_chunk_pool pool;

static rs_tls_ctx *make_ctx(const rs_tls_proto *order, size_t n)
{
    char err[256] = "";
    rs_tls_ctx *ctx = rs_tls_ctx_new(FIXTURE_CERT, FIXTURE_KEY, order, n, err, sizeof err);
    if (!ctx)
        fprintf(stderr, "rs_tls_ctx_new: %s\n", err);
    return ctx;
}

/* Handshake, then one request and one response through the layer. */
static void round_trip(rs_tls_ctx *ctx, int max_version, const char *want_version)
{
    tls_pair p;
    tls_pair_open(&p, ctx, &pool, NULL, 0, max_version);
    CHECK(tls_pair_handshake(&p));
    CHECK_EQ_STR(rs_tls_version(p.server), want_version, "negotiated version");
    CHECK_EQ_STR(SSL_get_version(p.client), want_version, "client's version");

    const char req[] = "GET /json/1?m=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(SSL_write(p.client, req, sizeof req - 1) == (int)sizeof req - 1);
    plain_sink *s = calloc(1, sizeof *s);
    tls_pair_to_server(&p, step_read, s);
    CHECK_EQ_INT(p.last, RS_TLS_WANT_INPUT);
    CHECK_EQ_INT(s->len, sizeof req - 1);
    CHECK(memcmp(s->data, req, sizeof req - 1) == 0);

    const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    CHECK_EQ_INT(rs_tls_write(p.server, resp, sizeof resp - 1), RS_TLS_OK);
    tls_pair_to_client(&p);
    char got[256];
    size_t n = client_read_all(&p, got, sizeof got);
    CHECK_EQ_INT(n, sizeof resp - 1);
    CHECK(memcmp(got, resp, sizeof resp - 1) == 0);
    free(s);
    tls_pair_close(&p);
}

static void test_versions(void)
{
    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    rs_tls_ctx *ctx = make_ctx(&h1, 1);
    CHECK(ctx != NULL);
    round_trip(ctx, 0, "TLSv1.3");
    round_trip(ctx, TLS1_2_VERSION, "TLSv1.2");

    /* TLS 1.1 and older are refused. */
    tls_pair p;
    tls_pair_open(&p, ctx, &pool, NULL, 0, TLS1_1_VERSION);
    SSL_set_security_level(p.client, 0);
    SSL_set_min_proto_version(p.client, TLS1_VERSION);
    CHECK(!tls_pair_handshake(&p));
    CHECK(!rs_tls_handshake_done(p.server));
    tls_pair_close(&p);
    rs_tls_ctx_free(ctx);
}

/* Which protocol a client offering `alpn` gets: server side and client side agree. */
static rs_tls_proto negotiate(rs_tls_ctx *ctx, const char *alpn, size_t alpn_len)
{
    tls_pair p;
    tls_pair_open(&p, ctx, &pool, alpn, alpn_len, 0);
    rs_tls_proto got = (rs_tls_proto)-2;
    if (tls_pair_handshake(&p)) {
        got = rs_tls_alpn(p.server);
        const unsigned char *name;
        unsigned len;
        SSL_get0_alpn_selected(p.client, &name, &len);
        const char *want = rs_tls_proto_name(got);
        CHECK_EQ_INT(len, strlen(want));
        CHECK(len == 0 || memcmp(name, want, len) == 0);
    }
    tls_pair_close(&p);
    return got;
}

#define ALPN(s) s, sizeof s - 1

static void test_alpn(void)
{
    rs_tls_proto both[] = {RS_TLS_PROTO_H2, RS_TLS_PROTO_HTTP1};
    rs_tls_ctx *h2_first = make_ctx(both, 2);
    /* The listener's order wins over the client's. */
    CHECK_EQ_INT(negotiate(h2_first, ALPN("\x08http/1.1\x02h2")), RS_TLS_PROTO_H2);
    CHECK_EQ_INT(negotiate(h2_first, ALPN("\x02h2\x08http/1.1")), RS_TLS_PROTO_H2);
    CHECK_EQ_INT(negotiate(h2_first, ALPN("\x08http/1.1")), RS_TLS_PROTO_HTTP1);
    CHECK_EQ_INT(negotiate(h2_first, ALPN("\x02h2")), RS_TLS_PROTO_H2);
    /* No ALPN (wrk), or nothing we speak: the handshake succeeds without a protocol. */
    CHECK_EQ_INT(negotiate(h2_first, NULL, 0), RS_TLS_PROTO_NONE);
    CHECK_EQ_INT(negotiate(h2_first, ALPN("\x06spdy/3\x02h3")), RS_TLS_PROTO_NONE);
    rs_tls_ctx_free(h2_first);

    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    rs_tls_ctx *h1_only = make_ctx(&h1, 1);
    CHECK_EQ_INT(negotiate(h1_only, ALPN("\x02h2\x08http/1.1")), RS_TLS_PROTO_HTTP1);
    CHECK_EQ_INT(negotiate(h1_only, ALPN("\x02h2")), RS_TLS_PROTO_NONE);
    rs_tls_ctx_free(h1_only);

    rs_tls_proto h1_first[] = {RS_TLS_PROTO_HTTP1, RS_TLS_PROTO_H2};
    rs_tls_ctx *h1_pref = make_ctx(h1_first, 2);
    CHECK_EQ_INT(negotiate(h1_pref, ALPN("\x02h2\x08http/1.1")), RS_TLS_PROTO_HTTP1);
    rs_tls_ctx_free(h1_pref);
}

/* Plain HTTP or an SSH banner on a TLS port: a fatal result once the bogus
 * "record" is complete (OpenSSL spots an HTTP request at once; other bytes
 * are read as a record header whose length is then waited for, which the
 * handshake timeout bounds), and the next connection on the same context is
 * fine. */
static void test_garbage_client_hello(void)
{
    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    rs_tls_ctx *ctx = make_ctx(&h1, 1);
    static char ssh[20000];
    snprintf(ssh, sizeof ssh, "SSH-2.0-OpenSSH_9.2\r\n");
    for (size_t i = 22; i < sizeof ssh; i++)
        ssh[i] = (char)(i * 7919 % 251);
    struct {
        const char *bytes;
        size_t len;
    } inputs[] = {{"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 35},
                  {"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 10}, /* a ClientHello of nonsense */
                  {ssh, sizeof ssh}};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        rs_outq out = {0};
        rs_tls_conn *t = rs_tls_conn_new(ctx, &out, &pool);
        rs_tls_input(t, inputs[i].bytes, inputs[i].len);
        rs_tls_result r = rs_tls_handshake(t);
        CHECK(rs_tls_input_done(t));
        CHECK_EQ_INT(r, RS_TLS_ERROR);
        CHECK(rs_tls_error_reason(t)[0] != '\0');
        CHECK(!rs_tls_handshake_done(t));
        rs_tls_conn_free(t);
        rs_outq_clear(&out, &pool);
    }
    CHECK_EQ_INT(ERR_peek_error(), 0); /* nothing left for the next connection to trip on */
    round_trip(ctx, 0, "TLSv1.3");
    rs_tls_ctx_free(ctx);
}

/* The subject CN the client saw. */
static void peer_cn(tls_pair *p, char *cn, size_t len)
{
    X509 *cert = SSL_get1_peer_certificate(p->client);
    cn[0] = '\0';
    if (cert) {
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, (int)len);
        X509_free(cert);
    }
}

static void test_reload(void)
{
    char dir[] = "/tmp/rs_tls_reload_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cmd[1024], cert[128], key[128];
    snprintf(cert, sizeof cert, "%s/new.crt", dir);
    snprintf(key, sizeof key, "%s/new.key", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=reloaded -keyout %s -out %s "
             ">/dev/null 2>&1",
             key, cert);
    CHECK_EQ_INT(system(cmd), 0);

    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    rs_tls_ctx *ctx = make_ctx(&h1, 1);
    /* A connection mid-handshake when the reload happens. */
    tls_pair before;
    tls_pair_open(&before, ctx, &pool, NULL, 0, 0);

    char err[256] = "";
    CHECK_EQ_INT(rs_tls_ctx_reload(ctx, "/nonexistent/server.crt", key, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/server.crt") != NULL);
    err[0] = '\0';
    CHECK_EQ_INT(rs_tls_ctx_reload(ctx, cert, FIXTURE_KEY, err, sizeof err), -1); /* mismatched pair */
    CHECK(strstr(err, "mismatch") != NULL);
    char cn[64];
    tls_pair still_old;
    tls_pair_open(&still_old, ctx, &pool, NULL, 0, 0);
    CHECK(tls_pair_handshake(&still_old));
    peer_cn(&still_old, cn, sizeof cn);
    CHECK_EQ_STR(cn, "localhost", "after refused reloads the old pair serves");
    tls_pair_close(&still_old);

    CHECK_EQ_INT(rs_tls_ctx_reload(ctx, cert, key, err, sizeof err), 0);
    tls_pair after;
    tls_pair_open(&after, ctx, &pool, NULL, 0, 0);
    CHECK(tls_pair_handshake(&after));
    peer_cn(&after, cn, sizeof cn);
    CHECK_EQ_STR(cn, "reloaded", "new connections get the new pair");
    tls_pair_close(&after);

    CHECK(tls_pair_handshake(&before));
    peer_cn(&before, cn, sizeof cn);
    CHECK_EQ_STR(cn, "localhost", "a connection accepted before the reload keeps its pair");
    tls_pair_close(&before);
    rs_tls_ctx_free(ctx);

    unlink(cert);
    unlink(key);
    rmdir(dir);
}

static void test_missing_files(void)
{
    rs_tls_proto h1 = RS_TLS_PROTO_HTTP1;
    char err[256] = "";
    CHECK(rs_tls_ctx_new("/nonexistent/a.crt", FIXTURE_KEY, &h1, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "certificate /nonexistent/a.crt") != NULL);
    CHECK(rs_tls_ctx_new(FIXTURE_CERT, "/nonexistent/a.key", &h1, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "key /nonexistent/a.key") != NULL);
}

int main(void)
{
    rs_chunk_pool_init(&pool, 4096, 32768, 8, 4);
    test_versions();
    test_alpn();
    test_garbage_client_hello();
    test_reload();
    test_missing_files();
    rs_chunk_pool_destroy(&pool);
    return tu_summary("tls_handshake");
}
