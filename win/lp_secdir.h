/*
 * lp_secdir: the directory of the undo journal, writable by administrators
 * only.
 *
 * The journal tells the elevated client which routes to delete and which
 * interface settings to restore, so whoever can write it steers those
 * changes. It lives in %ProgramData%\lanparty, which the client creates
 * with an explicit, protected DACL (LP_SECDIR_SDDL: SYSTEM and
 * Administrators full control, nobody else anything; owner
 * Administrators). Every user may create folders in ProgramData, so a
 * directory that already exists is used only when it is not a reparse
 * point, its owner is SYSTEM or Administrators, and its DACL grants nobody
 * else a right to write. The journal file is written with the same
 * descriptor and checked again, through its open handle, before it is
 * read.
 *
 * Under wine, which keeps no descriptors for files and reports each as
 * owned by the user with entries derived from its Unix mode, the user's
 * own SID counts as trusted too; everyone else's write access is still
 * refused.
 */
#ifndef LP_SECDIR_H
#define LP_SECDIR_H

#include <windows.h>

#include <stddef.h>

#define LP_SECDIR_SDDL "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
#define LP_SECDIR_NAME "lanparty"

/*
 * lp_secdir_check_sd checks a security descriptor that holds the owner
 * and the DACL: the owner is SYSTEM or Administrators, the DACL exists,
 * and no allow entry for another SID grants a right to write, delete,
 * add files or change the descriptor. Returns 0, or LP_ERR_PERM with err
 * naming the owner or the SID that may write.
 */
int lp_secdir_check_sd(PSECURITY_DESCRIPTOR sd, char *err, size_t errlen);

/*
 * lp_secdir_ensure creates dir with LP_SECDIR_SDDL (its parent must
 * exist), or checks the existing one. Returns 0, LP_ERR_PERM (exists with
 * a wrong owner or DACL, or is a junction or a file: err says so and that
 * an administrator should delete it) or LP_ERR_IO.
 */
int lp_secdir_ensure(const char *dir, char *err, size_t errlen);

/*
 * lp_secdir_default writes %ProgramData%\lanparty to out. Returns 0 or
 * LP_ERR_IO (no ProgramData, or not an absolute path).
 */
int lp_secdir_default(char *out, size_t outlen, char *err, size_t errlen);

/*
 * lp_secdir_write replaces path atomically with len bytes of data: a
 * temporary file created with LP_SECDIR_SDDL, flushed, then moved over
 * path with MOVEFILE_WRITE_THROUGH. Returns 0 or LP_ERR_IO.
 */
int lp_secdir_write(const char *path, const void *data, size_t len);

/*
 * lp_secdir_read reads at most cap bytes of path into buf after checking
 * the open file's owner and DACL as lp_secdir_check_sd does (and that it
 * is not a reparse point). Returns 0 with *len set, 1 when there is no
 * such file, LP_ERR_PERM (the file is not trustworthy: err says why) or
 * LP_ERR_IO.
 */
int lp_secdir_read(const char *path, char *buf, size_t cap, size_t *len,
                   char *err, size_t errlen);

#endif /* LP_SECDIR_H */
