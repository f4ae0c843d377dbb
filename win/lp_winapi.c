/* lp_winapi: IP Helper function table; see lp_winapi.h. */
#include "lp_winapi.h"

#include <stdio.h>
#include <string.h>

#include "lp_err.h"

/* winapi_sym returns a symbol as a generic function pointer (casting
 * FARPROC to the real type goes through void (*)(void) to keep
 * -Wcast-function-type quiet). */
static void (*winapi_sym(HMODULE m, const char *name))(void)
{
    return (void (*)(void))(void *)GetProcAddress(m, name);
}

#define WINAPI_LOAD(api, m, fn)                                                \
    ((api)->fn = (__typeof__((api)->fn))winapi_sym(m, #fn))

int lp_winapi_load(struct lp_winapi *api, char *err, size_t errlen)
{
    HMODULE ip, nt;

    memset(api, 0, sizeof(*api));
    nt = GetModuleHandleA("ntdll.dll");
    api->is_wine = nt != NULL && winapi_sym(nt, "wine_get_version") != NULL;
    ip = LoadLibraryA("iphlpapi.dll");
    if (ip == NULL) {
        char m[160];
        snprintf(err, errlen, "cannot load iphlpapi.dll: %s",
                 lp_winapi_strerror(GetLastError(), m, sizeof(m)));
        return LP_ERR_IO;
    }
    WINAPI_LOAD(api, ip, GetBestRoute2);
    WINAPI_LOAD(api, ip, GetBestInterfaceEx);
    WINAPI_LOAD(api, ip, GetIpForwardTable2);
    WINAPI_LOAD(api, ip, CreateIpForwardEntry2);
    WINAPI_LOAD(api, ip, DeleteIpForwardEntry2);
    WINAPI_LOAD(api, ip, GetIpInterfaceEntry);
    WINAPI_LOAD(api, ip, SetIpInterfaceEntry);
    WINAPI_LOAD(api, ip, FreeMibTable);
    WINAPI_LOAD(api, ip, ConvertInterfaceGuidToLuid);
    WINAPI_LOAD(api, ip, ConvertInterfaceLuidToIndex);
    WINAPI_LOAD(api, ip, GetUnicastIpAddressTable);
    return 0;
}

const char *lp_winapi_strerror(DWORD code, char *buf, size_t len)
{
    char msg[256];
    DWORD n;

    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
                           FORMAT_MESSAGE_IGNORE_INSERTS,
                       NULL, code, 0, msg, sizeof(msg), NULL);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' ||
                     msg[n - 1] == ' ' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    if (n == 0)
        snprintf(buf, len, "error %lu", (unsigned long)code);
    else
        snprintf(buf, len, "%s (error %lu)", msg, (unsigned long)code);
    return buf;
}
