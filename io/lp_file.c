/* lp_file: whole-file read and atomic replace; see lp_file.h. */
#include "lp_file.h"

#ifdef _WIN32
#include <windows.h>
#include <sddl.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_err.h"

int lp_file_read(const char *path, size_t max, char **out, size_t *len,
                 char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return LP_ERR_IO;
    }
    /* Grow while reading: the size from stat may change under us, and
     * max bounds the memory whatever the file claims. */
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap == 0 ? 4096 : cap * 2;
            char *p;
            if (ncap > max + 1)
                ncap = max + 1;
            if (ncap <= cap) {
                fclose(f);
                free(buf);
                snprintf(err, errlen, "'%s' is larger than %zu bytes", path,
                         max);
                return LP_ERR_RANGE;
            }
            if ((p = realloc(buf, ncap + 1)) == NULL) {
                fclose(f);
                free(buf);
                snprintf(err, errlen, "cannot read '%s': out of memory", path);
                return LP_ERR_NOMEM;
            }
            buf = p;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        fclose(f);
        free(buf);
        return LP_ERR_IO;
    }
    fclose(f);
    if (n > max) {
        free(buf);
        snprintf(err, errlen, "'%s' is larger than %zu bytes", path, max);
        return LP_ERR_RANGE;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

#ifdef _WIN32

/* file_winerr writes the text of GetLastError() code e. */
static const char *file_winerr(DWORD e, char *buf, size_t len)
{
    if (FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
                           FORMAT_MESSAGE_IGNORE_INSERTS,
                       NULL, e, 0, buf, (DWORD)len, NULL) == 0)
        snprintf(buf, len, "error %lu", (unsigned long)e);
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

/*
 * file_owner_sd builds a protected DACL that grants full access to the
 * process's user alone (no inherited entries), as SDDL
 * "D:P(A;;FA;;;<user SID>)". Free *sd with LocalFree.
 */
static int file_owner_sd(PSECURITY_DESCRIPTOR *sd)
{
    HANDLE tok = NULL;
    union {
        TOKEN_USER tu;
        char buf[256];
    } u;
    DWORD n = 0;
    char *sid = NULL, sddl[256];
    int rv = -1;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -1;
    if (GetTokenInformation(tok, TokenUser, &u, sizeof(u), &n) &&
        ConvertSidToStringSidA(u.tu.User.Sid, &sid) &&
        snprintf(sddl, sizeof(sddl), "D:P(A;;FA;;;%s)", sid) <
            (int)sizeof(sddl) &&
        ConvertStringSecurityDescriptorToSecurityDescriptorA(
            sddl, SDDL_REVISION_1, sd, NULL))
        rv = 0;
    if (sid != NULL)
        LocalFree(sid);
    CloseHandle(tok);
    return rv;
}

int lp_file_write_atomic(const char *path, const void *data, size_t len,
                         int owner_only, char *err, size_t errlen)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, FALSE};
    PSECURITY_DESCRIPTOR sd = NULL;
    char tmp[MAX_PATH + 32], msg[160];
    const char *p = data;
    HANDLE h;
    DWORD e;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp%lu", path,
                 (unsigned long)GetCurrentProcessId()) >= (int)sizeof(tmp)) {
        snprintf(err, errlen, "cannot write '%s': path too long", path);
        return LP_ERR_IO;
    }
    if (owner_only) {
        if (file_owner_sd(&sd) != 0) {
            e = GetLastError();
            snprintf(err, errlen,
                     "cannot write '%s': no owner-only permissions: %s", path,
                     file_winerr(e, msg, sizeof(msg)));
            return LP_ERR_IO;
        }
        sa.lpSecurityDescriptor = sd;
    }
    /* The DACL is set as the file is created: it is never readable by
     * others, not even empty. */
    /* CREATE_NEW: an existing file (a crash's leftover) would keep its
     * own DACL. */
    DeleteFileA(tmp);
    h = CreateFileA(tmp, GENERIC_WRITE, 0, owner_only ? &sa : NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (sd != NULL)
        LocalFree(sd);
    if (h == INVALID_HANDLE_VALUE) {
        e = GetLastError();
        snprintf(err, errlen, "cannot write '%s': %s", path,
                 file_winerr(e, msg, sizeof(msg)));
        return LP_ERR_IO;
    }
    while (len > 0) {
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len, w = 0;
        if (!WriteFile(h, p, chunk, &w, NULL) || w == 0)
            goto fail;
        p += w;
        len -= w;
    }
    if (!FlushFileBuffers(h))
        goto fail;
    CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
    /* A rename within the directory keeps the temporary file's DACL. */
    if (!MoveFileExA(tmp, path,
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        goto fail;
    return 0;
fail:
    e = GetLastError();
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    DeleteFileA(tmp);
    snprintf(err, errlen, "cannot write '%s': %s", path,
             file_winerr(e, msg, sizeof(msg)));
    return LP_ERR_IO;
}

#else

/* file_dir_fd opens the directory holding path (for fsync after rename). */
static int file_dir_fd(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];

    if (slash == NULL)
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if ((size_t)(slash - path) + 1 >= sizeof(dir))
        return -1;
    memcpy(dir, path, (size_t)(slash - path) + 1);
    dir[slash - path + 1] = '\0';
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int lp_file_write_atomic(const char *path, const void *data, size_t len,
                         int owner_only, char *err, size_t errlen)
{
    static unsigned counter;
    char tmp[4096 + 64];
    const char *p = data, *what = "write";
    int fd = -1, dfd, e;

    /* O_EXCL: a name of our own, never someone else's file or symlink. */
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path, (long)getpid(),
                     counter++) >= (int)sizeof(tmp)) {
            snprintf(err, errlen, "cannot write '%s': path too long", path);
            return LP_ERR_IO;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  owner_only ? 0600 : 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return LP_ERR_IO;
    }
    /* The umask can only remove bits, but make 0600 explicit. */
    if (owner_only && fchmod(fd, 0600) != 0)
        goto fail;
    /* A file we replace keeps its owner (root editing the room list of a
     * relay that runs as its own user); only root can give files away. */
    {
        struct stat st;
        if (geteuid() == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            (st.st_uid != 0 || st.st_gid != 0) &&
            fchown(fd, st.st_uid, st.st_gid) != 0)
            goto fail;
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        len -= (size_t)w;
    }
    what = "sync";
    if (fsync(fd) != 0)
        goto fail;
    what = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    what = "rename";
    if (rename(tmp, path) != 0)
        goto fail;
    /* Make the rename itself durable. */
    if ((dfd = file_dir_fd(path)) >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    snprintf(err, errlen, "cannot %s '%s': %s", what, path, strerror(e));
    return LP_ERR_IO;
}

#endif
