/*
 * lanparty-relay room ... / invite ...: the organiser's commands. They edit
 * the closed relay's room list file (lib/lp_roomlist: only SHA-256 hashes
 * of tokens are stored) atomically and owner-only, and print invite links
 * (lib/lp_link, spec section 9) once, when a credential is created: the
 * file cannot show a token again. The running relay picks the change up on
 * SIGHUP.
 *
 *   room create ROOM         a room, its gateway link and a players' link
 *   room delete ROOM
 *   room list
 *   invite add ROOM LABEL    a named player link (--gateway: the gateway's)
 *   invite revoke ROOM LABEL
 *   invite list ROOM
 *
 * Links need --public HOST[:PORT] (the address players reach) and the pin:
 * --cert FILE --key FILE (the relay's), or --pin sha256:... as the relay
 * prints it at start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "lp_b64.h"
#include "lp_endpoint.h"
#include "lp_err.h"
#include "lp_exit.h"
#include "lp_file.h"
#include "lp_link.h"
#include "lp_roomlist.h"
#include "lp_tls.h"
#include "relay_admin.h"

#define PROG "lanparty-relay"

/* 24 random bytes: 192 bits, 32 base64url characters. */
#define TOKEN_BYTES 24

struct admin {
    const char *rooms, *public_addr, *cert, *key, *pin;
    int gateway;
    struct lp_roomlist rl;
    uint8_t pin_hash[32];
    int have_pin;
    struct lp_endpoint pub;
};

static void admin_usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG
            " room create|delete ROOM --rooms FILE [link options]\n"
            "       " PROG " room list --rooms FILE\n"
            "       " PROG " invite add ROOM LABEL [--gateway] --rooms FILE "
            "[link options]\n"
            "       " PROG " invite revoke ROOM LABEL --rooms FILE\n"
            "       " PROG " invite list ROOM --rooms FILE\n"
            "link options: --public HOST[:PORT] and either --cert FILE --key "
            "FILE\n"
            "              or --pin sha256:... (printed by the relay at "
            "start)\n"
            "The running relay applies changes on SIGHUP (kill -HUP, or "
            "systemctl reload).\n");
}

static int admin_load(struct admin *a)
{
    char err[300], *text = NULL;
    size_t len = 0;
    int rv = lp_file_read(a->rooms, LP_ROOMLIST_SIZE_MAX, &text, &len, err,
                          sizeof(err));

    memset(&a->rl, 0, sizeof(a->rl));
    if (rv == LP_ERR_IO && access(a->rooms, F_OK) != 0)
        return 0; /* a new file */
    if (rv != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return LP_EXIT_ERROR;
    }
    rv = lp_roomlist_parse(&a->rl, text, len, err, sizeof(err));
    free(text);
    if (rv != 0) {
        fprintf(stderr, PROG ": %s: %s\n", a->rooms, err);
        return LP_EXIT_ERROR;
    }
    return 0;
}

static int admin_save(struct admin *a)
{
    char err[300], *text = NULL;
    size_t len = 0;
    int rv;

    if (lp_roomlist_format(&a->rl, &text, &len) != 0) {
        fprintf(stderr, PROG ": cannot write the room list\n");
        return LP_EXIT_ERROR;
    }
    rv = lp_file_write_atomic(a->rooms, text, len, 1, err, sizeof(err));
    free(text);
    if (rv != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return LP_EXIT_ERROR;
    }
    return 0;
}

/* The pin and the public address links need. */
static int admin_link_setup(struct admin *a)
{
    char err[300];

    if (a->public_addr == NULL) {
        fprintf(stderr, PROG ": --public HOST[:PORT] is needed for links\n");
        return LP_EXIT_USAGE;
    }
    if (lp_endpoint_parse(&a->pub, a->public_addr, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": --public: %s\n", err);
        return LP_EXIT_USAGE;
    }
    if (a->pin != NULL) {
        size_t n = 0;
        if (strncmp(a->pin, "sha256:", 7) != 0 ||
            lp_b64url_decode(a->pin_hash, sizeof(a->pin_hash), &n, a->pin + 7,
                             strlen(a->pin + 7)) != 0 ||
            n != 32) {
            fprintf(stderr, PROG ": --pin must be sha256: and 43 base64url "
                                 "characters\n");
            return LP_EXIT_USAGE;
        }
        a->have_pin = 1;
    } else if (a->cert != NULL && a->key != NULL) {
        struct lp_tls_server tls;
        if (lp_tls_server_init_pem(&tls, a->cert, a->key, err, sizeof(err)) !=
            0) {
            fprintf(stderr, PROG ": %s\n", err);
            return LP_EXIT_TLS;
        }
        a->have_pin = lp_tls_server_spki_sha256(&tls, a->pin_hash) == 0;
        lp_tls_server_free(&tls);
        if (!a->have_pin) {
            fprintf(stderr, PROG ": cannot read the public key of %s\n",
                    a->cert);
            return LP_EXIT_TLS;
        }
    }
    /* Without a pin the link relies on system trust for the host name. */
    return 0;
}

/* A new credential: a random token (printed once, in its link) whose hash
 * goes into the list. */
