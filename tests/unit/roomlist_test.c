#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_roomlist.h"

#define H0 "0000000000000000000000000000000000000000000000000000000000000000"
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HA "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static void test_parse_ok(void **state)
{
    static const char text[] = "# a room list\r\n"
                               "\n"
                               "   \t\n"
                               "lanparty-rooms 1\n"
                               "room LAN1\n"
                               "  gateway " HA " basement switch\n"
                               "\tclient " H1 " friends of #2\r\n"
                               "  # comment between credentials\n"
                               "room empty_room\n"
                               "room r-2\n"
                               "client " H0 " x";
    struct lp_roomlist rl;
    const struct lp_room_def *r;
    char err[256];

    (void)state;
    if (lp_roomlist_parse(&rl, text, strlen(text), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(rl.nrooms, 3);
    r = lp_roomlist_find(&rl, "LAN1");
    assert_non_null(r);
    assert_int_equal(r->ncreds, 2);
    assert_int_equal(r->creds[0].role, LP_ROLE_GATEWAY);
    assert_string_equal(r->creds[0].label, "basement switch");
    assert_int_equal(r->creds[0].hash[0], 0xab);
    assert_int_equal(r->creds[0].hash[31], 0x89);
    assert_int_equal(r->creds[1].role, LP_ROLE_CLIENT);
    assert_string_equal(r->creds[1].label, "friends of #2");
    assert_int_equal(lp_roomlist_find(&rl, "empty_room")->ncreds, 0);
    assert_string_equal(lp_roomlist_find(&rl, "r-2")->creds[0].label, "x");
    assert_null(lp_roomlist_find(&rl, "lan1")); /* compared exactly */
    assert_null(lp_roomlist_find(&rl, "nope"));
    lp_roomlist_free(&rl);
    lp_roomlist_free(&rl);
    lp_roomlist_free(NULL);
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *text;
        int rv;
        const char *msg;
    } t[] = {
        {"", LP_ERR_INVAL, "empty"},
        {"# only a comment\n\n", LP_ERR_INVAL, "empty"},
        {"room A\n", LP_ERR_INVAL, "line 1: expected the header"},
        {"lanparty-rooms\n", LP_ERR_INVAL, "line 1: expected the header"},
        {"lanparty-rooms 1 \n", LP_ERR_INVAL, "line 1: expected the header"},
        {"lanparty-rooms x\n", LP_ERR_INVAL, "line 1: expected the header"},
        {"\nlanparty-rooms 2\n", LP_ERR_VERSION,
         "line 2: room list format "
         "version 2 is not supported"},
        {"lanparty-rooms 1\nlanparty-rooms 1\n", LP_ERR_INVAL,
         "line 2: a second header"},
        {"lanparty-rooms 1\nclient " H0 " a\n", LP_ERR_INVAL,
         "line 2: credential before the first `room'"},
        {"lanparty-rooms 1\nroom A\nroom A\n", LP_ERR_INVAL,
         "line 3: room `A' already exists"},
        {"lanparty-rooms 1\nroom A B\n", LP_ERR_INVAL,
         "line 2: invalid room name `A B'"},
        {"lanparty-rooms 1\nroom A \n", LP_ERR_INVAL, "invalid room name"},
        {"lanparty-rooms 1\nroom\n", LP_ERR_INVAL, "invalid room name `'"},
        {"lanparty-rooms 1\nroom  A\n", LP_ERR_INVAL, "invalid room name"},
        {"lanparty-rooms 1\nroom abcdefghijklmnopqrstuvwxyz0123456\n",
         LP_ERR_INVAL, "invalid room name"},
        {"lanparty-rooms 1\nroom A\nclient " H0 " a\nclient " H1 " a\n",
         LP_ERR_INVAL,
         "line 4: room `A' already has a credential labelled "
         "`a'"},
        {"lanparty-rooms 1\nroom A\nclient " H0 " a\ngateway " H0 " b\n",
         LP_ERR_INVAL, "line 4: room `A' already has this credential"},
        {"lanparty-rooms 1\nroom A\ngateway " H0 " a\ngateway " H1 " b\n",
         LP_ERR_INVAL, "line 4: room `A' already has a gateway credential"},
        {"lanparty-rooms 1\nroom A\nclient " H0 "\n", LP_ERR_INVAL,
         "line 3: expected a label"},
        {"lanparty-rooms 1\nroom A\nclient " H0 " \n", LP_ERR_INVAL,
         "line 3: expected a label"},
        {"lanparty-rooms 1\nroom A\nclient " H0 "  a\n", LP_ERR_INVAL,
         "begins or ends with a space"},
        {"lanparty-rooms 1\nroom A\nclient " H0 " a \n", LP_ERR_INVAL,
         "begins or ends with a space"},
        {"lanparty-rooms 1\nroom A\nclient " H0
         " 012345678901234567890123456789012\n",
         LP_ERR_INVAL, "line 3: invalid label"},
        {"lanparty-rooms 1\nroom A\nclient 00\n", LP_ERR_INVAL,
         "line 3: expected `client HASH LABEL'"},
        {"lanparty-rooms 1\nroom A\nclient "
         "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789 "
         "a\n",
         LP_ERR_INVAL, "lower-case hex"},
        {"lanparty-rooms 1\nroom A\nclient " H0 "0 a\n", LP_ERR_INVAL,
         "line 3: expected a label"},
        {"lanparty-rooms 1\nroom A\nadmin " H0 " a\n", LP_ERR_INVAL,
         "line 3: unknown line `admin"},
        {"lanparty-rooms 1\nroom A\nclient " H0 " a\xc3\xa9\n", LP_ERR_INVAL,
         "line 3: a control or non-ASCII character at column 74"},
        {"lanparty-rooms 1\nroom A\x01\n", LP_ERR_INVAL,
         "line 2: a control or non-ASCII"},
    };
    struct lp_roomlist rl;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rv;
        err[0] = '\0';
        rv = lp_roomlist_parse(&rl, t[i].text, strlen(t[i].text), err,
                               sizeof(err));
        if (rv != t[i].rv)
            fail_msg("case %zu: rv %d, want %d (%s)", i, rv, t[i].rv, err);
        if (strstr(err, t[i].msg) == NULL)
            fail_msg("case %zu: `%s' lacks `%s'", i, err, t[i].msg);
        assert_int_equal(rl.nrooms, 0);
        assert_null(rl.rooms);
    }
    /* a NUL byte, even in a comment */
    assert_int_equal(
        lp_roomlist_parse(&rl, "lanparty-rooms 1\n#\0\n", 20, err, sizeof(err)),
        LP_ERR_INVAL);
    assert_string_equal(err, "line 2: a NUL byte");
}

