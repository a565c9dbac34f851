#ifndef MEMBIO_CTX_H
#define MEMBIO_CTX_H
#include "shim.h"

/* Methods for membio_ctx_new. */
enum {
    MEMBIO_METHOD_TLS = 0,        /* TLS_method() */
    MEMBIO_METHOD_TLS_CLIENT = 1, /* TLS_client_method() */
    MEMBIO_METHOD_TLS_SERVER = 2  /* TLS_server_method() */
};

SSL_CTX *membio_ctx_new(int method, membio_err *e);
void membio_ctx_free(SSL_CTX *ctx);

#endif
