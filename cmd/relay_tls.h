/* relay_tls: the relay's certificate reload on SIGHUP (relay_tls.c). */
#ifndef RELAY_TLS_H
#define RELAY_TLS_H

#include "lp_tls.h"

/*
 * relay_tls_reload loads cert and key (PEM) again into *live: new
 * connections get the new identity, connections already open keep the
 * credentials they started with (the old ones are kept until exit). A
 * pair that does not load is refused with an error log line and *live
 * stays as it was. cert NULL (a development identity) logs that there is
 * nothing to reload. Returns 0 when the new pair is in force.
 */
int relay_tls_reload(struct lp_tls_server *live, const char *cert,
                     const char *key);

#endif
