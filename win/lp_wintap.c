/* lp_wintap: TAP-Windows6 device I/O; see lp_wintap.h. */
#include "lp_wintap.h"

#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_winapi.h"

/* wintap_query reads a value with RegQueryValueExW (name in ASCII) into
 * buf. Returns 0 with *type and *len set, or -1. */
static int wintap_query(HKEY k, const char *name, uint8_t *buf, DWORD cap,
                        DWORD *type, DWORD *len)
{
    wchar_t wname[64];
    size_t i;

    for (i = 0; name[i] != '\0' && i + 1 < sizeof(wname) / sizeof(wname[0]);
         i++)
        wname[i] = (wchar_t)(unsigned char)name[i];
    wname[i] = L'\0';
    *len = cap;
    if (RegQueryValueExW(k, wname, NULL, type, buf, len) != ERROR_SUCCESS)
        return -1;
    return 0;
}

static int wintap_query_sz(HKEY k, const char *name, char *out, size_t outlen)
{
    uint8_t buf[1024];
    DWORD type, len;

    if (wintap_query(k, name, buf, sizeof(buf), &type, &len) != 0)
        return -1;
    return lp_tapreg_sz(out, outlen, type, buf, len) == 0 ? 0 : -1;
}

static void wintap_conn_name(struct lp_tap_adapter *a)
{
    char path[256];
    HKEY k;

    a->name[0] = '\0';
    snprintf(path, sizeof(path), "%s\\%s\\Connection", LP_TAP_CONNECTIONS_KEY,
             a->guid);
    if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &k) !=
        ERROR_SUCCESS)
        return;
    if (wintap_query_sz(k, "Name", a->name, sizeof(a->name)) != 0)
        a->name[0] = '\0';
    RegCloseKey(k);
}

int lp_wintap_list(struct lp_tap_adapter *list, size_t max, size_t *n,
                   char *err, size_t errlen)
{
    HKEY cls;
    LONG rc;
    char m[160];

    *n = 0;
    rc = RegOpenKeyExA(HKEY_LOCAL_MACHINE, LP_TAP_ADAPTER_KEY, 0, KEY_READ,
                       &cls);
    if (rc == ERROR_FILE_NOT_FOUND)
        return 0; /* no network adapter class at all (wine): none */
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen, "cannot open HKLM\\%s: %s", LP_TAP_ADAPTER_KEY,
                 lp_winapi_strerror((DWORD)rc, m, sizeof(m)));
        return LP_ERR_IO;
    }
    /* Subkeys that cannot be opened or lack the values are skipped, as
     * OpenVPN does (some are not adapters, e.g. "Properties"). */
    for (DWORD i = 0; *n < max && i < 10000; i++) {
        char sub[64], comp[64], guid[80];
        DWORD sublen = sizeof(sub);
        struct lp_tap_adapter *a = &list[*n];
        HKEY k;

        rc = RegEnumKeyExA(cls, i, sub, &sublen, NULL, NULL, NULL, NULL);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        if (rc != ERROR_SUCCESS)
            continue;
        if (RegOpenKeyExA(cls, sub, 0, KEY_READ, &k) != ERROR_SUCCESS)
            continue;
        if (wintap_query_sz(k, "ComponentId", comp, sizeof(comp)) == 0 &&
            lp_tapreg_is_tap(comp) &&
            wintap_query_sz(k, "NetCfgInstanceId", guid, sizeof(guid)) == 0 &&
            lp_tapreg_guid_norm(a->guid, guid, NULL, 0) == 0) {
            snprintf(a->component, sizeof(a->component), "%s", comp);
            snprintf(a->subkey, sizeof(a->subkey), "%.15s", sub);
            wintap_conn_name(a);
            (*n)++;
        }
        RegCloseKey(k);
    }
    RegCloseKey(cls);
    return 0;
}

