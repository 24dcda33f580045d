/*
 * http_ceiling.c - the HTTP ceiling for `make bench`: a libmicrohttpd server
 * started with the same daemon options as ombud's (src/http/server.c) that
 * answers every request with one JSON body held in memory (a complaint as
 * `GET /v1/complaints/{no}` returned it), with the headers ombud's fetch
 * answer carries.  No routing, no token, no store: what is left is the cost
 * of the HTTP library and the kernel, the most any route could reach.
 * Usage: http_ceiling BODY_FILE [THREADS]  (THREADS 0 or none: cores + 1, as ombud)
 * Prints "listening on http://127.0.0.1:PORT" and serves until SIGTERM/SIGINT.
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)

static char body[MAX_BODY];
static size_t body_len;
static atomic_ullong next_request;

/* Two calls per request, as in ombud: the first only sees the headers. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    static int seen;
    if (!*con_cls) {
        *con_cls = &seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    char id[24];
    snprintf(id, sizeof id, "%llx", (unsigned long long)atomic_fetch_add(&next_request, 1));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(resp, "X-Request-Id", id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int read_body(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    body_len = fread(body, 1, sizeof body, f);
    int bad = ferror(f) || body_len == 0 || body_len == sizeof body;
    fclose(f);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: http_ceiling BODY_FILE [THREADS]\n");
        return 2;
    }
    if (read_body(argv[1]) != 0) {
        fprintf(stderr, "http_ceiling: cannot read a body of 1 byte to 1 MiB from %s\n", argv[1]);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 ? (unsigned)cores + 1 : 3;
    if (argc > 2) {
        char *end;
        unsigned long t = strtoul(argv[2], &end, 10);
        if (end == argv[2] || *end || t > 256) {
            fprintf(stderr, "http_ceiling: THREADS must be 0 (cores + 1) to 256\n");
            return 2;
        }
        if (t > 0)
            threads = (unsigned)t;
    }

    /* The socket is bound here, as ombud binds its own. */
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1024) != 0) {
        fprintf(stderr, "http_ceiling: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (getsockname(lfd, (struct sockaddr *)&bound, &blen) != 0) {
        fprintf(stderr, "http_ceiling: getsockname: %s\n", strerror(errno));
        return 1;
    }
    /* Blocked before the library's threads start, so that they inherit the
     * mask and the signal reaches sigwait below. */
    sigset_t quit;
    sigemptyset(&quit);
    sigaddset(&quit, SIGTERM);
    sigaddset(&quit, SIGINT);
    pthread_sigmask(SIG_BLOCK, &quit, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, NULL, MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_ceiling: cannot start the daemon\n");
        return 1;
    }
    printf("listening on http://127.0.0.1:%d (%u threads, %zu-byte body)\n", ntohs(bound.sin_port),
           threads, body_len);
    fflush(stdout);
    int sig;
    sigwait(&quit, &sig);
    MHD_stop_daemon(d);
    return 0;
}
