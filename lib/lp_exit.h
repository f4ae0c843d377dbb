/*
 * lp_exit.h: the documented exit statuses of every lanparty program (the
 * README lists them). The relay uses 0, 1, 2 and 5; the endpoints stop
 * with 7, 8 and 10 + n only after a final answer (spec section 10).
 */
#ifndef LP_EXIT_H
#define LP_EXIT_H

enum lp_exit {
    LP_EXIT_OK = 0,
    LP_EXIT_ERROR = 1,
    LP_EXIT_USAGE = 2,
    LP_EXIT_UNSUPPORTED = 3, /* no backend for this platform */
    LP_EXIT_RESOLVE = 4,     /* the relay name does not resolve */
    LP_EXIT_TLS = 5,         /* the relay's certificate was refused */
    LP_EXIT_DEVICE = 6,      /* the local device failed or is missing */
    LP_EXIT_REPLACED = 7,    /* the same identity joined again elsewhere */
    LP_EXIT_REVOKED = 8,     /* the organiser revoked our invite */
    LP_EXIT_REJECT_BASE = 10 /* + enum lp_reject: rejected by the relay */
};

#endif /* LP_EXIT_H */
