#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_b64.h"
#include "lp_err.h"

/* RFC 4648 section 10 vectors, in the URL alphabet and without padding. */
static void test_vectors(void **state)
{
    static const struct {
        const char *raw, *enc;
    } t[] = {
        {"", ""},
        {"f", "Zg"},
        {"fo", "Zm8"},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg"},
        {"fooba", "Zm9vYmE"},
        {"foobar", "Zm9vYmFy"},
        {"\xfb\xff\xbf", "-_-_"}, /* the two URL-safe characters */
    };
    char enc[64];
    uint8_t dec[64];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t rl = strlen(t[i].raw);
        assert_int_equal(
            lp_b64url_encode(enc, sizeof(enc), (const uint8_t *)t[i].raw, rl),
            strlen(t[i].enc));
        assert_string_equal(enc, t[i].enc);
        assert_int_equal(LP_B64URL_LEN(rl), strlen(t[i].enc));
        assert_int_equal(
            lp_b64url_decode(dec, sizeof(dec), &n, t[i].enc, strlen(t[i].enc)),
            0);
        assert_int_equal(n, rl);
        assert_memory_equal(dec, t[i].raw, rl);
    }
}

static void test_roundtrip_all_lengths(void **state)
{
    uint8_t raw[70], dec[70];
    char enc[100];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof(raw); len++) {
        size_t el = lp_b64url_encode(enc, sizeof(enc), raw, len);
        assert_int_equal(el, LP_B64URL_LEN(len));
        assert_int_equal(lp_b64url_decode(dec, len, &n, enc, el), 0);
        assert_int_equal(n, len);
        assert_memory_equal(dec, raw, len);
        if (len > 0) /* one byte short */
            assert_int_equal(lp_b64url_decode(dec, len - 1, &n, enc, el),
                             LP_ERR_RANGE);
    }
}

/* A 32-byte secret is 43 characters; the last one encodes 2 zero bits. */
static void test_resume_length(void **state)
{
    uint8_t raw[32], dec[32];
    char enc[44];
    size_t n;

    (void)state;
    memset(raw, 0xff, sizeof(raw));
    assert_int_equal(lp_b64url_encode(enc, sizeof(enc), raw, 32), 43);
    assert_int_equal(enc[42], '8'); /* 0b111100 */
    assert_int_equal(lp_b64url_decode(dec, 32, &n, enc, 43), 0);
    enc[42] = '9'; /* 0b111101: a non-zero pad bit */
    assert_int_equal(lp_b64url_decode(dec, 32, &n, enc, 43), LP_ERR_INVAL);
    assert_int_equal(n, 0);
}

static void test_rejects(void **state)
{
    static const char *bad[] = {
        "Zg==",  "Zm8=",   "Z",   "Zm9vY", "Zh",    "Zm9",  "Zm+v", "Zm/v",
        "Zm9 v", "Zm9\nv", " Zg", "Zg ",   "Zm9v=", "Zm.v", "Zm9",  "Zm8A=",
    };
    uint8_t dec[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lp_b64url_decode(dec, sizeof(dec), &n, bad[i], strlen(bad[i])) !=
            LP_ERR_INVAL)
            fail_msg("accepted `%s'", bad[i]);
    }
    /* an embedded NUL is not part of the alphabet */
    assert_int_equal(lp_b64url_decode(dec, sizeof(dec), &n, "Zg\0A", 4),
                     LP_ERR_INVAL);
}

static void test_encode_small_buffer(void **state)
{
    const uint8_t raw[3] = {1, 2, 3};
    char out[5];

    (void)state;
    assert_int_equal(lp_b64url_encode(out, 4, raw, 3), 0); /* no room: NUL */
    assert_string_equal(out, "");
    assert_int_equal(lp_b64url_encode(out, 5, raw, 3), 4);
    assert_int_equal(lp_b64url_encode(NULL, 0, raw, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_roundtrip_all_lengths),
        cmocka_unit_test(test_resume_length),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_encode_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
