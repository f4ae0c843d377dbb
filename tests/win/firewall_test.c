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

/* One case: the profile's settings, the network's category, and the line
 * expected (NULL: none), two of its words. */
struct hint_case {
    int enabled, block_all, fail;
    enum lp_netcat cat;
    const char *word1, *word2;
};

static void test_hints(void)
{
    static const struct hint_case cases[] = {
        /* the usual case: Private, firewall on, games allowed per app */
        {1, 0, 0, LP_NETCAT_PRIVATE, NULL, NULL},
        /* "Block all incoming connections" on the private profile */
        {1, 1, 0, LP_NETCAT_PRIVATE, "Block all incoming connections",
         "Private network"},
        /* ... but not when the firewall is off on that profile */
        {0, 1, 0, LP_NETCAT_PRIVATE, NULL, NULL},
        /* the network stayed Public with the firewall on */
        {1, 0, 0, LP_NETCAT_PUBLIC, "Public", "choose Private network"},
        /* Public with the firewall off: nothing blocks */
        {0, 0, 0, LP_NETCAT_PUBLIC, NULL, NULL},
        /* a policy that cannot be read: no guess */
        {1, 0, 1, LP_NETCAT_PUBLIC, NULL, NULL},
    };
    struct fake f;
    char line[400];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct hint_case *k = &cases[i];
        memset(&f, 0, sizeof(f));
        f.fail = k->fail;
        f.st[k->cat].enabled = k->enabled;
        f.st[k->cat].block_all = k->block_all;
        CHECK_INT(lp_firewall_hint(&fake_ops, &f, k->cat, line, sizeof(line)),
                  k->word1 != NULL);
        CHECK_INT(f.asked, k->cat);
        if (k->word1 == NULL) {
            CHECK_INT((int)strlen(line), 0);
        } else {
            CHECK(strstr(line, k->word1) != NULL);
            CHECK(strstr(line, k->word2) != NULL);
        }
    }
    /* a short buffer is cut, not overrun */
    memset(&f, 0, sizeof(f));
    f.st[LP_NETCAT_PUBLIC].enabled = 1;
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