static void test_limits(void **state)
{
    size_t cap = LP_ROOMLIST_SIZE_MAX + 2, n = 0;
    char *text = malloc(cap), err[256];
    struct lp_roomlist rl;

    (void)state;
    assert_non_null(text);
    /* line length: 512 is fine, 513 is not */
    n = (size_t)sprintf(text, "lanparty-rooms 1\n#");
    memset(text + n, 'x', 511);
    text[n + 511] = '\n';
    assert_int_equal(lp_roomlist_parse(&rl, text, n + 512, err, sizeof(err)),
                     0);
    lp_roomlist_free(&rl);
    text[n + 511] = 'x';
    text[n + 512] = '\n';
    assert_int_equal(lp_roomlist_parse(&rl, text, n + 513, err, sizeof(err)),
                     LP_ERR_RANGE);
    assert_string_equal(err, "line 2: longer than 512 bytes");
    /* size */
    memset(text, '\n', cap);
    memcpy(text, "lanparty-rooms 1\n", 17);
    assert_int_equal(
        lp_roomlist_parse(&rl, text, LP_ROOMLIST_SIZE_MAX, err, sizeof(err)),
        0);
    assert_int_equal(lp_roomlist_parse(&rl, text, LP_ROOMLIST_SIZE_MAX + 1, err,
                                       sizeof(err)),
                     LP_ERR_RANGE);
    /* rooms */
    n = (size_t)sprintf(text, "lanparty-rooms 1\n");
    for (int i = 0; i < LP_ROOMLIST_ROOMS_MAX; i++)
        n += (size_t)sprintf(text + n, "room r%d\n", i);
    assert_int_equal(lp_roomlist_parse(&rl, text, n, err, sizeof(err)), 0);
    assert_int_equal(rl.nrooms, LP_ROOMLIST_ROOMS_MAX);
    lp_roomlist_free(&rl);
    n += (size_t)sprintf(text + n, "room one_more\n");
    assert_int_equal(lp_roomlist_parse(&rl, text, n, err, sizeof(err)),
                     LP_ERR_RANGE);
    assert_string_equal(err, "line 4098: more than 4096 rooms");
    /* credentials in one room */
    n = (size_t)sprintf(text, "lanparty-rooms 1\nroom A\n");
    for (int i = 0; i <= LP_ROOMLIST_CREDS_MAX; i++)
        n += (size_t)sprintf(text + n, "client %064x c%d\n", i, i);
    assert_int_equal(lp_roomlist_parse(&rl, text, n, err, sizeof(err)),
                     LP_ERR_RANGE);
    assert_string_equal(err,
                        "line 4099: more than 4096 credentials in room `A'");
    free(text);
}

static int rl_equal(const struct lp_roomlist *a, const struct lp_roomlist *b)
{
    if (a->nrooms != b->nrooms)
        return 0;
    for (size_t i = 0; i < a->nrooms; i++) {
        const struct lp_room_def *x = &a->rooms[i], *y = &b->rooms[i];
        if (strcmp(x->name, y->name) != 0 || x->ncreds != y->ncreds)
            return 0;
        for (size_t j = 0; j < x->ncreds; j++)
            if (x->creds[j].role != y->creds[j].role ||
                strcmp(x->creds[j].label, y->creds[j].label) != 0 ||
                memcmp(x->creds[j].hash, y->creds[j].hash, 32) != 0)
                return 0;
    }
    return 1;
}

