/* reactor.c — ring setup and the event loop: drain every CQE of a batch,
 * then flush (sends, re-arms, teardown steps), expire timers, and make one
 * bounded submit_and_wait. */
#include "core/reactor.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/conn_lifecycle.h"
#include "core/date_cache.h"
#include "core/layer_hooks.h"
#include "core/listener.h"
#include "core/log.h"
#include "core/proto.h"
#include "core/stats.h"

#define RS_SQ_ENTRIES 4096
#define RS_CQ_ENTRIES 32768
#define RS_BUFFER_GROUP 0
#define RS_MAX_WAIT_MS 1000
#define RS_ACCEPT_RETRY_MS 100
#define RS_STOP_GRACE_MS 5000
/* io-wq threads per ring for work that can block for ever (socket sends).
 * Accepted sockets are blocking (see arm_accept), so a ring send the kernel
 * cannot finish without waiting moves to an io-wq worker that sleeps in it
 * until the peer reads.  A peer that half-closed makes that the rule rather
 * than the exception: its EPOLLRDHUP wakes the send's internal poll at once,
 * the retry finds the buffer still full, and the send goes to a worker.
 * Unbounded by default (RLIMIT_NPROC), so 500 half-closed clients that do
 * not read meant 500 kernel threads.  Past the cap such sends queue in
 * io-wq behind the sleeping ones until the write timeout cancels those;
 * sends that complete at once (every healthy client) never touch io-wq. */
#define RS_IOWQ_MAX_UNBOUNDED 8

static uint32_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* Newest flags first; each fallback drops what an older kernel refuses. */
static int setup_ring(rs_reactor *r)
{
    static const unsigned flag_sets[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int ret = -EINVAL;
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = flag_sets[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = RS_CQ_ENTRIES;
        ret = io_uring_queue_init_params(RS_SQ_ENTRIES, &r->ring, &p);
        if (ret == 0) {
            if (!(p.features & IORING_FEAT_NODROP))
                rs_log("warning: kernel may drop completions on CQ overflow");
            if (i > 0)
                rs_log("io_uring: fell back to setup flags %#x", flag_sets[i]);
            break;
        }
    }
    if (ret < 0)
        return ret;
    r->ring_ready = true;
    io_uring_register_ring_fd(&r->ring); /* an optimisation only */
    /* [0] bounded (regular-file reads): the kernel's default, already
     * bounded by the CPU count; [1] unbounded: capped. */
    unsigned iowq_max[2] = {0, RS_IOWQ_MAX_UNBOUNDED};
    ret = io_uring_register_iowq_max_workers(&r->ring, iowq_max);
    if (ret < 0) /* pre-5.15 kernel: io-wq threads are not capped */
        rs_log("warning: io-wq worker cap not set: %s", strerror(-ret));
    return 0;
}

/* io_uring_setup refused outright: a container runtime's default seccomp profile
 * (Docker, Podman) answers ENOSYS or EPERM for it, as does the host's sysctl
 * kernel.io_uring_disabled.  Says what to do, once for all reactors. */
static void explain_blocked_io_uring(int ret)
{
    static atomic_flag told = ATOMIC_FLAG_INIT;
    if ((ret == -ENOSYS || ret == -EPERM) && !atomic_flag_test_and_set(&told))
        rs_log("io_uring is blocked here: in a container, run it with --security-opt seccomp=unconfined "
               "(Docker, Podman: their default seccomp profile blocks io_uring); on a host, check sysctl "
               "kernel.io_uring_disabled (must be 0)");
}

static int probe_ops(rs_reactor *r)
{
    static const int needed[] = {IORING_OP_ACCEPT,   IORING_OP_RECV,         IORING_OP_SEND,
                                 IORING_OP_SHUTDOWN, IORING_OP_ASYNC_CANCEL, IORING_OP_CLOSE,
                                 IORING_OP_POLL_ADD, IORING_OP_SENDMSG,      IORING_OP_READ};
    struct io_uring_probe *probe = io_uring_get_probe_ring(&r->ring);
    if (!probe)
        return -ENOSYS;
    int ret = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        if (!io_uring_opcode_supported(probe, needed[i])) {
            rs_log("io_uring: opcode %d not supported by this kernel", needed[i]);
            ret = -ENOSYS;
        }
    }
    io_uring_free_probe(probe);
    return ret;
}

