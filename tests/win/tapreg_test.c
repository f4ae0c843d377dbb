/* Tests of win/lp_tapreg: registry values, GUIDs, MAC strings, selection. */
#include <stdint.h>
#include <string.h>

#include "lp_err.h"
#include "lp_tapreg.h"
#include "lp_wintest.h"

/* utf16 writes s (ASCII or \u escapes given as uint16 units) as bytes. */
static size_t utf16(uint8_t *out, const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)(u[i] & 0xff);
        out[2 * i + 1] = (uint8_t)(u[i] >> 8);
    }
    return 2 * n;
}

static void test_reg_sz(void)
{
    static const struct {
        uint16_t u[8];
        size_t n;
        size_t outlen;
        uint32_t type;
        int rv;
        const char *want;
    } cases[] = {
        {{'t', 'a', 'p', '0', '9', '0', '1', 0},
         8,
         64,
         LP_REG_SZ,
         0,
         "tap0901"},
        /* no terminating NUL */
        {{'t', 'a', 'p'}, 3, 64, LP_REG_SZ, 0, "tap"},
        /* stops at the first NUL */
        {{'a', 0, 'b', 0}, 4, 64, LP_REG_SZ, 0, "a"},
        /* BMP and a surrogate pair: U+00E9, U+20AC, U+1F600 */
        {{0xe9, 0x20ac, 0xd83d, 0xde00, 0},
         5,
         64,
         LP_REG_SZ,
         0,
         "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
        /* unpaired surrogates */
        {{'a', 0xd83d, 'b'}, 3, 64, LP_REG_SZ, LP_ERR_INVAL, ""},
        {{0xde00}, 1, 64, LP_REG_SZ, LP_ERR_INVAL, ""},
        {{0xd83d}, 1, 64, LP_REG_SZ, LP_ERR_INVAL, ""},
        /* too long for the buffer */
        {{'a', 'b', 'c', 'd'}, 4, 4, LP_REG_SZ, LP_ERR_RANGE, ""},
        {{'a', 'b', 'c'}, 3, 4, LP_REG_SZ, 0, "abc"},
        /* wrong type */
        {{'a'}, 1, 64, LP_REG_DWORD, LP_ERR_INVAL, ""},
        /* empty */
        {{0}, 0, 64, LP_REG_SZ, 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[32];
        char out[64];
        size_t len = utf16(buf, cases[i].u, cases[i].n);
        CHECK_INT(lp_tapreg_sz(out, cases[i].outlen, cases[i].type, buf, len),
                  cases[i].rv);
        CHECK_STR(out, cases[i].want);
    }
    {
        /* odd byte count */
        uint8_t odd[3] = {'a', 0, 'b'};
        char out[8];
        CHECK_INT(lp_tapreg_sz(out, sizeof(out), LP_REG_SZ, odd, 3),
                  LP_ERR_INVAL);
    }
}

static void test_reg_dword(void)
{
    uint8_t b[5] = {0x78, 0x56, 0x34, 0x12, 0};
    uint32_t v = 0;

    CHECK_INT(lp_tapreg_dword(&v, LP_REG_DWORD, b, 4), 0);
    CHECK_INT(v, 0x12345678);
    CHECK_INT(lp_tapreg_dword(&v, LP_REG_DWORD, b, 3), LP_ERR_INVAL);
    CHECK_INT(lp_tapreg_dword(&v, LP_REG_DWORD, b, 5), LP_ERR_INVAL);
    CHECK_INT(lp_tapreg_dword(&v, LP_REG_SZ, b, 4), LP_ERR_INVAL);
}

static void test_component(void)
{
    static const struct {
        const char *s;
        int want;
    } cases[] = {
        {"tap0901", 1},
        {"TAP0901", 1},
        {"root\\tap0901", 1},
        {"ROOT\\Tap0901", 1},
        {"tapnordvpn", 0},
        {"tap0901x", 0},
        {"tap090", 0},
        {"root\\tap0901\\", 0},
        {"root/tap0901", 0},
        {"wintun", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT(lp_tapreg_is_tap(cases[i].s), cases[i].want);
    CHECK_INT(lp_tapreg_is_tap(NULL), 0);
}

static void test_guid(void)
{
    static const struct {
        const char *in;
        int rv;
        const char *want;
    } cases[] = {
        {"{a1b2c3d4-0000-1111-2222-333344445555}", 0,
         "{A1B2C3D4-0000-1111-2222-333344445555}"},
        {"A1B2C3D4-0000-1111-2222-333344445555", 0,
         "{A1B2C3D4-0000-1111-2222-333344445555}"},
        {"{A1B2C3D4-0000-1111-2222-33334444555}", LP_ERR_INVAL, ""},
        {"{A1B2C3D4-0000-1111-2222-3333444455555}", LP_ERR_INVAL, ""},
        {"{A1B2C3D4_0000-1111-2222-333344445555}", LP_ERR_INVAL, ""},
        {"{G1B2C3D4-0000-1111-2222-333344445555}", LP_ERR_INVAL, ""},
        {"A1B2C3D4-0000-1111-2222-333344445555}", LP_ERR_INVAL, ""},
        {"{A1B2C3D4-0000-1111-2222-333344445555", LP_ERR_INVAL, ""},
        {"", LP_ERR_INVAL, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[LP_GUID_STRLEN], err[160] = "";
        CHECK_INT(lp_tapreg_guid_norm(out, cases[i].in, err, sizeof(err)),
                  cases[i].rv);
        CHECK_STR(out, cases[i].want);
        if (cases[i].rv != 0 && cases[i].in[0] != '\0')
            CHECK(strstr(err, cases[i].in) != NULL); /* quotes the input */
    }
    CHECK(lp_tapreg_guid_equal("{a1b2c3d4-0000-1111-2222-333344445555}",
                               "A1B2C3D4-0000-1111-2222-333344445555"));
    CHECK(!lp_tapreg_guid_equal("{a1b2c3d4-0000-1111-2222-333344445555}",
                                "{a1b2c3d4-0000-1111-2222-333344445556}"));
    CHECK(!lp_tapreg_guid_equal("x", "x"));
}

static void test_mac_value(void)
{
    static const struct {
        uint8_t mac[6];
        int rv;
        const char *want;
    } cases[] = {
        {{0x02, 0xab, 0x12, 0x00, 0xff, 0x9c}, 0, "02AB1200FF9C"},
        {{0x0e, 0, 0, 0, 0, 1}, 0, "0E0000000001"},
        {{0xfa, 1, 2, 3, 4, 5}, 0, "FA0102030405"},
        /* universally administered: the driver would ignore it */
        {{0x00, 0xff, 1, 2, 3, 4}, LP_ERR_INVAL, ""},
        /* multicast */
        {{0x03, 0, 0, 0, 0, 1}, LP_ERR_INVAL, ""},
        /* broadcast */
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, LP_ERR_INVAL, ""},
        {{0, 0, 0, 0, 0, 0}, LP_ERR_INVAL, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[13];
        CHECK_INT(lp_tapreg_mac_value(out, cases[i].mac), cases[i].rv);
        CHECK_STR(out, cases[i].want);
    }
}

static void test_mac_parse(void)
{
    static const struct {
        const char *s;
        int rv;
        uint8_t mac[6];
    } cases[] = {
        {"02AB1200FF9C", 0, {0x02, 0xab, 0x12, 0x00, 0xff, 0x9c}},
        {"02ab1200ff9c", 0, {0x02, 0xab, 0x12, 0x00, 0xff, 0x9c}},
        {"02-AB-12-00-FF-9C", 0, {0x02, 0xab, 0x12, 0x00, 0xff, 0x9c}},
        {"02:AB:12:00:FF:9C", LP_ERR_INVAL, {0}},
        {"02AB1200FF9", LP_ERR_INVAL, {0}},
        {"02AB1200FF9C0", LP_ERR_INVAL, {0}},
        {"-02AB1200FF9C", LP_ERR_INVAL, {0}},
        {"02AB1200FF9G", LP_ERR_INVAL, {0}},
        {"", LP_ERR_INVAL, {0}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t mac[6] = {0};
        CHECK_INT(lp_tapreg_mac_parse(mac, cases[i].s), cases[i].rv);
        if (cases[i].rv == 0)
            CHECK(memcmp(mac, cases[i].mac, 6) == 0);
    }
}

static void test_device_path(void)
{
    char p[80], small[20];

    CHECK_INT(lp_tapreg_device_path(p, sizeof(p),
                                    "a1b2c3d4-0000-1111-2222-333344445555"),
              0);
    CHECK_STR(p, "\\\\.\\Global\\{A1B2C3D4-0000-1111-2222-333344445555}.tap");
    CHECK_INT(lp_tapreg_device_path(small, sizeof(small),
                                    "{a1b2c3d4-0000-1111-2222-333344445555}"),
              LP_ERR_RANGE);
    CHECK_INT(lp_tapreg_device_path(p, sizeof(p), "nope"), LP_ERR_INVAL);
}

static const struct lp_tap_adapter two[] = {
    {"{A1B2C3D4-0000-1111-2222-333344445555}", "LAN party", "root\\tap0901",
     "0007"},
    {"{B1B2C3D4-0000-1111-2222-333344445555}", "OpenVPN TAP", "tap0901",
     "0012"},
};

static void test_select(void)
{
    static const struct {
        size_t n;
        const char *want;
        enum lp_tapsel rv;
        size_t idx;
        const char *msg; /* a substring of err */
    } cases[] = {
        {0, NULL, LP_TAPSEL_NONE, 0, "no TAP-Windows6 adapter"},
        {0, "{A1B2C3D4-0000-1111-2222-333344445555}", LP_TAPSEL_NONE, 0,
         "tapctl.exe create --hwid root\\tap0901"},
        {1, NULL, LP_TAPSEL_OK, 0, ""},
        {1, "", LP_TAPSEL_OK, 0, ""},
        {2, NULL, LP_TAPSEL_AMBIGUOUS, 0, "--tap-instance-id"},
        {2, NULL, LP_TAPSEL_AMBIGUOUS, 0, "OpenVPN TAP"},
        {2, "b1b2c3d4-0000-1111-2222-333344445555", LP_TAPSEL_OK, 1, ""},
        {2, "{A1B2C3D4-0000-1111-2222-333344445555}", LP_TAPSEL_OK, 0, ""},
        {1, "{B1B2C3D4-0000-1111-2222-333344445555}", LP_TAPSEL_NOT_FOUND, 0,
         "'{B1B2C3D4-0000-1111-2222-333344445555}' matches no"},
        {2, "LAN party", LP_TAPSEL_BAD_ID, 0, "'LAN party'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t idx = 99;
        char err[1024];
        CHECK_INT(lp_tapreg_select(two, cases[i].n, cases[i].want, &idx, err,
                                   sizeof(err)),
                  cases[i].rv);
        if (cases[i].rv == LP_TAPSEL_OK)
            CHECK_INT(idx, cases[i].idx);
        if (strstr(err, cases[i].msg) == NULL) {
            printf("  case %zu: err \"%s\" lacks \"%s\"\n", i, err,
                   cases[i].msg);
            lp_wintest_failed_checks++;
        }
    }
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"reg_sz", test_reg_sz},           {"reg_dword", test_reg_dword},
        {"component", test_component},     {"guid", test_guid},
        {"mac_value", test_mac_value},     {"mac_parse", test_mac_parse},
        {"device_path", test_device_path}, {"select", test_select},
    };
    return lp_wintest_run("tapreg", tests, sizeof(tests) / sizeof(tests[0]));
}