int lp_wintap_set_mac(const struct lp_tap_adapter *a,
                      const uint8_t mac[static 6], int *changed, char *err,
                      size_t errlen)
{
    char path[256], val[13], cur[64], m[160];
    HKEY k;
    LONG rc;
    uint8_t curmac[6];

    *changed = 0;
    if (lp_tapreg_mac_value(val, mac) != 0) {
        snprintf(err, errlen,
                 "the virtual MAC is not a locally administered unicast "
                 "address; the TAP driver would ignore it");
        return LP_ERR_INVAL;
    }
    snprintf(path, sizeof(path), "%s\\%s", LP_TAP_ADAPTER_KEY, a->subkey);
    rc = RegOpenKeyExA(HKEY_LOCAL_MACHINE, path, 0, KEY_READ | KEY_SET_VALUE,
                       &k);
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen,
                 "cannot open HKLM\\%s to set the adapter's MAC: %s%s", path,
                 lp_winapi_strerror((DWORD)rc, m, sizeof(m)),
                 rc == ERROR_ACCESS_DENIED
                     ? " (run lanparty-client as administrator)"
                     : "");
        return LP_ERR_IO;
    }
    if (wintap_query_sz(k, "NetworkAddress", cur, sizeof(cur)) == 0 &&
        lp_tapreg_mac_parse(curmac, cur) == 0 && memcmp(curmac, mac, 6) == 0) {
        RegCloseKey(k);
        return 0;
    }
    rc = RegSetValueExA(k, "NetworkAddress", 0, REG_SZ, (const BYTE *)val,
                        (DWORD)sizeof(val));
    RegCloseKey(k);
    if (rc != ERROR_SUCCESS) {
        snprintf(err, errlen, "cannot write NetworkAddress '%s': %s", val,
                 lp_winapi_strerror((DWORD)rc, m, sizeof(m)));
        return LP_ERR_IO;
    }
    *changed = 1;
    return 0;
}

int lp_wintap_open(struct lp_wintap *t, const struct lp_tap_adapter *a,
                   char *err, size_t errlen)
{
    char path[80], m[160];
    DWORD e;

    memset(t, 0, sizeof(*t));
    t->h = INVALID_HANDLE_VALUE;
    t->ad = *a;
    if (lp_tapreg_device_path(path, sizeof(path), a->guid) != 0) {
        snprintf(err, errlen, "bad adapter GUID '%s'", a->guid);
        return LP_ERR_INVAL;
    }
    t->h =
        CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
    if (t->h == INVALID_HANDLE_VALUE) {
        e = GetLastError();
        snprintf(err, errlen, "cannot open the TAP adapter %s (\"%s\"): %s%s",
                 a->guid, a->name, lp_winapi_strerror(e, m, sizeof(m)),
                 e == ERROR_FILE_NOT_FOUND
                     ? "; the adapter is probably disabled: enable it in "
                       "Network Connections"
                 : e == ERROR_GEN_FAILURE
                     ? "; another program (OpenVPN?) is using it"
                 : e == ERROR_ACCESS_DENIED
                     ? "; run lanparty-client as administrator"
                     : "");
        return LP_ERR_IO;
    }
    t->rev = CreateEventA(NULL, TRUE, FALSE, NULL);
    t->wev = CreateEventA(NULL, TRUE, TRUE, NULL);
    if (t->rev == NULL || t->wev == NULL) {
        snprintf(err, errlen, "cannot create events: %s",
                 lp_winapi_strerror(GetLastError(), m, sizeof(m)));
        lp_wintap_close(t);
        return LP_ERR_IO;
    }
    t->rov.hEvent = t->rev;
    t->wov.hEvent = t->wev;
    return 0;
}

/* The driver completes every IOCTL in its dispatch routine, so a NULL
 * OVERLAPPED works on the overlapped handle (OpenVPN does the same). */
static int wintap_ioctl(struct lp_wintap *t, DWORD code, void *in, DWORD inlen,
                        void *out, DWORD outlen, DWORD *got)
{
    DWORD n = 0;

    if (!DeviceIoControl(t->h, code, in, inlen, out, outlen, &n, NULL))
        return LP_ERR_IO;
    if (got != NULL)
        *got = n;
    return 0;
}

int lp_wintap_get_mac(struct lp_wintap *t, uint8_t mac[static 6])
{
    uint8_t buf[16];
    DWORD n;

    if (wintap_ioctl(t, LP_TAP_IOCTL_GET_MAC, buf, sizeof(buf), buf,
                     sizeof(buf), &n) != 0 ||
        n < 6)
        return LP_ERR_IO;
    memcpy(mac, buf, 6);
    return 0;
}

int lp_wintap_get_mtu(struct lp_wintap *t, uint32_t *mtu)
{
    ULONG v = 0;
    DWORD n;

    if (wintap_ioctl(t, LP_TAP_IOCTL_GET_MTU, &v, sizeof(v), &v, sizeof(v),
                     &n) != 0 ||
        n < sizeof(v))
        return LP_ERR_IO;
    *mtu = (uint32_t)v;
    return 0;
}

