/* Tests of win/lp_bcastrep: which limited broadcasts are copied onto the
 * TAP, and the rewritten datagram (addresses, checksums) is valid. */
#include "lp_bcastrep.h"

#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_wintest.h"

static uint32_t addr(int a, int b, int c, int d)
{
    uint8_t v[4] = {(uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d};
    uint32_t r;

    memcpy(&r, v, 4);
    return r;
}

/* The one's-complement sum of n bytes, folded: 0xffff when a header that
 * carries its checksum is valid. */
static unsigned csum(const uint8_t *p, size_t n, unsigned acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (unsigned)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (unsigned)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc;
}

/* A game's broadcast from another adapter: 198.19.1.5:27015 ->
 * 255.255.255.255:27015. */
static size_t game_bcast(uint8_t *p, int udp_ck)
{
    static const char msg[] = "LAN GAME 1";
    size_t ulen = 8 + sizeof(msg) - 1, tl = 20 + ulen;
    unsigned s;

    memset(p, 0, tl);
    p[0] = 0x45;
    p[2] = (uint8_t)(tl >> 8);
    p[3] = (uint8_t)tl;
    p[8] = 64;
    p[9] = 17;
    memcpy(p + 12, "\xc6\x13\x01\x05", 4);
    memset(p + 16, 0xff, 4);
    p[20] = 0x69, p[21] = 0x87, p[22] = 0x69, p[23] = 0x87;
    p[24] = (uint8_t)(ulen >> 8);
    p[25] = (uint8_t)ulen;
    memcpy(p + 28, msg, sizeof(msg) - 1);
    s = (unsigned)~csum(p, 20, 0) & 0xffff;
    p[10] = (uint8_t)(s >> 8), p[11] = (uint8_t)s;
    if (udp_ck) {
        s = csum(p + 12, 8, 17 + (unsigned)ulen);
        s = (unsigned)~csum(p + 20, ulen, s) & 0xffff;
        p[26] = (uint8_t)(s >> 8), p[27] = (uint8_t)s;
    }
    return tl;
}

static void test_copy(void)
{
    uint8_t in[128], out[128];
    uint32_t tap = addr(198, 18, 0, 133), bc = addr(198, 18, 0, 255);
    size_t n = game_bcast(in, 1);
    int r = lp_bcastrep_rewrite(in, n, tap, bc, out, sizeof(out));

    CHECK_INT(r, (int)n);
    CHECK(memcmp(out + 12, "\xc6\x12\x00\x85", 4) == 0); /* from the TAP */
    CHECK(memcmp(out + 16, "\xc6\x12\x00\xff", 4) == 0); /* its subnet */
    CHECK_INT(csum(out, 20, 0), 0xffff);                 /* IP checksum */
    CHECK_INT(
        csum(out + 20, n - 20, csum(out + 12, 8, 17 + (unsigned)(n - 20))),
        0xffff); /* UDP checksum over the new pseudo header */
    CHECK(memcmp(out + 28, in + 28, n - 28) == 0);
    CHECK_INT(out[8], 64); /* TTL kept */
    /* no UDP checksum stays none */
    n = game_bcast(in, 0);
    CHECK_INT(lp_bcastrep_rewrite(in, n, tap, bc, out, sizeof(out)), (int)n);
    CHECK_INT(out[26] | out[27], 0);
    CHECK_INT(csum(out, 20, 0), 0xffff);
}

static void test_not_copied(void)
{
    uint8_t in[128], p[128], out[128];
    uint32_t tap = addr(198, 18, 0, 133), bc = addr(198, 18, 0, 255);
    size_t n = game_bcast(in, 1);

    memcpy(p, in, n); /* a directed broadcast (our own copies) */
    p[19] = 0xfe;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n); /* sent from the TAP already */
    memcpy(p + 12, &tap, 4);
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n); /* an unconfigured sender */
    memset(p + 12, 0, 4);
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n); /* DHCP of another adapter, either port */
    p[22] = 0, p[23] = 67;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n);
    p[20] = 0, p[21] = 68;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n); /* a fragment */
    p[6] = 0x20;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
    memcpy(p, in, n); /* TCP */
    p[9] = 6;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)), 0);
}

static void test_malformed(void)
{
    uint8_t in[128], p[128], out[128];
    uint32_t tap = addr(198, 18, 0, 133), bc = addr(198, 18, 0, 255);
    size_t n = game_bcast(in, 1);

    CHECK_INT(lp_bcastrep_rewrite(in, 19, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    memcpy(p, in, n); /* IPv6 */
    p[0] = 0x65;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    memcpy(p, in, n); /* total length beyond what was read */
    p[3] = (uint8_t)(n + 1);
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    memcpy(p, in, n); /* header length 16 */
    p[0] = 0x44;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    memcpy(p, in, n); /* UDP length beyond the datagram, or below 8 */
    p[25] = (uint8_t)(n - 20 + 1);
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    p[25] = 7;
    CHECK_INT(lp_bcastrep_rewrite(p, n, tap, bc, out, sizeof(out)),
              LP_ERR_INVAL);
    /* no room for the copy */
    CHECK_INT(lp_bcastrep_rewrite(in, n, tap, bc, out, n - 1), LP_ERR_INVAL);
    /* every length of a truncated read: never beyond the buffer */
    for (size_t k = 0; k < n; k++)
        CHECK(lp_bcastrep_rewrite(in, k, tap, bc, out, sizeof(out)) <= 0);
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"copy", test_copy},
        {"not_copied", test_not_copied},
        {"malformed", test_malformed},
    };
    return lp_wintest_run("bcastrep", tests, sizeof(tests) / sizeof(tests[0]));
}
