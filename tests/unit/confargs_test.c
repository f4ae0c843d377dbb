/* io/lp_confargs: --config FILE in front of the command line, --version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lp_confargs.h"
#include "lp_exit.h"

static const struct option opts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"retry", no_argument, NULL, 'r'},
    {"allow-ethertype", required_argument, NULL, 'E'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const char *const repeatable[] = {"allow-ethertype", NULL};
static char path[64];

static void write_conf(const char *text)
{
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/confargs_test.%d", (int)getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs lp_confargs on "prog [--config path] extra...". */
static int run(const char *text, int *argc, char ***argv, const char *extra1,
               const char *extra2)
{
    static char *v[8];
    int n = 0;

    write_conf(text);
    v[n++] = "prog";
    if (extra1 != NULL)
        v[n++] = (char *)extra1;
    v[n++] = "--config";
    v[n++] = path;
    if (extra2 != NULL)
        v[n++] = (char *)extra2;
    v[n] = NULL;
    *argc = n;
    *argv = v;
    return lp_confargs("prog", opts, repeatable, argc, argv);
}

static void test_args(void **state)
{
    int argc;
    char **argv;

    (void)state;
    assert_int_equal(run("# c\nlisten = 4433/udp\nretry = yes\n"
                         "allow-ethertype = 8137\nallow-ethertype=80f3\n",
                         &argc, &argv, "--room-x", "--listen=1/udp"),
                     -1);
    assert_int_equal(argc, 7);
    assert_string_equal(argv[0], "prog");
    assert_string_equal(argv[1], "--listen=4433/udp");
    assert_string_equal(argv[2], "--retry");
    assert_string_equal(argv[3], "--allow-ethertype=8137");
    assert_string_equal(argv[4], "--allow-ethertype=80f3");
    assert_string_equal(argv[5], "--room-x"); /* the command line follows */
    assert_string_equal(argv[6], "--listen=1/udp");
    assert_null(argv[7]);

    /* false/no/0 leave a flag out; a bare key sets it */
    assert_int_equal(run("retry = no\n", &argc, &argv, NULL, NULL), -1);
    assert_int_equal(argc, 1);
    assert_int_equal(run("retry\n", &argc, &argv, NULL, NULL), -1);
    assert_int_equal(argc, 2);
    assert_string_equal(argv[1], "--retry");
    unlink(path);
}

static void test_config_forms(void **state)
{
    char *v1[] = {"prog", "--config=/nonexistent/lp.conf", NULL};
    char *v2[] = {"prog", "--config", NULL};
    char *v3[] = {"prog", "--config=", NULL};
    char *v4[] = {"prog", "--config", "a", "--config", "b", NULL};
    char *v5[] = {"prog", "--listen", "x", NULL};
    char *v6[] = {"prog", "--", "--version", NULL};
    char *v7[] = {"prog", "--listen", "x", "--version", NULL};
    char **argv;
    int argc;

    (void)state;
    argv = v1, argc = 2;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv),
                     LP_EXIT_ERROR);
    argv = v2, argc = 2;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv),
                     LP_EXIT_USAGE);
    argv = v3, argc = 2;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv),
                     LP_EXIT_USAGE);
    argv = v4, argc = 5;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv),
                     LP_EXIT_USAGE);
    /* no --config: untouched */
    argv = v5, argc = 3;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv), -1);
    assert_ptr_equal(argv, v5);
    assert_int_equal(argc, 3);
    /* after "--" nothing is looked at */
    argv = v6, argc = 3;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv), -1);
    /* --version anywhere before it */
    argv = v7, argc = 4;
    assert_int_equal(lp_confargs("prog", opts, NULL, &argc, &argv), LP_EXIT_OK);
    assert_string_not_equal(lp_version(), "");
}

static void test_errors(void **state)
{
    static const char *bad[] = {
        "nope = 1\n",               /* unknown key */
        "help\n",                   /* not in a file */
        "config = x\n",             /* not in a file */
        "version\n",                /* not in a file */
        "listen\n",                 /* needs a value */
        "retry = maybe\n",          /* a flag's value */
        "listen = a\nlisten = b\n", /* given twice */
        "listen a\n",               /* syntax (lib/lp_conf) */
        "LISTEN = a\n",             /* syntax */
    };
    int argc;
    char **argv;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run(bad[i], &argc, &argv, NULL, NULL);
        if (rc != LP_EXIT_USAGE)
            fail_msg("case %zu: rc %d", i, rc);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_config_forms),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
