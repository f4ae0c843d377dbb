/* lp_gso: checksum completion and GSO splitting, checked against scratch
 * computations on hand-made TCP/UDP super-frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_gso.h"

struct out {
    int n;
    size_t len[64];
    uint8_t f[64][2048];
};

static void collect(void *arg, const uint8_t *frame, size_t len)
{
    struct out *o = arg;

    if (o->n < 64 && len <= sizeof(o->f[0])) {
        memcpy(o->f[o->n], frame, len);
        o->len[o->n] = len;
    }
    o->n++;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A valid L4 checksum sums (with the pseudo header) to 0xffff. */
static int l4_ok(const uint8_t *f, size_t len, int v6, uint8_t proto)
{
    size_t l3 = 14, l4 = v6 ? 54 : 14 + (size_t)(f[14] & 15) * 4;
    uint32_t sum = 0;

    if (v6)
        sum = lp_csum_add(sum, f + l3 + 8, 32);
    else
        sum = lp_csum_add(sum, f + l3 + 12, 8);
    sum += proto;
    sum += (uint32_t)(len - l4);
    sum = lp_csum_add(sum, f + l4, len - l4);
    return lp_csum_fold(sum) == 0;
}

static size_t make_tcp4(uint8_t *f, size_t payload, uint8_t flags)
{
    size_t len = 14 + 20 + 20 + payload;

    memset(f, 0, len);
    memcpy(f, "\x02\x00\x00\x00\x00\x01\x00\x16\x3e\x00\x00\x99\x08\x00", 14);
    f[14] = 0x45;
    f[16] = (uint8_t)((len - 14) >> 8);
    f[17] = (uint8_t)(len - 14);
    f[18] = 0x12;
    f[19] = 0x34;
    f[22] = 64;
    f[23] = 6;
    memcpy(f + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x85", 8);
    f[34] = 0x13;
    f[35] = 0x89; /* sport 5001 */
    f[36] = 0xc0;
    f[37] = 0x01;
    f[38] = 0x10; /* seq 0x10000000 */
    f[46] = 0x50;
    f[47] = flags;
    for (size_t i = 0; i < payload; i++)
        f[54 + i] = (uint8_t)i;
    return len;
}

static void test_tcp4_split(void **state)
{
    static uint8_t f[65536], scratch[65536];
    static struct out o;
    struct lp_vnet_hdr h = {
        LP_VNET_F_NEEDS_CSUM, LP_VNET_GSO_TCPV4, 54, 1380, 34, 16};
    size_t len = make_tcp4(f, 5000, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR */
    int n;

    (void)state;
    memset(&o, 0, sizeof(o));
    n = lp_gso_split(&h, f, len, scratch, collect, &o);
    assert_int_equal(n, 4); /* 1380 * 3 + 860 */
    assert_int_equal(o.n, 4);
    for (int i = 0; i < 4; i++) {
        size_t plen = i < 3 ? 1380 : 860;
        uint32_t seq = 0x10000000u + (uint32_t)(i * 1380);
        const uint8_t *s = o.f[i];
        assert_int_equal(o.len[i], 54 + plen);
        assert_int_equal(rd16(s + 16), 40 + plen);  /* IP length */
        assert_int_equal(rd16(s + 18), 0x1234 + i); /* IP id */
        assert_int_equal(lp_csum_fold(lp_csum_add(0, s + 14, 20)), 0);
        assert_int_equal((uint32_t)s[38] << 24 | (uint32_t)s[39] << 16 |
                             (uint32_t)s[40] << 8 | s[41],
                         seq);
        assert_true(l4_ok(s, o.len[i], 0, 6));
        assert_int_equal(s[47] & 0x09, i == 3 ? 0x09 : 0); /* FIN PSH last */
        assert_int_equal(s[47] & 0x80, i == 0 ? 0x80 : 0); /* CWR first */
        assert_int_equal(s[54], (uint8_t)(i * 1380));      /* payload */
    }
}

static void test_csum_partial_udp(void **state)
{
    static uint8_t f[2048], scratch[65536];
    static struct out o;
    /* UDP in IPv4, checksum field holding the pseudo-header sum */
    size_t len = 14 + 20 + 8 + 100;
    struct lp_vnet_hdr h = {
        LP_VNET_F_NEEDS_CSUM, LP_VNET_GSO_NONE, 0, 0, 34, 6};
    uint32_t ps;

    (void)state;
    memset(f, 0, sizeof(f));
    memcpy(f, "\xff\xff\xff\xff\xff\xff\x00\x16\x3e\x00\x00\x99\x08\x00", 14);
    f[14] = 0x45;
    f[17] = (uint8_t)(len - 14);
    f[23] = 17;
    memcpy(f + 26, "\xc6\x12\x00\x01\xff\xff\xff\xff", 8);
    f[34] = 0x00;
    f[35] = 0x43;
    f[36] = 0x00;
    f[37] = 0x44;
    f[39] = 108;
    for (int i = 0; i < 100; i++)
        f[42 + i] = (uint8_t)(i * 7);
    ps = lp_csum_add(0, f + 26, 8) + 17 + 108;
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    f[40] = (uint8_t)(ps >> 8);
    f[41] = (uint8_t)ps;
    memset(&o, 0, sizeof(o));
    assert_int_equal(lp_gso_split(&h, f, len, scratch, collect, &o), 1);
    assert_true(l4_ok(o.f[0], o.len[0], 0, 17));
    /* no checksum work asked: passed through untouched */
    h.flags = 0;
    memset(&o, 0, sizeof(o));
    assert_int_equal(lp_gso_split(&h, f, len, scratch, collect, &o), 1);
    assert_memory_equal(o.f[0], f, len);
}

static void test_refusals_and_truncation(void **state)
{
    static uint8_t f[65536], scratch[65536];
    static struct out o;
    struct lp_vnet_hdr h = {
        LP_VNET_F_NEEDS_CSUM, LP_VNET_GSO_TCPV4, 54, 1380, 34, 16};
    size_t len = make_tcp4(f, 3000, 0x10);

    (void)state;
    h.gso_type = LP_VNET_GSO_UDP; /* UFO: would need IP fragments */
    assert_int_equal(lp_gso_split(&h, f, len, scratch, collect, &o),
                     LP_ERR_PROTO);
    h.gso_type = LP_VNET_GSO_TCPV4;
    h.gso_size = 0;
    assert_int_equal(lp_gso_split(&h, f, len, scratch, collect, &o),
                     LP_ERR_PROTO);
    h.gso_size = 1380;
    f[23] = 17; /* says TCP GSO, carries UDP */
    assert_int_equal(lp_gso_split(&h, f, len, scratch, collect, &o),
                     LP_ERR_PROTO);
    f[23] = 6;
    /* every truncation is refused or split safely, never read past len */
    for (size_t l = 0; l < 60; l++) {
        memset(&o, 0, sizeof(o));
        int n = lp_gso_split(&h, f, l, scratch, collect, &o);
        assert_true(n == LP_ERR_PROTO || n >= 1);
    }
    /* partial checksum offsets beyond the frame */
    h.gso_type = LP_VNET_GSO_NONE;
    h.csum_start = 2000;
    assert_int_equal(lp_gso_split(&h, f, 100, scratch, collect, &o),
                     LP_ERR_PROTO);
}

static void test_vnet_decode(void **state)
{
    uint8_t raw[10] = {1, 4, 0, 0, 0, 0, 0, 0, 0, 0};
    struct lp_vnet_hdr h;
    uint16_t v = 1380;

    (void)state;
    memcpy(raw + 4, &v, 2);
    lp_vnet_hdr_decode(&h, raw);
    assert_int_equal(h.flags, 1);
    assert_int_equal(h.gso_type, LP_VNET_GSO_TCPV6);
    assert_int_equal(h.gso_size, 1380);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp4_split),
        cmocka_unit_test(test_csum_partial_udp),
        cmocka_unit_test(test_refusals_and_truncation),
        cmocka_unit_test(test_vnet_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
