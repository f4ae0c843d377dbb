/*
 * lp_confargs: --version and --config FILE for the Linux programs, before
 * their own option parsing. The file (lib/lp_conf's format) is read and
 * each entry checked against the program's getopt_long table: a key is a
 * long flag's name, so every flag has a key. The entries become
 * "--key=value" (or "--key") arguments placed before the real ones, so
 * that the command line wins: a later flag replaces an earlier value, and
 * a repeatable flag (--allow-ethertype) adds to the file's.
 */
#ifndef LP_CONFARGS_H
#define LP_CONFARGS_H

#include <getopt.h>

/*
 * lp_confargs looks at *argc and *argv (up to a "--"): "--version" prints
 * "PROG VERSION" on stdout and returns 0; "--config FILE" or
 * "--config=FILE" (once) is taken out and FILE's entries are put in front.
 * A key must name an entry of opts other than help; a flag without an
 * argument takes no value or one of true/yes/1 (given) or false/no/0
 * (left out); a flag with an argument needs a value; a key may appear
 * once, unless it is listed in repeatable (NULL-terminated, may be NULL).
 * Errors are printed as "PROG: FILE:LINE: key 'K': reason" and return
 * LP_EXIT_USAGE (or LP_EXIT_ERROR when FILE cannot be read). Returns -1
 * to go on, with *argc and *argv replaced when a file was read (the new array
 * lives until exit).
 */
int lp_confargs(const char *prog, const struct option *opts,
                const char *const *repeatable, int *argc, char ***argv);

/* The flags every program accepts more than once. */
#define LP_CONFARGS_REPEATABLE ((const char *const[]){"allow-ethertype", NULL})

/* The version every program prints (meson's project version). */
const char *lp_version(void);

#endif /* LP_CONFARGS_H */
