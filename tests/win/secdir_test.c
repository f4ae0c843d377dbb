/*
 * Tests of win/lp_secdir: which owners and DACLs make the journal's
 * directory and file trustworthy (descriptors from SDDL), and, on wine's
 * file system, creating the directory, refusing one made with the default
 * descriptor or a file in its place, and the journal file round trip.
 */
#include "lp_secdir.h"

#include <sddl.h>

#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_wintest.h"

static char base[MAX_PATH];

/* check_sddl runs lp_secdir_check_sd on a descriptor given as SDDL. */
static int check_sddl(const char *sddl, char *err, size_t errlen)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    int rv;

    err[0] = '\0';
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(
            sddl, SDDL_REVISION_1, &sd, NULL)) {
        printf("  cannot parse SDDL %s\n", sddl);
        return 99;
    }
    rv = lp_secdir_check_sd(sd, err, errlen);
    LocalFree(sd);
    return rv;
}

static void test_check_sd(void)
{
    char err[256];

    CHECK_INT(check_sddl(LP_SECDIR_SDDL, err, sizeof(err)), 0);
    CHECK_INT(
        check_sddl("O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", err, sizeof(err)),
        0);
    /* others may read, and deny entries change nothing */
    CHECK_INT(check_sddl("O:BAD:(A;;FA;;;BA)(A;;FR;;;BU)(D;;FA;;;WD)", err,
                         sizeof(err)),
              0);
    /* a folder a user created in ProgramData: the user owns it */
    CHECK_INT(check_sddl("O:S-1-5-21-1-2-3-1001D:P(A;OICI;FA;;;BA)", err,
                         sizeof(err)),
              LP_ERR_PERM);
    CHECK(strstr(err, "owned by S-1-5-21-1-2-3-1001") != NULL);
    CHECK_INT(check_sddl("O:BUD:P(A;;FA;;;BA)", err, sizeof(err)), LP_ERR_PERM);
    /* Users may add files (ProgramData's own inherited entry) */
    CHECK_INT(
        check_sddl("O:BAD:(A;;FA;;;BA)(A;OICI;0x2;;;BU)", err, sizeof(err)),
        LP_ERR_PERM);
    CHECK(strstr(err, "S-1-5-32-545") != NULL);
    CHECK_INT(check_sddl("O:BAD:(A;;FA;;;BA)(A;;GA;;;WD)", err, sizeof(err)),
              LP_ERR_PERM);
    CHECK_INT(check_sddl("O:BAD:(A;;FA;;;BA)(A;;WD;;;AU)", err, sizeof(err)),
              LP_ERR_PERM);
    /* inherit-only entries still make new files writable */
    CHECK_INT(
        check_sddl("O:BAD:(A;;FA;;;BA)(A;OICIIO;FA;;;CO)", err, sizeof(err)),
        LP_ERR_PERM);
    /* no DACL at all (a NULL DACL): everyone has full control */
    {
        SECURITY_DESCRIPTOR sd;
        union {
            SID sid;
            unsigned char b[SECURITY_MAX_SID_SIZE];
        } ba;
        DWORD n = sizeof(ba);
        CHECK(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
        CHECK(CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, &ba, &n));
        CHECK(SetSecurityDescriptorOwner(&sd, &ba, FALSE));
        CHECK(SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
        CHECK_INT(lp_secdir_check_sd(&sd, err, sizeof(err)), LP_ERR_PERM);
        CHECK(strstr(err, "no DACL") != NULL);
    }
}

/* make_open creates a directory (or, with file, a file) and lets everyone
 * write it: what a user's process can leave at the journal's place. (The
 * descriptor is set afterwards: wine ignores one given at creation.) */
static int make_open(const char *path, int file)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    int ok;

    if (!file) {
        ok = CreateDirectoryA(path, NULL);
    } else {
        HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                               FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD w;
        ok = h != INVALID_HANDLE_VALUE;
        if (ok) {
            WriteFile(h, "[]", 2, &w, NULL);
            CloseHandle(h);
        }
    }
    if (!ok || !ConvertStringSecurityDescriptorToSecurityDescriptorA(
                   "D:(A;OICI;FA;;;WD)", SDDL_REVISION_1, &sd, NULL))
        return 0;
    ok = SetFileSecurityA(path, DACL_SECURITY_INFORMATION, sd);
    LocalFree(sd);
    return ok;
}

