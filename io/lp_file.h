/*
 * lp_file: small whole-file reads and crash-safe replacement, for the room
 * list, identity files and certificates (Linux and Windows).
 */
#ifndef LP_FILE_H
#define LP_FILE_H

#include <stddef.h>

/*
 * lp_file_read reads the whole file at path into a malloc'd buffer *out
 * (the caller frees it) holding *len bytes plus a terminating NUL that is
 * not counted, so text can be used as a string. A file larger than max
 * bytes is refused. Returns 0, LP_ERR_IO (cannot open or read), LP_ERR_RANGE
 * (larger than max) or LP_ERR_NOMEM, with a message naming path in err.
 */
int lp_file_read(const char *path, size_t max, char **out, size_t *len,
                 char *err, size_t errlen);

/*
 * lp_file_write_atomic replaces path with len bytes of data so that a
 * reader sees either the old file or the whole new one, even after a
 * crash: it writes a temporary file in the same directory, flushes it to
 * disk, and renames it over path (POSIX rename; Windows MoveFileExA with
 * MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH). With owner_only the
 * file is created readable and writable by its owner only, before any
 * byte is written: mode 0600 on POSIX, a protected DACL granting full
 * access to the current user alone on Windows (spec section 8). Otherwise
 * it gets mode 0666 less the umask (POSIX) or the directory's inherited
 * permissions (Windows). Returns 0, or LP_ERR_IO with a message naming
 * path and the reason; on failure path is unchanged and no temporary file
 * is left behind.
 */
int lp_file_write_atomic(const char *path, const void *data, size_t len,
                         int owner_only, char *err, size_t errlen);

#endif /* LP_FILE_H */