static int admin_new_cred(struct admin *a, const char *room, enum lp_role role,
                          const char *label)
{
    uint8_t raw[TOKEN_BYTES], hash[32];
    char token[LP_B64URL_LEN(TOKEN_BYTES) + 1], link[1024], err[300];

    if (lp_tls_random(raw, sizeof(raw)) != 0) {
        fprintf(stderr, PROG ": no random numbers\n");
        return LP_EXIT_ERROR;
    }
    lp_b64url_encode(token, sizeof(token), raw, sizeof(raw));
    (void)gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), hash);
    if (lp_roomlist_add_cred(&a->rl, room, role, label, hash, err,
                             sizeof(err)) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return LP_EXIT_USAGE;
    }
    if (lp_link_format(link, sizeof(link), a->pub.host, a->pub.port, room,
                       a->have_pin ? (const uint8_t(*)[32])a->pin_hash : NULL,
                       a->have_pin ? 1 : 0, token) != 0) {
        fprintf(stderr, PROG ": cannot format the link\n");
        return LP_EXIT_ERROR;
    }
    printf("%s invite '%s' for room %s:\n  %s\n",
           role == LP_ROLE_GATEWAY ? "gateway" : "player", label, room, link);
    return 0;
}

static int admin_list(const struct admin *a, const char *only)
{
    for (size_t i = 0; i < a->rl.nrooms; i++) {
        const struct lp_room_def *r = &a->rl.rooms[i];
        if (only != NULL && strcmp(only, r->name) != 0)
            continue;
        printf("room %s\n", r->name);
        for (size_t k = 0; k < r->ncreds; k++)
            printf("  %-7s %s\n", lp_role_name(r->creds[k].role),
                   r->creds[k].label);
    }
    return 0;
}

int relay_admin(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rooms", required_argument, NULL, 'f'},
        {"public", required_argument, NULL, 'P'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"pin", required_argument, NULL, 'p'},
        {"gateway", no_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admin a;
    const char *what, *verb, *room = NULL, *label = NULL;
    char err[300];
    int opt, rc, changed = 0;

    memset(&a, 0, sizeof(a));
    if (argc < 3) {
        admin_usage(stderr);
        return LP_EXIT_USAGE;
    }
    what = argv[1];
    verb = argv[2];
    optind = 3;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            a.rooms = optarg;
            break;
        case 'P':
            a.public_addr = optarg;
            break;
        case 'c':
            a.cert = optarg;
            break;
        case 'k':
            a.key = optarg;
            break;
        case 'p':
            a.pin = optarg;
            break;
        case 'g':
            a.gateway = 1;
            break;
        case 'h':
            admin_usage(stdout);
            return LP_EXIT_OK;
        default:
            admin_usage(stderr);
            return LP_EXIT_USAGE;
        }
    }
    if (optind < argc)
        room = argv[optind++];
    if (optind < argc)
        label = argv[optind++];
    if (a.rooms == NULL || optind < argc) {
        admin_usage(stderr);
        return LP_EXIT_USAGE;
    }
    if ((rc = admin_load(&a)) != 0)
        return rc;
    rc = LP_EXIT_USAGE;
    if (strcmp(what, "room") == 0 && strcmp(verb, "list") == 0) {
        rc = admin_list(&a, NULL);
    } else if (strcmp(what, "room") == 0 && strcmp(verb, "create") == 0 &&
               room != NULL && label == NULL) {
        if ((rc = admin_link_setup(&a)) == 0) {
            if (lp_roomlist_add_room(&a.rl, room, err, sizeof(err)) != 0) {
                fprintf(stderr, PROG ": %s\n", err);
                rc = LP_EXIT_USAGE;
            } else if ((rc = admin_new_cred(&a, room, LP_ROLE_GATEWAY,
                                            "gateway")) == 0 &&
                       (rc = admin_new_cred(&a, room, LP_ROLE_CLIENT,
                                            "players")) == 0) {
                changed = 1;
            }
        }
    } else if (strcmp(what, "room") == 0 && strcmp(verb, "delete") == 0 &&
               room != NULL && label == NULL) {
        rc = lp_roomlist_remove_room(&a.rl, room, err, sizeof(err)) == 0
                 ? 0
                 : LP_EXIT_USAGE;
        if (rc != 0)
            fprintf(stderr, PROG ": %s\n", err);
        changed = rc == 0;
    } else if (strcmp(what, "invite") == 0 && strcmp(verb, "add") == 0 &&
               room != NULL && label != NULL) {
        if ((rc = admin_link_setup(&a)) == 0)
            rc = admin_new_cred(
                &a, room, a.gateway ? LP_ROLE_GATEWAY : LP_ROLE_CLIENT, label);
        changed = rc == 0;
    } else if (strcmp(what, "invite") == 0 && strcmp(verb, "revoke") == 0 &&
               room != NULL && label != NULL) {
        rc = lp_roomlist_remove_cred(&a.rl, room, label, err, sizeof(err)) == 0
                 ? 0
                 : LP_EXIT_USAGE;
        if (rc != 0)
            fprintf(stderr, PROG ": %s\n", err);
        changed = rc == 0;
    } else if (strcmp(what, "invite") == 0 && strcmp(verb, "list") == 0 &&
               room != NULL && label == NULL) {
        if (lp_roomlist_find(&a.rl, room) == NULL) {
            fprintf(stderr, PROG ": no room '%s' in %s\n", room, a.rooms);
            rc = LP_EXIT_USAGE;
        } else {
            rc = admin_list(&a, room);
        }
    } else {
        admin_usage(stderr);
        lp_roomlist_free(&a.rl);
        return LP_EXIT_USAGE;
    }
    if (rc == 0 && changed) {
        rc = admin_save(&a);
        if (rc == 0)
            printf("saved %s; the running relay applies it on SIGHUP\n",
                   a.rooms);
    }
    lp_roomlist_free(&a.rl);
    return rc;
}
