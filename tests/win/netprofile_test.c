/* Tests of win/lp_netprofile: Private while the client runs, through a
 * fake Network List Manager; and the real one (COM) under wine does not
 * fail for an adapter it does not know. */
#include "lp_netprofile.h"

#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_wintest.h"

struct fake {
    int present; /* the network exists */
    enum lp_netcat cat;
    int sets, fail_set;
};

static int f_get(void *arg, const GUID *adapter, enum lp_netcat *cat)
{
    struct fake *f = arg;

    (void)adapter;
    if (!f->present)
        return LP_ERR_AGAIN;
    *cat = f->cat;
    return 0;
}

static int f_set(void *arg, const GUID *adapter, enum lp_netcat cat)
{
    struct fake *f = arg;

    (void)adapter;
    if (f->fail_set)
        return LP_ERR_IO;
    f->sets++;
    f->cat = cat;
    return 0;
}

static const struct lp_netprofile_ops fake_ops = {f_get, f_set};

static void test_apply_restore(void)
{
    struct fake f = {0, LP_NETCAT_PUBLIC, 0, 0};
    struct lp_netprofile p;
    GUID g;
    char err[256] = "";

    CHECK_INT(
        lp_netprofile_guid_parse(&g, "{12345678-9abc-def0-1234-56789abcdef0}"),
        0);
    CHECK_INT(g.Data1, 0x12345678);
    CHECK_INT(g.Data4[7], 0xf0);
    CHECK_INT(lp_netprofile_guid_parse(&g, "12345678-9abc-def0-1234"),
              LP_ERR_INVAL);
    lp_netprofile_init(&p, &fake_ops, &f, &g);
    /* Windows still identifies the network: again later */
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), LP_ERR_AGAIN);
    f.present = 1;
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 0);
    CHECK_INT(f.cat, LP_NETCAT_PRIVATE);
    /* a reconnect: Windows reset it to Public; Private again, and the
     * value to restore stays the first one */
    f.cat = LP_NETCAT_PUBLIC;
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 0);
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 1);
    CHECK_INT(f.sets, 2);
    CHECK_INT(lp_netprofile_restore(&p), 0);
    CHECK_INT(f.cat, LP_NETCAT_PUBLIC);
    CHECK_INT(lp_netprofile_restore(&p), 0); /* once */
    CHECK_INT(f.sets, 3);
}

static void test_leave_alone(void)
{
    struct fake f = {1, LP_NETCAT_PRIVATE, 0, 0};
    struct lp_netprofile p;
    GUID g;
    char err[256] = "";

    memset(&g, 0, sizeof(g));
    /* already Private: nothing to do, nothing to restore */
    lp_netprofile_init(&p, &fake_ops, &f, &g);
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 1);
    CHECK_INT(lp_netprofile_restore(&p), 0);
    CHECK_INT(f.sets, 0);
    CHECK_INT(f.cat, LP_NETCAT_PRIVATE);
    /* a domain network is left alone */
    f.cat = LP_NETCAT_DOMAIN;
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 1);
    CHECK_INT(f.sets, 0);
    /* the player set it to Public while we ran: not overridden on exit */
    f.cat = LP_NETCAT_PUBLIC;
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), 0);
    f.cat = LP_NETCAT_DOMAIN;
    CHECK_INT(lp_netprofile_restore(&p), 0);
    CHECK_INT(f.cat, LP_NETCAT_DOMAIN);
    /* refused: one line saying where to click */
    f.cat = LP_NETCAT_PUBLIC;
    f.fail_set = 1;
    lp_netprofile_init(&p, &fake_ops, &f, &g);
    CHECK_INT(lp_netprofile_apply(&p, err, sizeof(err)), LP_ERR_IO);
    CHECK(strstr(err, "Private network") != NULL);
    CHECK_INT(lp_netprofile_restore(&p), 0);
}

/* The Network List Manager of wine: an adapter it does not know has no
 * network yet (or the manager is missing): never a crash. */
static void test_com(void)
{
    GUID g;
    enum lp_netcat cat;
    int rv;

    CHECK(SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED)));
    lp_netprofile_guid_parse(&g, "{12345678-9abc-def0-1234-56789abcdef0}");
    rv = lp_netprofile_com_ops.get(NULL, &g, &cat);
    printf("  (wine's Network List Manager answered %d)\n", rv);
    CHECK(rv == LP_ERR_AGAIN || rv == LP_ERR_IO);
    CoUninitialize();
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"apply_restore", test_apply_restore},
        {"leave_alone", test_leave_alone},
        {"com", test_com},
    };
    return lp_wintest_run("netprofile", tests,
                          sizeof(tests) / sizeof(tests[0]));
}