int rs_reactor_init(rs_reactor *r, int index, int cpu, int stop_fd, int report_fd,
                    const rs_server_options *opt)
{
    memset(r, 0, sizeof *r);
    r->index = index;
    r->cpu = cpu;
    r->opt = opt;
    r->stop_fd = stop_fd;
    r->report_fd = report_fd;
    for (unsigned i = 0; i < RS_MAX_LISTENERS; i++)
        r->listen_fd[i] = -1;
    r->dirty_head = RS_NIL;
    r->multishot_recv = true;
    r->recv_budget = true;
    r->multishot_accept = true;
    r->sendfile = true;
    r->http1_limits = (rs_http1_limits){
        .max_target = opt->limits.max_target,
        .max_head = opt->limits.max_head,
        .max_headers = opt->limits.max_headers,
    };

    int ret = setup_ring(r);
    if (ret < 0) {
        rs_log("io_uring setup failed: %s", strerror(-ret));
        explain_blocked_io_uring(ret);
        return ret;
    }
    if ((ret = probe_ops(r)) < 0)
        return ret;
    ret = rs_bufring_init(&r->ring, &r->bufs, opt->recv_buffers, opt->recv_buffer_size, RS_BUFFER_GROUP);
    if (ret < 0) {
        rs_log("provided buffer ring (%u x %u bytes) failed: %s", opt->recv_buffers, opt->recv_buffer_size,
               strerror(-ret));
        return ret;
    }
    if (rs_conn_table_init(&r->conns, opt->max_connections) < 0) {
        rs_log("cannot reserve %u connection slots", opt->max_connections);
        return -ENOMEM;
    }
    /* A small chunk holds a 16-deep pipeline of small responses (one send);
     * a large one a full JSON listing.  Sizes include the chunk header so
     * each is one malloc size class. */
    rs_chunk_pool_init(&r->pool, 2048 - sizeof(rs_chunk), 16384 - sizeof(rs_chunk), 256, 16);
    rs_chunk_pool_init(&r->refs, 0, 0, 4096, 0);
    rs_chunk_pool_init(&r->file_chunks, 32768 - sizeof(rs_chunk), 32768 - sizeof(rs_chunk), 64, 0);
    /* Owned output chunks count against the budget; references own nothing. */
    rs_budget_init(&r->budget, opt->limits.buffered);
    r->pool.budget = &r->budget;
    r->file_chunks.budget = &r->budget;
    /* Anonymous mmap: only the slots that send gathered output touch pages. */
    size_t sendv_bytes = (size_t)opt->max_connections * sizeof(rs_send_vec);
    void *sendv = mmap(NULL, sendv_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sendv == MAP_FAILED)
        return -ENOMEM;
    r->sendv = sendv;
    void *tls = mmap(NULL, (size_t)opt->max_connections * sizeof *r->tls, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (tls == MAP_FAILED)
        return -errno;
    r->tls = tls;
    for (const rs_service_hooks *const *s = rs_services; *s; s++)
        if ((*s)->init && (ret = (*s)->init(r)) < 0)
            return ret;
    if (rs_log_ring_init(&r->access_log, opt->access_log_fd) < 0)
        return -ENOMEM;
    rs_timers_init(&r->timers);
    r->timers.duration_ms[RS_TIMER_HEADER] = opt->timeouts.header;
    r->timers.duration_ms[RS_TIMER_BODY] = opt->timeouts.body;
    r->timers.duration_ms[RS_TIMER_IDLE] = opt->timeouts.idle;
    r->timers.duration_ms[RS_TIMER_WRITE] = opt->timeouts.write;
    r->timers.duration_ms[RS_TIMER_HANDSHAKE] = opt->timeouts.handshake;
    r->timers.duration_ms[RS_TIMER_LINGER] = RS_LINGER_MS;

    for (unsigned i = 0; i < opt->listener_count; i++) {
        if (opt->disabled & (1u << i))
            continue;
        r->listen_fd[i] = rs_listen(opt->host, opt->listeners[i].port);
        if (r->listen_fd[i] < 0)
            return r->listen_fd[i];
    }
    return 0;
}

void rs_reactor_destroy(rs_reactor *r)
{
    for (unsigned i = 0; i < RS_MAX_LISTENERS; i++)
        if (r->listen_fd[i] >= 0)
            close(r->listen_fd[i]);
    rs_bufring_destroy(r->ring_ready ? &r->ring : NULL, &r->bufs);
    rs_conn_table_destroy(&r->conns);
    rs_chunk_pool_destroy(&r->pool);
    rs_chunk_pool_destroy(&r->refs);
    rs_chunk_pool_destroy(&r->file_chunks);
    if (r->sendv)
        munmap(r->sendv, (size_t)r->opt->max_connections * sizeof(rs_send_vec));
    if (r->tls)
        munmap(r->tls, (size_t)r->opt->max_connections * sizeof *r->tls);
    rs_log_ring_destroy(&r->access_log);
    if (r->ring_ready)
        io_uring_queue_exit(&r->ring);
    r->ring_ready = false;
    /* After the ring: no operation refers to what the services hold any more. */
    size_t n = 0;
    while (rs_services[n])
        n++;
    while (n-- > 0)
        if (rs_services[n]->destroy)
            rs_services[n]->destroy(r);
}

/* The accept of listener i carries i where a connection op has its slot. */
static void arm_accept(rs_reactor *r, unsigned i)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    /* Blocking sockets: the ring never blocks on them (it tries without
     * waiting, then polls), and a send it hands to an io-wq worker waits
     * there for room instead of completing with -EAGAIN.  Measured with 10
     * clients pipelining 1500 /json/50 at mixed read speeds: non-blocking
     * sockets gave ~34,000 -EAGAIN send completions and 4.8 s of server CPU,
     * blocking ones none and 0.2 s.  send_direct.c makes a socket
     * non-blocking before its first sendfile (called from the loop).
     * On the hot path the two measured alike (gcannon, one core, 256
     * connections, 3 runs, three sessions; blocking / non-blocking rps per
     * CPU-second): baseline 122k/122k, 123k/137k, 139k/152k; pipelined
     * 1.37M/1.45M, 1.62M/1.56M, 1.54M/1.61M; no io-wq thread in any run.
     * The differences change sign and stay within this VM's noise. */
    if (r->multishot_accept)
        io_uring_prep_multishot_accept(sqe, r->listen_fd[i], NULL, NULL, 0);
    else
        io_uring_prep_accept(sqe, r->listen_fd[i], NULL, NULL, 0);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_ACCEPT, 0, i));
    r->accept_armed |= (uint16_t)(1u << i);
}

