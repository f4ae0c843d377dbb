#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lp_err.h"
#include "lp_file.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lp_file_test.XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];

    (void)state;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    return rmdir(dir);
}

/* dir_entries counts the files in dir (no temporary files left). */
static int dir_entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d != NULL && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

static void test_write_read_modes(void **state)
{
    static const struct {
        int owner_only;
        mode_t mode;
        const char *data;
    } t[] = {
        {1, 0600, "{\"version\":1}\n"},
        {0, 0644, "second"},
        {1, 0600, ""},
        {0, 0644, "x"},
    };
    char path[256], err[256], *buf;
    struct stat st;
    size_t len;
    mode_t old = umask(022);

    (void)state;
    snprintf(path, sizeof(path), "%s/id.json", dir);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (lp_file_write_atomic(path, t[i].data, strlen(t[i].data),
                                 t[i].owner_only, err, sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, t[i].mode);
        assert_int_equal(lp_file_read(path, 1024, &buf, &len, err, sizeof(err)),
                         0);
        assert_int_equal(len, strlen(t[i].data));
        assert_string_equal(buf, t[i].data); /* NUL-terminated */
        free(buf);
        assert_int_equal(dir_entries(), 1);
    }
    umask(old);
}

static void test_read_limits(void **state)
{
    char path[256], err[256], *buf;
    size_t len;
    static char big[10000];

    (void)state;
    snprintf(path, sizeof(path), "%s/big", dir);
    memset(big, 'b', sizeof(big));
    assert_int_equal(
        lp_file_write_atomic(path, big, sizeof(big), 0, err, sizeof(err)), 0);
    assert_int_equal(
        lp_file_read(path, sizeof(big), &buf, &len, err, sizeof(err)), 0);
    assert_int_equal(len, sizeof(big));
    free(buf);
    assert_int_equal(
        lp_file_read(path, sizeof(big) - 1, &buf, &len, err, sizeof(err)),
        LP_ERR_RANGE);
    assert_null(buf);
    assert_non_null(strstr(err, "larger than 9999 bytes"));
    assert_non_null(strstr(err, path));
    unlink(path);
}

static void test_errors(void **state)
{
    char path[256], err[256], *buf;
    size_t len;
    int n;

    (void)state;
    snprintf(path, sizeof(path), "%s/no/such/dir/f", dir);
    assert_int_equal(lp_file_write_atomic(path, "x", 1, 1, err, sizeof(err)),
                     LP_ERR_IO);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(lp_file_read(path, 10, &buf, &len, err, sizeof(err)),
                     LP_ERR_IO);
    assert_non_null(strstr(err, path));
    /* renaming over a directory fails and leaves nothing behind */
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    n = dir_entries();
    assert_int_equal(lp_file_write_atomic(path, "x", 1, 0, err, sizeof(err)),
                     LP_ERR_IO);
    assert_non_null(strstr(err, "cannot rename"));
    assert_int_equal(dir_entries(), n);
    rmdir(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_modes),
        cmocka_unit_test(test_read_limits),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
