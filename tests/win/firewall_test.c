/* Tests of win/lp_firewall: the player's one line when Windows Firewall
 * would still block game discovery, through a fake policy; and the real
 * one (COM) under wine answers or says it cannot tell, never crashes. */
#include "lp_firewall.h"

#include <stdio.h>
#include <string.h>

#include <objbase.h>

#include "lp_err.h"
#include "lp_wintest.h"

struct fake {
    int fail;
    struct lp_fwstate st[3]; /* by enum lp_netcat */
    enum lp_netcat asked;
};

static int f_get(void *arg, enum lp_netcat cat, struct lp_fwstate *st)
{
    struct fake *f = arg;

    f->asked = cat;
    if (f->fail)
        return LP_ERR_IO;
    *st = f->st[cat];
    return 0;
}

static const struct lp_firewall_ops fake_ops = {f_get};

static void test_hints(void)
{
    struct fake f;
    char line[400];

    memset(&f, 0, sizeof(f));
    /* the usual case: Private, firewall on, games allowed per app */
    f.st[LP_NETCAT_PRIVATE].enabled = 1;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PRIVATE, line, sizeof(line)),
        0);
    CHECK_INT(f.asked, LP_NETCAT_PRIVATE);
    CHECK_INT((int)strlen(line), 0);
    /* "Block all incoming connections" on the private profile */
    f.st[LP_NETCAT_PRIVATE].block_all = 1;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PRIVATE, line, sizeof(line)),
        1);
    CHECK(strstr(line, "Block all incoming connections") != NULL);
    CHECK(strstr(line, "Private network") != NULL);
    /* ... but not when the firewall is off on that profile */
    f.st[LP_NETCAT_PRIVATE].enabled = 0;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PRIVATE, line, sizeof(line)),
        0);
    /* the network stayed Public with the firewall on */
    f.st[LP_NETCAT_PUBLIC].enabled = 1;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PUBLIC, line, sizeof(line)),
        1);
    CHECK(strstr(line, "Public") != NULL);
    CHECK(strstr(line, "choose Private network") != NULL);
    /* Public with the firewall off: nothing blocks */
    f.st[LP_NETCAT_PUBLIC].enabled = 0;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PUBLIC, line, sizeof(line)),
        0);
    /* a policy that cannot be read: no guess */
    f.fail = 1;
    f.st[LP_NETCAT_PUBLIC].enabled = 1;
    CHECK_INT(
        lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PUBLIC, line, sizeof(line)),
        0);
    CHECK_INT((int)strlen(line), 0);
    /* a short buffer is cut, not overrun */
    f.fail = 0;
    memset(line, 'z', sizeof(line));
    CHECK_INT(lp_firewall_hint(&fake_ops, &f, LP_NETCAT_PUBLIC, line, 16), 1);
    CHECK_INT((int)strlen(line), 15);
    CHECK_INT(line[16], 'z');
}

static void test_com(void)
{
    char line[400];
    int rv;

    /* wine's firewall policy object: an answer (0 or 1) or "cannot tell"
     * (0); the line, if any, is one of ours */
    CHECK(SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED)));
    rv = lp_firewall_hint(&lp_firewall_com_ops, NULL, LP_NETCAT_PRIVATE, line,
                          sizeof(line));
    printf("  (wine's firewall policy: hint %d)\n", rv);
    CHECK(rv == 0 || rv == 1);
    CHECK(rv == 0 ? line[0] == '\0' : strstr(line, "Firewall") != NULL);
    CoUninitialize();
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"hints", test_hints},
        {"com", test_com},
    };
    return lp_wintest_run("firewall", tests, sizeof(tests) / sizeof(tests[0]));
}