static void test_edit_and_format(void **state)
{
    struct lp_roomlist rl, back;
    uint8_t h[32];
    char err[256], *text;
    size_t len;

    (void)state;
    memset(&rl, 0, sizeof(rl));
    memset(h, 0x5a, sizeof(h));
    assert_int_equal(lp_roomlist_add_room(&rl, "A", err, sizeof(err)), 0);
    assert_int_equal(lp_roomlist_add_room(&rl, "B", err, sizeof(err)), 0);
    assert_int_equal(lp_roomlist_add_room(&rl, "A", err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_string_equal(err, "room `A' already exists");
    assert_int_equal(lp_roomlist_add_room(&rl, "a b", err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_int_equal(lp_roomlist_add_cred(&rl, "A", LP_ROLE_GATEWAY, "gw 1", h,
                                          err, sizeof(err)),
                     0);
    h[0] = 1;
    assert_int_equal(lp_roomlist_add_cred(&rl, "A", LP_ROLE_GATEWAY, "gw 2", h,
                                          err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_non_null(strstr(err, "already has a gateway credential"));
    assert_int_equal(lp_roomlist_add_cred(&rl, "A", LP_ROLE_CLIENT, "c~!@#", h,
                                          err, sizeof(err)),
                     0);
    h[0] = 2;
    assert_int_equal(lp_roomlist_add_cred(&rl, "B", LP_ROLE_CLIENT, "c", h, err,
                                          sizeof(err)),
                     0);
    assert_int_equal(lp_roomlist_add_cred(&rl, "C", LP_ROLE_CLIENT, "c", h, err,
                                          sizeof(err)),
                     LP_ERR_INVAL);
    assert_string_equal(err, "no room `C'");
    assert_int_equal(lp_roomlist_add_cred(&rl, "B", (enum lp_role)7, "d", h,
                                          err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_int_equal(
        lp_roomlist_add_cred(&rl, "B", LP_ROLE_CLIENT, "", h, err, sizeof(err)),
        LP_ERR_INVAL);

    assert_int_equal(lp_roomlist_format(&rl, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "\nroom A\ngateway "
                                 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
                                 "5a5a5a5a5a5a5a5a5a5a5a gw 1\n"));
    if (lp_roomlist_parse(&back, text, len, err, sizeof(err)) != 0)
        fail_msg("%s\n%s", err, text);
    assert_true(rl_equal(&rl, &back));
    lp_roomlist_free(&back);
    free(text);

    /* removals */
    assert_int_equal(
        lp_roomlist_remove_cred(&rl, "A", "gw 1", err, sizeof(err)), 0);
    assert_int_equal(lp_roomlist_find(&rl, "A")->ncreds, 1);
    assert_string_equal(lp_roomlist_find(&rl, "A")->creds[0].label, "c~!@#");
    assert_int_equal(
        lp_roomlist_remove_cred(&rl, "A", "gw 1", err, sizeof(err)),
        LP_ERR_INVAL);
    assert_string_equal(err, "room `A' has no credential labelled `gw 1'");
    assert_int_equal(lp_roomlist_remove_room(&rl, "A", err, sizeof(err)), 0);
    assert_int_equal(lp_roomlist_remove_room(&rl, "A", err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_int_equal(rl.nrooms, 1);
    assert_string_equal(rl.rooms[0].name, "B");

    assert_int_equal(lp_roomlist_format(&rl, &text, &len), 0);
    assert_int_equal(lp_roomlist_parse(&back, text, len, err, sizeof(err)), 0);
    assert_true(rl_equal(&rl, &back));
    lp_roomlist_free(&back);
    free(text);
    lp_roomlist_free(&rl);

    /* the empty list */
    assert_int_equal(lp_roomlist_format(&rl, &text, &len), 0);
    assert_int_equal(lp_roomlist_parse(&back, text, len, err, sizeof(err)), 0);
    assert_int_equal(back.nrooms, 0);
    free(text);
}

static void test_label_valid(void **state)
{
    (void)state;
    assert_true(lp_label_valid("a"));
    assert_true(lp_label_valid(" ~"));
    assert_true(lp_label_valid("01234567890123456789012345678901"));
    assert_false(lp_label_valid("012345678901234567890123456789012"));
    assert_false(lp_label_valid(""));
    assert_false(lp_label_valid(NULL));
    assert_false(lp_label_valid("tab\there"));
    assert_false(lp_label_valid("del\x7f"));
    assert_false(lp_label_valid("\xc3\xa9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_edit_and_format),
        cmocka_unit_test(test_label_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
