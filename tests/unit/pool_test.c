/*
 * quic/lp_pool: the fixed pool of reference-counted frame buffers. Buffers
 * are aligned and hold data_size bytes each, an empty pool says so (the
 * caller drops and counts), the last reference returns a buffer, and bad
 * sizes are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lp_err.h"
#include "lp_pool.h"

static void test_pool(void **state)
{
    struct lp_pool p;
    struct lp_pbuf *b[4], *extra;

    (void)state;
    assert_int_equal(lp_pool_init(&p, 4, 1500), 0);
    for (int i = 0; i < 4; i++) {
        b[i] = lp_pool_get(&p);
        assert_non_null(b[i]);
        assert_int_equal(b[i]->refs, 1);
        assert_true(((uintptr_t)b[i]->data & 7) == 0);
        memset(b[i]->data, i, 1500); /* each buffer holds its data_size */
    }
    assert_null(lp_pool_get(&p)); /* empty: the caller drops and counts */
    lp_pbuf_ref(b[0]);
    lp_pool_put(&p, b[0]);
    assert_null(lp_pool_get(&p)); /* still referenced */
    lp_pool_put(&p, b[0]);
    extra = lp_pool_get(&p);
    assert_ptr_equal(extra, b[0]); /* back in the pool */
    for (int i = 1; i < 4; i++)
        assert_int_equal(b[i]->data[1499], i);
    lp_pool_put(&p, extra);
    for (int i = 1; i < 4; i++)
        lp_pool_put(&p, b[i]);
    assert_int_equal(p.nfree, 4);
    lp_pool_free(&p);
}

/* Sizes the pool refuses, and what it accepts as nothing to do. */
static void test_pool_limits(void **state)
{
    struct lp_pool p;

    (void)state;
    assert_int_equal(lp_pool_init(&p, 0, 1500), LP_ERR_INVAL);
    assert_int_equal(lp_pool_init(&p, SIZE_MAX / 64, 1500), LP_ERR_INVAL);
    lp_pool_free(NULL);
    assert_int_equal(lp_pool_init(&p, 1, 0), 0);
    assert_non_null(lp_pool_get(&p));
    assert_null(lp_pool_get(&p));
    lp_pool_put(&p, NULL); /* no buffer: nothing happens */
    assert_int_equal(p.nfree, 0);
    lp_pool_free(&p);
    lp_pool_free(&p); /* twice: the first left it empty */
}

/* Slots are cache-line sized: one buffer's data never reaches the next. */
static void test_pool_slots(void **state)
{
    struct lp_pool p;
    struct lp_pbuf *a, *b;

    (void)state;
    assert_int_equal(lp_pool_init(&p, 2, 100), 0);
    assert_int_equal(p.slot_size % 64, 0);
    assert_true(p.slot_size >= sizeof(struct lp_pbuf) + 100);
    a = lp_pool_get(&p);
    b = lp_pool_get(&p);
    memset(a->data, 0xaa, 100);
    memset(b->data, 0xbb, 100);
    assert_int_equal(a->data[99], 0xaa);
    assert_true(b->data > a->data ? (size_t)(b->data - a->data) >= 100
                                  : (size_t)(a->data - b->data) >= 100);
    a->len = 100;
    lp_pool_put(&p, a);
    a = lp_pool_get(&p);
    assert_int_equal(a->len, 0); /* a reused buffer starts empty */
    assert_int_equal(a->refs, 1);
    lp_pool_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_pool_limits),
        cmocka_unit_test(test_pool_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