/* Every listener whose accept is not armed. */
static void arm_accepts(rs_reactor *r)
{
    for (unsigned i = 0; i < r->opt->listener_count; i++)
        if (!(r->accept_armed & (1u << i)) && !(r->opt->disabled & (1u << i)))
            arm_accept(r, i);
}

static void arm_stop_poll(rs_reactor *r)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_poll_add(sqe, r->stop_fd, POLLIN);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_STOP, 0, 0));
}

/* SIGUSR1 reaches the main thread only; it writes each reactor's eventfd and
 * the reactor prints its own counters here, between CQEs, so nothing is
 * printed from a signal handler and no counter is read by another thread. */
static void arm_report_poll(rs_reactor *r)
{
    struct io_uring_sqe *sqe = rs_get_sqe(r);
    io_uring_prep_poll_add(sqe, r->report_fd, POLLIN);
    io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_REPORT, 0, 0));
}

static void on_report(rs_reactor *r, const struct io_uring_cqe *cqe)
{
    uint64_t count;
    /* Non-blocking eventfd: the read only resets the counter (several
     * signals before we ran print one line). */
    if (cqe->res >= 0 && read(r->report_fd, &count, sizeof count) == (ssize_t)sizeof count)
        rs_stats_print(r);
    if (cqe->res != -ECANCELED)
        arm_report_poll(r);
}

