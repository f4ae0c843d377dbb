/*
 * lp_client: what the Linux and Windows clients (and the gateway) share
 * beyond the session: exit statuses and the reconnect backoff. Portable.
 */
#ifndef LP_CLIENT_H
#define LP_CLIENT_H

#include <stdint.h>

#include "lp_types.h"

/* Exit statuses (documented in the README). */
enum lp_exit {
    LP_EXIT_OK = 0,
    LP_EXIT_ERROR = 1,
    LP_EXIT_USAGE = 2,
    LP_EXIT_UNSUPPORTED = 3, /* no backend for this platform */
    LP_EXIT_RESOLVE = 4,     /* the relay name does not resolve */
    LP_EXIT_TLS = 5,         /* the relay's certificate was refused */
    LP_EXIT_DEVICE = 6,      /* the local device failed or is missing */
    LP_EXIT_REPLACED = 7,    /* the same identity joined again elsewhere */
    LP_EXIT_REJECT_BASE = 10 /* + enum lp_reject: rejected by the relay */
};

/* Backoff before reconnect attempt n (1-based): 0.5 s doubling to 30 s,
 * with +-25% jitter from rnd (any 32-bit value). Pure. */
lp_tstamp lp_client_backoff(unsigned attempt, uint32_t rnd);

/* The relay's disconnect reason when the same role and MAC joined again
 * from this address: a second instance with our identity. Reconnecting
 * would only replace it back, forever; the program stops instead. */
#define LP_REASON_REPLACED "replaced"
#define LP_REPLACED_MESSAGE                                                    \
    "another lanparty endpoint with this identity (MAC) joined the room "      \
    "from this network and replaced us; run one instance per identity "        \
    "file, or give each its own --virtual-mac"

#endif
