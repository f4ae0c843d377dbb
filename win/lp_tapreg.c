/* lp_tapreg: pure TAP-Windows6 discovery logic; see lp_tapreg.h. */
#include "lp_tapreg.h"

#include <stdio.h>
#include <string.h>

#include "lp_err.h"
#include "lp_eth.h"

const char lp_tapreg_install_hint[] =
    "no TAP-Windows6 adapter found. Install the TAP-Windows6 driver "
    "(tap-windows 9.24 or newer: the \"TAP Virtual Ethernet Adapter\" "
    "component of the OpenVPN installer, or the tap-windows6 release from "
    "OpenVPN), then create an adapter as administrator with "
    "'tapctl.exe create --hwid root\\tap0901' (or 'addtap.bat' from the "
    "driver package), and start lanparty-client again. See docs/windows.md.";

int lp_tapreg_sz(char *out, size_t outlen, uint32_t type, const uint8_t *data,
                 size_t len)
{
    size_t o = 0;

    if (outlen == 0)
        return LP_ERR_RANGE;
    out[0] = '\0';
    if (type != LP_REG_SZ || (len & 1) != 0)
        return LP_ERR_INVAL;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t cp = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8;
        uint8_t enc[4];
        size_t el;

        if (cp == 0)
            break;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            if (i + 3 >= len)
                goto bad;
            lo = (uint32_t)data[i + 2] | (uint32_t)data[i + 3] << 8;
            if (lo < 0xdc00 || lo > 0xdfff)
                goto bad;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            goto bad;
        }
        if (cp < 0x80) {
            enc[0] = (uint8_t)cp;
            el = 1;
        } else if (cp < 0x800) {
            enc[0] = (uint8_t)(0xc0 | cp >> 6);
            enc[1] = (uint8_t)(0x80 | (cp & 0x3f));
            el = 2;
        } else if (cp < 0x10000) {
            enc[0] = (uint8_t)(0xe0 | cp >> 12);
            enc[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp & 0x3f));
            el = 3;
        } else {
            enc[0] = (uint8_t)(0xf0 | cp >> 18);
            enc[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            enc[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            enc[3] = (uint8_t)(0x80 | (cp & 0x3f));
            el = 4;
        }
        if (o + el + 1 > outlen) {
            out[0] = '\0';
            return LP_ERR_RANGE;
        }
        memcpy(out + o, enc, el);
        o += el;
    }
    out[o] = '\0';
    return 0;
bad:
    out[0] = '\0';
    return LP_ERR_INVAL;
}

int lp_tapreg_dword(uint32_t *out, uint32_t type, const uint8_t *data,
                    size_t len)
{
    if (type != LP_REG_DWORD || len != 4)
        return LP_ERR_INVAL;
    *out = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
           (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    return 0;
}

static int tapreg_ieq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int lp_tapreg_is_tap(const char *component)
{
    return component != NULL && (tapreg_ieq(component, "tap0901") ||
                                 tapreg_ieq(component, "root\\tap0901"));
}

int lp_tapreg_guid_norm(char out[static LP_GUID_STRLEN], const char *in,
                        char *err, size_t errlen)
{
    static const char upper[] = "0123456789ABCDEF";
    const char *p = in;
    size_t len, o = 0;

    if (in == NULL)
        in = p = "";
    len = strnlen(in, 64);
    if (len == 38 && in[0] == '{' && in[37] == '}') {
        p = in + 1;
        len = 36;
    }
    if (len != 36)
        goto bad;
    out[o++] = '{';
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (p[i] != '-')
                goto bad;
            out[o++] = '-';
        } else {
            int v = lp_hex_digit(p[i]);
            if (v < 0)
                goto bad;
            out[o++] = upper[v];
        }
    }
    out[o++] = '}';
    out[o] = '\0';
    return 0;
bad:
    out[0] = '\0';
    if (errlen > 0)
        snprintf(err, errlen,
                 "'%.60s' is not an adapter GUID (expected "
                 "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})",
                 in);
    return LP_ERR_INVAL;
}