static void on_accept(rs_reactor *r, const struct io_uring_cqe *cqe)
{
    unsigned i = (unsigned)(cqe->user_data >> 32);
    if (i >= r->opt->listener_count)
        return;
    if (!(cqe->flags & IORING_CQE_F_MORE))
        r->accept_armed &= (uint16_t) ~(1u << i);
    if (cqe->res < 0) {
        if (cqe->res == -EINVAL && r->multishot_accept) {
            r->multishot_accept = false; /* pre-5.19 kernel: one accept per SQE */
        } else if (cqe->res != -ECANCELED) {
            r->stats.accept_errors++;
            rs_log_ratelimited(&r->log_accept_second, "accept: %s", strerror(-cqe->res));
            /* EMFILE and friends persist: retry later instead of spinning. */
            if (!(r->accept_armed & (1u << i)))
                r->accept_retry_ms = r->now_ms + RS_ACCEPT_RETRY_MS;
            return;
        }
    } else {
        rs_conn_accepted(r, cqe->res, r->opt->listeners[i].protocols, r->opt->tls[i]);
    }
    if (!(r->accept_armed & (1u << i)) && !r->stopping && !r->accept_retry_ms)
        arm_accept(r, i);
}

static void begin_stop(rs_reactor *r)
{
    r->stopping = true;
    /* In-flight requests get to finish, but a stop must not outlast the
     * few seconds a container runtime waits before killing us. */
    uint32_t grace = r->opt->timeouts.body + r->opt->timeouts.write;
    r->stop_deadline_ms = r->now_ms + (grace < RS_STOP_GRACE_MS ? grace : RS_STOP_GRACE_MS);
    for (unsigned i = 0; i < r->opt->listener_count; i++) {
        if (!(r->accept_armed & (1u << i)))
            continue;
        struct io_uring_sqe *sqe = rs_get_sqe(r);
        io_uring_prep_cancel64(sqe, rs_user_data(RS_OP_ACCEPT, 0, i), 0);
        io_uring_sqe_set_data64(sqe, rs_user_data(RS_OP_CANCEL, 0, 0));
    }
    for (uint32_t i = 0; i < r->conns.high_water; i++) {
        rs_conn *c = &r->conns.slots[i];
        if (c->state == RS_CONN_OPEN)
            rs_proto_of(c)->on_stop(r, c);
    }
}

