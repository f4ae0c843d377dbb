/* lp_secdir: the administrators-only journal directory; see lp_secdir.h. */
#include "lp_secdir.h"

#include <aclapi.h>
#include <sddl.h>

#include <stdio.h>
#include <string.h>

#include "lp_err.h"

/* Rights that let a SID change what the directory or file holds. */
#define SECDIR_WRITE_RIGHTS                                                    \
    (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD |  \
     FILE_WRITE_ATTRIBUTES | DELETE | WRITE_DAC | WRITE_OWNER |                \
     GENERIC_WRITE | GENERIC_ALL | MAXIMUM_ALLOWED)

/* secdir_wine_user: under wine, the process's user SID (static storage);
 * NULL on Windows. */
static PSID secdir_wine_user(void)
{
    static union {
        TOKEN_USER tu;
        unsigned char b[256];
    } u;
    static int done;
    static PSID sid;
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    HANDLE tok;
    DWORD n;

    if (done)
        return sid;
    done = 1;
    if (nt == NULL || GetProcAddress(nt, "wine_get_version") == NULL ||
        !OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return NULL;
    if (GetTokenInformation(tok, TokenUser, &u, sizeof(u), &n))
        sid = u.tu.User.Sid;
    CloseHandle(tok);
    return sid;
}

/* secdir_trusted_sid: SYSTEM or Administrators; under wine also the
 * user, because wine keeps no descriptors for files and reports every
 * file as owned by the user, with entries derived from its Unix mode
 * (so a world-writable file still shows Everyone may write). */
static int secdir_trusted_sid(PSID sid)
{
    PSID wine = secdir_wine_user();

    return IsWellKnownSid(sid, WinLocalSystemSid) ||
           IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
           (wine != NULL && EqualSid(sid, wine));
}

static void secdir_sid_text(PSID sid, char *out, size_t outlen)
{
    char *s = NULL;

    if (sid != NULL && ConvertSidToStringSidA(sid, &s) && s != NULL) {
        snprintf(out, outlen, "%s", s);
        LocalFree(s);
    } else {
        snprintf(out, outlen, "(unknown)");
    }
}

int lp_secdir_check_sd(PSECURITY_DESCRIPTOR sd, char *err, size_t errlen)
{
    PSID owner = NULL;
    PACL dacl = NULL;
    BOOL defaulted = FALSE, present = FALSE;
    ACL_SIZE_INFORMATION info;
    char sid[96];

    if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) || owner == NULL ||
        !secdir_trusted_sid(owner)) {
        secdir_sid_text(owner, sid, sizeof(sid));
        snprintf(err, errlen, "owned by %s, not by SYSTEM or Administrators",
                 sid);
        return LP_ERR_PERM;
    }
    if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) ||
        !present || dacl == NULL ||
        !GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation)) {
        snprintf(err, errlen, "has no DACL (everyone may write)");
        return LP_ERR_PERM;
    }
    for (DWORD i = 0; i < info.AceCount; i++) {
        ACE_HEADER *h = NULL;
        ACCESS_ALLOWED_ACE *a;

        if (!GetAce(dacl, i, (void **)&h) || h == NULL) {
            snprintf(err, errlen, "has an unreadable DACL entry %lu",
                     (unsigned long)i);
            return LP_ERR_PERM;
        }
        if (h->AceType == ACCESS_DENIED_ACE_TYPE)
            continue;
        if (h->AceType != ACCESS_ALLOWED_ACE_TYPE) {
            snprintf(err, errlen, "has a DACL entry of type %u",
                     (unsigned)h->AceType);
            return LP_ERR_PERM;
        }
        a = (ACCESS_ALLOWED_ACE *)h;
        if ((a->Mask & SECDIR_WRITE_RIGHTS) != 0 &&
            !secdir_trusted_sid((PSID)&a->SidStart)) {
            secdir_sid_text((PSID)&a->SidStart, sid, sizeof(sid));
            snprintf(err, errlen, "lets %s write (access mask 0x%lx)", sid,
                     (unsigned long)a->Mask);
            return LP_ERR_PERM;
        }
    }
    return 0;
}

/* secdir_sa builds the security attributes of LP_SECDIR_SDDL; the caller
 * LocalFree()s sa->lpSecurityDescriptor. */
static int secdir_sa(SECURITY_ATTRIBUTES *sa)
{
    PSECURITY_DESCRIPTOR sd = NULL;

    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(
            LP_SECDIR_SDDL, SDDL_REVISION_1, &sd, NULL))
        return LP_ERR_IO;
    memset(sa, 0, sizeof(*sa));
    sa->nLength = sizeof(*sa);
    sa->lpSecurityDescriptor = sd;
    sa->bInheritHandle = FALSE;
    return 0;
}

