/*
 * memmem for mingw-w64 (a GNU extension msvcrt lacks), force-included into
 * tests/unit/ctrl_test.c for the Windows build only (win/meson.build).
 */
#ifndef LP_COMPAT_MEMMEM_H
#define LP_COMPAT_MEMMEM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void *memmem(const void *hay, size_t hlen, const void *needle,
                           size_t nlen)
{
    const unsigned char *h = hay;

    if (nlen == 0)
        return (void *)(uintptr_t)hay;
    for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (h[i] == *(const unsigned char *)needle &&
            memcmp(h + i, needle, nlen) == 0)
            return (void *)(uintptr_t)(h + i);
    return NULL;
}
#endif