static void handle_cqe(rs_reactor *r, const struct io_uring_cqe *cqe)
{
    uint64_t ud = cqe->user_data;
    rs_op op = (rs_op)(ud & 0xFF);
    switch (op) {
    case RS_OP_ACCEPT:
        on_accept(r, cqe);
        return;
    case RS_OP_STOP:
        if (!r->stopping)
            begin_stop(r);
        return;
    case RS_OP_REPORT:
        on_report(r, cqe);
        return;
    case RS_OP_CANCEL:
        return;
    case RS_OP_LOG_WRITE:
        rs_log_ring_written(r, &r->access_log, cqe->res);
        return;
    default:
        break;
    }
    uint32_t slot = (uint32_t)(ud >> 32);
    uint32_t gen = (uint32_t)(ud >> 8) & 0xFFFFFF;
    if (op == RS_OP_DB_POLL || op == RS_OP_DB_POLLOUT) {
        for (const rs_service_hooks *const *s = rs_services; *s; s++)
            if ((*s)->on_poll)
                (*s)->on_poll(r, op, slot, gen, cqe->res);
        return;
    }
    rs_conn *c = slot < r->conns.high_water ? &r->conns.slots[slot] : NULL;
    if (!c || c->state == RS_CONN_FREE || c->gen != gen) {
        /* Defensive: slots are recycled only with nothing in flight, so this
         * should never happen; if it does, the completion must not touch the
         * slot's new tenant, but a buffer it carries still goes back. */
        r->stats.stale_cqes++;
        if (cqe->flags & IORING_CQE_F_BUFFER)
            rs_bufring_recycle(&r->bufs, (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
        return;
    }
    rs_conn_complete(r, c, op, cqe);
}

static void flush_dirty(rs_reactor *r)
{
    /* Buffers recycled during the batch go back before anything re-arms. */
    rs_bufring_publish(&r->bufs);
    while (r->dirty_head != RS_NIL) {
        rs_conn *c = &r->conns.slots[r->dirty_head];
        r->dirty_head = c->dirty_next;
        c->dirty_next = RS_NIL;
        c->flags &= (uint16_t)~RS_CF_DIRTY;
        rs_conn_advance(r, c);
    }
}

static void expire_timers(rs_reactor *r)
{
    rs_conn *c;
    while ((c = rs_timer_expired(&r->timers, &r->conns, r->now_ms)) != NULL) {
        rs_timer_kind kind = (rs_timer_kind)c->timer_kind;
        rs_timer_cancel(&r->timers, &r->conns, c);
        r->stats.timeouts[kind]++;
        rs_conn_timeout(r, c, kind);
    }
    if (r->accept_retry_ms && (int32_t)(r->now_ms - r->accept_retry_ms) >= 0) {
        r->accept_retry_ms = 0;
        if (!r->stopping)
            arm_accepts(r);
    }
    if (r->stopping && (int32_t)(r->now_ms - r->stop_deadline_ms) >= 0) {
        for (uint32_t i = 0; i < r->conns.high_water; i++) {
            rs_conn *s = &r->conns.slots[i];
            if (s->state != RS_CONN_FREE && s->state != RS_CONN_CLOSING)
                rs_conn_abort(r, s);
        }
    }
}

int rs_reactor_run(rs_reactor *r)
{
    r->now_ms = clock_ms();
    rs_date_refresh(time(NULL));
    arm_accepts(r);
    arm_stop_poll(r);
    arm_report_poll(r);
    for (const rs_service_hooks *const *s = rs_services; *s; s++) {
        int ret = (*s)->start ? (*s)->start(r) : 0;
        if (ret < 0)
            return ret;
    }
    uint32_t log_drain_until = 0; /* when stopping: how long the access log may still take */
    for (;;) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&r->ring, head, cqe)
        {
            handle_cqe(r, cqe);
            seen++;
        }
        io_uring_cq_advance(&r->ring, seen);

        r->now_ms = clock_ms();
        rs_date_refresh(time(NULL));
        expire_timers(r);
        for (const rs_service_hooks *const *s = rs_services; *s; s++)
            if ((*s)->tick)
                (*s)->tick(r);
        flush_dirty(r);
        /* e.g. statements parked during the batch go out in one sync per database connection */
        for (const rs_service_hooks *const *s = rs_services; *s; s++)
            if ((*s)->flushed)
                (*s)->flushed(r);
        rs_log_ring_flush(r, &r->access_log); /* the batch's access log lines, in one write */
        if (r->stopping && r->conns.in_use == 0 && !r->accept_armed) {
            /* The last requests' log lines (just flushed, so their write is only
             * prepared) go out before the worker ends, unless the destination
             * takes none for RS_LOG_DRAIN_MS. */
            if (!rs_log_ring_pending(&r->access_log))
                break;
            if (!log_drain_until)
                log_drain_until = r->now_ms + RS_LOG_DRAIN_MS;
            else if ((int32_t)(r->now_ms - log_drain_until) >= 0) {
                rs_log_ring_abandon(&r->access_log);
                break;
            }
        }

        uint32_t wait_ms = rs_timer_next_wait(&r->timers, &r->conns, r->now_ms, RS_MAX_WAIT_MS);
        if (r->accept_retry_ms && wait_ms > RS_ACCEPT_RETRY_MS)
            wait_ms = RS_ACCEPT_RETRY_MS;
        for (const rs_service_hooks *const *s = rs_services; *s; s++)
            if ((*s)->next_wait)
                wait_ms = (*s)->next_wait(r, wait_ms);
        struct __kernel_timespec ts = {.tv_sec = wait_ms / 1000,
                                       .tv_nsec = (long long)(wait_ms % 1000) * 1000000};
        int ret = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts, NULL);
        if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
            rs_log("io_uring_submit_and_wait: %s", strerror(-ret));
            return ret;
        }
    }
    return 0;
}