int lp_secdir_ensure(const char *dir, char *err, size_t errlen)
{
    SECURITY_ATTRIBUTES sa;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD attr = GetFileAttributesA(dir), rc;
    char why[256];

    if (attr == INVALID_FILE_ATTRIBUTES) {
        if (secdir_sa(&sa) != 0) {
            snprintf(err, errlen, "cannot build the descriptor for '%s'", dir);
            return LP_ERR_IO;
        }
        rc = CreateDirectoryA(dir, &sa) ? 0 : GetLastError();
        LocalFree(sa.lpSecurityDescriptor);
        if (rc != 0 && rc != ERROR_ALREADY_EXISTS) {
            snprintf(err, errlen,
                     "cannot create the directory '%s' (error %lu)", dir,
                     (unsigned long)rc);
            return LP_ERR_IO;
        }
        attr = GetFileAttributesA(dir);
    }
    if (attr == INVALID_FILE_ATTRIBUTES ||
        (attr & FILE_ATTRIBUTE_DIRECTORY) == 0 ||
        (attr & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
        snprintf(err, errlen,
                 "'%s' is not a plain directory; an administrator should "
                 "delete it",
                 dir);
        return LP_ERR_PERM;
    }
    rc = GetNamedSecurityInfoA(dir, SE_FILE_OBJECT,
                               OWNER_SECURITY_INFORMATION |
                                   DACL_SECURITY_INFORMATION,
                               NULL, NULL, NULL, NULL, &sd);
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen, "cannot read the permissions of '%s' (error %lu)",
                 dir, (unsigned long)rc);
        return LP_ERR_IO;
    }
    rc = (DWORD)lp_secdir_check_sd(sd, why, sizeof(why));
    LocalFree(sd);
    if (rc != 0) {
        snprintf(err, errlen,
                 "refusing the journal directory '%s': it is %s; an "
                 "administrator should delete it (rmdir /s) so that "
                 "lanparty-client creates it again",
                 dir, why);
        return LP_ERR_PERM;
    }
    return 0;
}

int lp_secdir_default(char *out, size_t outlen, char *err, size_t errlen)
{
    char base[MAX_PATH];
    DWORD n = GetEnvironmentVariableA("ProgramData", base, sizeof(base));

    /* The value comes from the user's environment; lp_secdir_ensure's
     * owner check is what makes the directory trustworthy. */
    if (n == 0 || n >= sizeof(base) || !(base[1] == ':' && base[2] == '\\') ||
        (size_t)snprintf(out, outlen, "%s\\%s", base, LP_SECDIR_NAME) >=
            outlen) {
        snprintf(err, errlen, "no usable %%ProgramData%% directory");
        return LP_ERR_IO;
    }
    return 0;
}

int lp_secdir_write(const char *path, const void *data, size_t len)
{
    SECURITY_ATTRIBUTES sa;
    char tmp[MAX_PATH + 8];
    HANDLE h;
    DWORD done = 0;
    BOOL ok;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
        len > 0x7fffffff || secdir_sa(&sa) != 0)
        return LP_ERR_IO;
    h = CreateFileA(tmp, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    LocalFree(sa.lpSecurityDescriptor);
    if (h == INVALID_HANDLE_VALUE)
        return LP_ERR_IO;
    ok = WriteFile(h, data, (DWORD)len, &done, NULL) && done == len &&
         FlushFileBuffers(h);
    CloseHandle(h);
    if (!ok ||
        !MoveFileExA(tmp, path,
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        DeleteFileA(tmp);
        return LP_ERR_IO;
    }
    return 0;
}

int lp_secdir_read(const char *path, char *buf, size_t cap, size_t *len,
                   char *err, size_t errlen)
{
    BY_HANDLE_FILE_INFORMATION fi;
    PSECURITY_DESCRIPTOR sd = NULL;
    char why[256];
    DWORD rc, got = 0;
    HANDLE h;
    int rv;

    *len = 0;
    h = CreateFileA(path, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, NULL,
                    OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        rc = GetLastError();
        if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
            return 1;
        snprintf(err, errlen, "cannot open '%s' (error %lu)", path,
                 (unsigned long)rc);
        return LP_ERR_IO;
    }
    if (!GetFileInformationByHandle(h, &fi) ||
        (fi.dwFileAttributes &
         (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) != 0) {
        snprintf(err, errlen, "'%s' is not a plain file", path);
        CloseHandle(h);
        return LP_ERR_PERM;
    }
    rc = GetSecurityInfo(h, SE_FILE_OBJECT,
                         OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                         NULL, NULL, NULL, NULL, &sd);
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen, "cannot read the permissions of '%s' (error %lu)",
                 path, (unsigned long)rc);
        CloseHandle(h);
        return LP_ERR_IO;
    }
    rv = lp_secdir_check_sd(sd, why, sizeof(why));
    LocalFree(sd);
    if (rv != 0) {
        snprintf(err, errlen, "refusing the journal '%s': it is %s", path, why);
        CloseHandle(h);
        return LP_ERR_PERM;
    }
    if (cap > 0x7fffffff)
        cap = 0x7fffffff;
    if (!ReadFile(h, buf, (DWORD)cap, &got, NULL)) {
        snprintf(err, errlen, "cannot read '%s' (error %lu)", path,
                 (unsigned long)GetLastError());
        CloseHandle(h);
        return LP_ERR_IO;
    }
    CloseHandle(h);
    *len = got;
    return 0;
}