static void test_ensure(void)
{
    char dir[MAX_PATH + 32], err[512] = "";
    FILE *f;

    snprintf(dir, sizeof(dir), "%s\\good", base);
    CHECK_INT(lp_secdir_ensure(dir, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    /* again: it exists and passes the check */
    CHECK_INT(lp_secdir_ensure(dir, err, sizeof(err)), 0);
    RemoveDirectoryA(dir);
    /* left by another process, writable by everyone */
    snprintf(dir, sizeof(dir), "%s\\planted", base);
    CHECK(make_open(dir, 0));
    CHECK_INT(lp_secdir_ensure(dir, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "refusing the journal directory") != NULL);
    RemoveDirectoryA(dir);
    /* a file where the directory should be */
    snprintf(dir, sizeof(dir), "%s\\afile", base);
    f = fopen(dir, "wb");
    if (f != NULL)
        fclose(f);
    CHECK_INT(lp_secdir_ensure(dir, err, sizeof(err)), LP_ERR_PERM);
    CHECK(strstr(err, "not a plain directory") != NULL);
    DeleteFileA(dir);
}

static void test_file(void)
{
    char dir[MAX_PATH + 32], path[MAX_PATH + 64], buf[64], err[512] = "";
    size_t n = 99;

    snprintf(dir, sizeof(dir), "%s\\files", base);
    CHECK_INT(lp_secdir_ensure(dir, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s\\j.json", dir);
    CHECK_INT(lp_secdir_read(path, buf, sizeof(buf), &n, err, sizeof(err)), 1);
    CHECK_INT(lp_secdir_write(path, "{\"a\":1}", 7), 0);
    CHECK_INT(lp_secdir_read(path, buf, sizeof(buf), &n, err, sizeof(err)), 0);
    CHECK_INT(n, 7);
    CHECK(memcmp(buf, "{\"a\":1}", 7) == 0);
    /* replaced atomically: no temporary file left */
    CHECK_INT(lp_secdir_write(path, "[]", 2), 0);
    CHECK_INT(lp_secdir_read(path, buf, sizeof(buf), &n, err, sizeof(err)), 0);
    CHECK_INT(n, 2);
    DeleteFileA(path);
    /* a file everyone may write */
    CHECK(make_open(path, 1));
    CHECK_INT(lp_secdir_read(path, buf, sizeof(buf), &n, err, sizeof(err)),
              LP_ERR_PERM);
    CHECK(strstr(err, "refusing the journal") != NULL);
    DeleteFileA(path);
    RemoveDirectoryA(dir);
}

static void test_default(void)
{
    char dir[MAX_PATH], err[256] = "";

    CHECK_INT(lp_secdir_default(dir, sizeof(dir), err, sizeof(err)), 0);
    CHECK(strstr(dir, "\\lanparty") != NULL);
    CHECK(dir[1] == ':');
}

int main(void)
{
    static const struct lp_wintest tests[] = {
        {"check_sd", test_check_sd},
        {"ensure", test_ensure},
        {"file", test_file},
        {"default", test_default},
    };
    char tmp[MAX_PATH];
    DWORD n = GetTempPathA(sizeof(tmp), tmp);

    if (n == 0 || n >= sizeof(tmp))
        snprintf(tmp, sizeof(tmp), ".\\");
    snprintf(base, sizeof(base), "%slp-secdir-test-%lu", tmp,
             (unsigned long)GetCurrentProcessId());
    CreateDirectoryA(base, NULL);
    n = (DWORD)lp_wintest_run("secdir", tests,
                              sizeof(tests) / sizeof(tests[0]));
    RemoveDirectoryA(base);
    return (int)n;
}
