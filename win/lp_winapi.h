/*
 * lp_winapi: the IP Helper calls the Windows client makes, as a table of
 * function pointers.
 *
 * lp_winapi_load fills the table from iphlpapi.dll with GetProcAddress
 * rather than linking the functions directly: wine 8 lacks several of them
 * (CreateIpForwardEntry2, GetIpInterfaceEntry, SetIpInterfaceEntry, ...)
 * and GetBestRoute2 there is a stub returning ERROR_NOT_SUPPORTED, so the
 * callers check for NULL and fall back (GetBestInterfaceEx, a walk of
 * GetIpForwardTable2 through lp_routeplan) or skip with a warning. Tests
 * can hand lp_winroute a table of fakes instead.
 *
 * Include order: <winsock2.h>, <ws2tcpip.h>, <iphlpapi.h>
 * (_WIN32_WINNT >= 0x0600, see cross/mingw-w64.ini).
 */
#ifndef LP_WINAPI_H
#define LP_WINAPI_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <stddef.h>

struct lp_winapi {
    int is_wine; /* running under wine: system changes are skipped */
    DWORD(WINAPI *GetBestRoute2)
    (NET_LUID *, NET_IFINDEX, const SOCKADDR_INET *, const SOCKADDR_INET *,
     ULONG, PMIB_IPFORWARD_ROW2, SOCKADDR_INET *);
    DWORD(WINAPI *GetBestInterfaceEx)(struct sockaddr *, PDWORD);
    DWORD(WINAPI *GetIpForwardTable2)(ADDRESS_FAMILY, PMIB_IPFORWARD_TABLE2 *);
    DWORD(WINAPI *CreateIpForwardEntry2)(const MIB_IPFORWARD_ROW2 *);
    DWORD(WINAPI *DeleteIpForwardEntry2)(const MIB_IPFORWARD_ROW2 *);
    DWORD(WINAPI *GetIpInterfaceEntry)(PMIB_IPINTERFACE_ROW);
    DWORD(WINAPI *SetIpInterfaceEntry)(PMIB_IPINTERFACE_ROW);
    VOID(WINAPI *FreeMibTable)(PVOID);
    DWORD(WINAPI *ConvertInterfaceGuidToLuid)(const GUID *, PNET_LUID);
    DWORD(WINAPI *ConvertInterfaceLuidToIndex)(const NET_LUID *, PNET_IFINDEX);
    DWORD(WINAPI *GetUnicastIpAddressTable)
    (ADDRESS_FAMILY, PMIB_UNICASTIPADDRESS_TABLE *);
};

/*
 * lp_winapi_load resolves the table (missing functions stay NULL) and
 * detects wine. Returns 0, or LP_ERR_IO with err filled when iphlpapi.dll
 * cannot be loaded at all.
 */
int lp_winapi_load(struct lp_winapi *api, char *err, size_t errlen);

/* lp_winapi_strerror writes Windows' text for a Win32 error code, with the
 * number, into buf and returns buf. */
const char *lp_winapi_strerror(DWORD code, char *buf, size_t len);

#endif /* LP_WINAPI_H */
