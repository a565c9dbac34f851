#include "ctx.h"

SSL_CTX *membio_ctx_new(int method, membio_err *e)
{
    const SSL_METHOD *m;
    SSL_CTX *ctx;

    membio_err_begin(e);
    switch (method) {
    case MEMBIO_METHOD_TLS_CLIENT:
        m = TLS_client_method();
        break;
    case MEMBIO_METHOD_TLS_SERVER:
        m = TLS_server_method();
        break;
    default:
        m = TLS_method();
        break;
    }
    ctx = SSL_CTX_new(m);
    membio_err_end(e, ctx != NULL);
    return ctx;
}

void membio_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}