int lp_tapreg_guid_equal(const char *a, const char *b)
{
    char x[LP_GUID_STRLEN], y[LP_GUID_STRLEN];

    if (lp_tapreg_guid_norm(x, a, NULL, 0) != 0 ||
        lp_tapreg_guid_norm(y, b, NULL, 0) != 0)
        return 0;
    return strcmp(x, y) == 0;
}

int lp_tapreg_mac_value(char out[static 13], const uint8_t mac[static 6])
{
    static const char upper[] = "0123456789ABCDEF";
    int zero = 1;

    out[0] = '\0';
    for (int i = 0; i < 6; i++)
        zero &= mac[i] == 0;
    /* The driver accepts only locally administered unicast (first octet
     * x2, x6, xA or xE); anything else silently falls back to 00:FF:... */
    if ((mac[0] & 0x01) != 0 || (mac[0] & 0x02) == 0 || zero)
        return LP_ERR_INVAL;
    for (int i = 0; i < 6; i++) {
        out[2 * i] = upper[mac[i] >> 4];
        out[2 * i + 1] = upper[mac[i] & 0xf];
    }
    out[12] = '\0';
    return 0;
}

int lp_tapreg_mac_parse(uint8_t mac[static 6], const char *s)
{
    size_t n = 0;

    for (size_t i = 0; n < 6; n++) {
        int h, l;
        if (n > 0 && s[i] == '-')
            i++;
        h = lp_hex_digit(s[i]);
        if (h < 0)
            return LP_ERR_INVAL;
        l = lp_hex_digit(s[i + 1]);
        if (l < 0)
            return LP_ERR_INVAL;
        mac[n] = (uint8_t)(h << 4 | l);
        i += 2;
        if (n == 5 && s[i] != '\0')
            return LP_ERR_INVAL;
    }
    return 0;
}

int lp_tapreg_device_path(char *out, size_t outlen, const char *guid)
{
    char g[LP_GUID_STRLEN];
    int n;

    if (lp_tapreg_guid_norm(g, guid, NULL, 0) != 0)
        return LP_ERR_INVAL;
    n = snprintf(out, outlen, "\\\\.\\Global\\%s.tap", g);
    if (n < 0 || (size_t)n >= outlen)
        return LP_ERR_RANGE;
    return 0;
}

/* tapreg_list appends "GUID (name), ..." to err after its current text. */
static void tapreg_list(char *err, size_t errlen,
                        const struct lp_tap_adapter *list, size_t n)
{
    size_t used = strnlen(err, errlen);

    for (size_t i = 0; i < n && used + 1 < errlen; i++) {
        int w =
            snprintf(err + used, errlen - used, "%s%s%s%s%s", i > 0 ? ", " : "",
                     list[i].guid, list[i].name[0] != '\0' ? " (\"" : "",
                     list[i].name, list[i].name[0] != '\0' ? "\")" : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

enum lp_tapsel lp_tapreg_select(const struct lp_tap_adapter *list, size_t n,
                                const char *want, size_t *idx, char *err,
                                size_t errlen)
{
    char g[LP_GUID_STRLEN];

    if (errlen > 0)
        err[0] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "%s", lp_tapreg_install_hint);
        return LP_TAPSEL_NONE;
    }
    if (want == NULL || want[0] == '\0') {
        if (n == 1) {
            *idx = 0;
            return LP_TAPSEL_OK;
        }
        snprintf(err, errlen,
                 "%zu TAP-Windows6 adapters found; choose one with "
                 "--tap-instance-id GUID (see --list-tap-adapters): ",
                 n);
        tapreg_list(err, errlen, list, n);
        return LP_TAPSEL_AMBIGUOUS;
    }
    if (lp_tapreg_guid_norm(g, want, err, errlen) != 0) {
        size_t used = strnlen(err, errlen);
        snprintf(err + used, errlen - used, " in --tap-instance-id");
        return LP_TAPSEL_BAD_ID;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].guid, g) == 0) {
            *idx = i;
            return LP_TAPSEL_OK;
        }
    }
    snprintf(err, errlen,
             "--tap-instance-id '%.60s' matches no TAP-Windows6 adapter; "
             "found: ",
             want);
    tapreg_list(err, errlen, list, n);
    return LP_TAPSEL_NOT_FOUND;
}
