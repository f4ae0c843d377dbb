/* lp_confargs: see lp_confargs.h. */
#include "lp_confargs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_conf.h"
#include "lp_exit.h"
#include "lp_file.h"

#ifndef LP_VERSION
#define LP_VERSION "unknown"
#endif

const char *lp_version(void)
{
    return LP_VERSION;
}

/* The arguments made from the file: kept until exit (reachable). */
static char **confargs_argv;  /* the arguments made last (main keeps them) */
static size_t confargs_nmade; /* how many of them (from [1]) were malloc'd */

/* confargs_release frees the arguments a previous call made. */
static void confargs_release(void)
{
    if (confargs_argv == NULL)
        return;
    for (size_t i = 1; i <= confargs_nmade; i++)
        free(confargs_argv[i]);
    free(confargs_argv);
    confargs_argv = NULL;
    confargs_nmade = 0;
}

static const struct option *confargs_find(const struct option *opts,
                                          const char *key)
{
    for (; opts->name != NULL; opts++)
        if (strcmp(opts->name, key) == 0 && strcmp(key, "help") != 0)
            return opts;
    return NULL;
}

static int confargs_listed(const char *const *list, const char *key)
{
    for (; list != NULL && *list != NULL; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

/* Checks the entries; returns -1 to go on or the status (printed). nargs
 * gets the number of arguments they make. */
static int confargs_check(const char *prog, const char *path,
                          const struct lp_conf *c, const struct option *opts,
                          const char *const *repeatable, size_t *nargs)
{
    *nargs = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct lp_conf_entry *e = &c->e[i];
        const struct option *o = confargs_find(opts, e->key);
        const char *why = NULL;

        if (o == NULL)
            why = strcmp(e->key, "config") == 0 ||
                          strcmp(e->key, "version") == 0 ||
                          strcmp(e->key, "help") == 0
                      ? "not allowed in a file"
                      : "unknown key (see --help: a key is a flag's name "
                        "without --)";
        else if (o->has_arg == required_argument && e->value == NULL)
            why = "needs a value (key = value)";
        else if (o->has_arg == no_argument && e->value != NULL &&
                 strcmp(e->value, "true") != 0 &&
                 strcmp(e->value, "yes") != 0 && strcmp(e->value, "1") != 0 &&
                 strcmp(e->value, "false") != 0 &&
                 strcmp(e->value, "no") != 0 && strcmp(e->value, "0") != 0)
            why = "a flag: no value, or true/yes/1 or false/no/0";
        else if (!confargs_listed(repeatable, e->key))
            for (size_t j = 0; j < i && why == NULL; j++)
                if (strcmp(c->e[j].key, e->key) == 0) {
                    fprintf(stderr,
                            "%s: %s:%u: key '%s': given twice (first on line "
                            "%u)\n",
                            prog, path, e->line, e->key, c->e[j].line);
                    return LP_EXIT_USAGE;
                }
        if (why != NULL) {
            fprintf(stderr, "%s: %s:%u: key '%s': %s\n", prog, path, e->line,
                    e->key, why);
            return LP_EXIT_USAGE;
        }
        if (o->has_arg != no_argument || e->value == NULL ||
            strchr("ty1", e->value[0]) != NULL)
            (*nargs)++;
    }
    return -1;
}

/* Reads path and builds the new argument vector. */
static int confargs_load(const char *prog, const char *path,
                         const struct option *opts,
                         const char *const *repeatable, int *argc, char ***argv)
{
    struct lp_conf c;
    char *text = NULL, err[512];
    size_t len = 0, nargs, k = 0;
    int rc;

    if (lp_file_read(path, LP_CONF_SIZE_MAX, &text, &len, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "%s: --config: %s\n", prog, err);
        return LP_EXIT_ERROR;
    }
    rc = lp_conf_parse(&c, text, len, err, sizeof(err));
    free(text);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err);
        return LP_EXIT_USAGE;
    }
    rc = confargs_check(prog, path, &c, opts, repeatable, &nargs);
    if (rc < 0) {
        char **nv = calloc(nargs + (size_t)*argc + 1, sizeof(*nv));
        rc = nv == NULL ? LP_EXIT_ERROR : -1;
        if (nv != NULL)
            nv[k++] = (*argv)[0];
        for (size_t i = 0; rc < 0 && i < c.n; i++) {
            const struct lp_conf_entry *e = &c.e[i];
            size_t n =
                strlen(e->key) + 4 + (e->value != NULL ? strlen(e->value) : 0);
            const struct option *o = confargs_find(opts, e->key);
            if (o->has_arg == no_argument && e->value != NULL &&
                strchr("ty1", e->value[0]) == NULL)
                continue; /* false/no/0: left out */
            if ((nv[k] = malloc(n)) == NULL) {
                rc = LP_EXIT_ERROR;
                break;
            }
            if (o->has_arg == no_argument)
                snprintf(nv[k], n, "--%s", e->key);
            else
                snprintf(nv[k], n, "--%s=%s", e->key, e->value);
            k++;
        }
        if (rc < 0) {
            size_t made = k - 1;
            for (int i = 1; i < *argc; i++)
                nv[k++] = (*argv)[i];
            nv[k] = NULL;
            confargs_release();
            confargs_argv = nv;
            confargs_nmade = made;
            *argc = (int)k;
            *argv = nv;
        } else {
            for (size_t i = 1; nv != NULL && i < k; i++)
                free(nv[i]);
            free(nv);
            fprintf(stderr, "%s: out of memory\n", prog);
        }
    }
    lp_conf_free(&c);
    return rc;
}

int lp_confargs(const char *prog, const struct option *opts,
                const char *const *repeatable, int *argc, char ***argv)
{
    const char *path = NULL;
    int i, at = -1, span = 0;

    for (i = 1; i < *argc && strcmp((*argv)[i], "--") != 0; i++) {
        const char *a = (*argv)[i];
        if (strcmp(a, "--version") == 0) {
            printf("%s %s\n", prog, lp_version());
            return LP_EXIT_OK;
        }
        if (strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0) {
            if (path != NULL) {
                fprintf(stderr, "%s: --config is given twice\n", prog);
                return LP_EXIT_USAGE;
            }
            if (a[8] == '=') {
                path = a + 9;
                span = 1;
            } else if (i + 1 < *argc) {
                path = (*argv)[i + 1];
                span = 2;
            }
            if (path == NULL || *path == '\0') {
                fprintf(stderr, "%s: --config needs a file name\n", prog);
                return LP_EXIT_USAGE;
            }
            at = i;
            i += span - 1;
        }
    }
    if (path == NULL)
        return -1;
    /* take --config FILE out (the array is main's: shift within it) */
    for (i = at; i + span <= *argc; i++)
        (*argv)[i] = (*argv)[i + span];
    *argc -= span;
    return confargs_load(prog, path, opts, repeatable, argc, argv);
}