int lp_wintap_get_version(struct lp_wintap *t, uint32_t ver[static 3])
{
    ULONG v[3] = {0, 0, 0};
    DWORD n;

    if (wintap_ioctl(t, LP_TAP_IOCTL_GET_VERSION, v, sizeof(v), v, sizeof(v),
                     &n) != 0)
        return LP_ERR_IO;
    for (int i = 0; i < 3; i++)
        ver[i] = (uint32_t)v[i];
    return 0;
}

int lp_wintap_set_media(struct lp_wintap *t, int connected)
{
    ULONG v = connected ? 1 : 0;

    return wintap_ioctl(t, LP_TAP_IOCTL_SET_MEDIA_STATUS, &v, sizeof(v), &v,
                        sizeof(v), NULL);
}

static int wintap_io_error(const char *what, DWORD e, char *err, size_t errlen)
{
    char m[160];

    snprintf(err, errlen, "TAP %s failed: %s%s", what,
             lp_winapi_strerror(e, m, sizeof(m)),
             e == ERROR_OPERATION_ABORTED
                 ? " (the adapter was disabled or its media is disconnected)"
                 : "");
    return LP_ERR_IO;
}

int lp_wintap_read_start(struct lp_wintap *t, char *err, size_t errlen)
{
    DWORD e;

    if (t->read_pending)
        return 1;
    ResetEvent(t->rev);
    memset(&t->rov, 0, sizeof(t->rov));
    t->rov.hEvent = t->rev;
    /* A synchronous success also signals the event and leaves the result
     * for GetOverlappedResult, so both cases are handled in read_done. */
    if (!ReadFile(t->h, t->rbuf, sizeof(t->rbuf), NULL, &t->rov)) {
        e = GetLastError();
        if (e != ERROR_IO_PENDING && e != ERROR_MORE_DATA)
            return wintap_io_error("read", e, err, errlen);
        if (e == ERROR_MORE_DATA)
            SetEvent(t->rev);
    }
    t->read_pending = 1;
    return 1;
}

int lp_wintap_read_done(struct lp_wintap *t, char *err, size_t errlen)
{
    DWORD n = 0, e;

    if (!t->read_pending)
        return 0;
    if (!GetOverlappedResult(t->h, &t->rov, &n, FALSE)) {
        e = GetLastError();
        if (e == ERROR_IO_INCOMPLETE)
            return 0;
        t->read_pending = 0;
        ResetEvent(t->rev);
        if (e == ERROR_MORE_DATA) {
            /* The driver discarded a frame longer than our buffer. */
            t->rx_oversized++;
            return 0;
        }
        return wintap_io_error("read", e, err, errlen);
    }
    t->read_pending = 0;
    ResetEvent(t->rev);
    return (int)n;
}

int lp_wintap_write(struct lp_wintap *t, const uint8_t *frame, size_t len,
                    char *err, size_t errlen)
{
    DWORD n, e;

    if (len > sizeof(t->wbuf)) {
        t->tx_too_long++;
        return LP_ERR_AGAIN;
    }
    if (t->write_pending) {
        if (!GetOverlappedResult(t->h, &t->wov, &n, FALSE)) {
            e = GetLastError();
            if (e == ERROR_IO_INCOMPLETE) {
                t->tx_busy_drops++;
                return LP_ERR_AGAIN;
            }
            t->write_pending = 0;
            return wintap_io_error("write", e, err, errlen);
        }
        t->write_pending = 0;
    }
    memcpy(t->wbuf, frame, len);
    /* Reset before each write: tinc PR #174 (stuck after resume). */
    ResetEvent(t->wev);
    memset(&t->wov, 0, sizeof(t->wov));
    t->wov.hEvent = t->wev;
    if (!WriteFile(t->h, t->wbuf, (DWORD)len, NULL, &t->wov)) {
        e = GetLastError();
        if (e != ERROR_IO_PENDING)
            return wintap_io_error("write", e, err, errlen);
    }
    t->write_pending = 1;
    return 0;
}

void lp_wintap_close(struct lp_wintap *t)
{
    DWORD n;

    if (t == NULL)
        return;
    if (t->h != NULL && t->h != INVALID_HANDLE_VALUE) {
        CancelIo(t->h);
        if (t->read_pending)
            GetOverlappedResult(t->h, &t->rov, &n, TRUE);
        if (t->write_pending)
            GetOverlappedResult(t->h, &t->wov, &n, TRUE);
        CloseHandle(t->h);
    }
    if (t->rev != NULL)
        CloseHandle(t->rev);
    if (t->wev != NULL)
        CloseHandle(t->wev);
    memset(t, 0, sizeof(*t));
    t->h = INVALID_HANDLE_VALUE;
}
