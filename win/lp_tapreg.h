/*
 * lp_tapreg: the pure logic behind TAP-Windows6 adapter discovery.
 *
 * No Win32 calls here, so everything can be unit tested (under wine or on
 * Linux): registry value decoding (REG_SZ as UTF-16LE bytes, REG_DWORD),
 * ComponentId matching, GUID validation and normalisation, the
 * NetworkAddress string, the device path and the adapter selection rules
 * (one adapter: use it; several: --tap-instance-id must pick one; none: a
 * message that tells the player how to install the driver).
 */
#ifndef LP_TAPREG_H
#define LP_TAPREG_H

#include <stddef.h>
#include <stdint.h>

/* The network adapter device class; every adapter has a key below it. */
#define LP_TAP_CLASS_GUID "{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define LP_TAP_ADAPTER_KEY                                                     \
    "SYSTEM\\CurrentControlSet\\Control\\Class\\" LP_TAP_CLASS_GUID
#define LP_TAP_CONNECTIONS_KEY                                                 \
    "SYSTEM\\CurrentControlSet\\Control\\Network\\" LP_TAP_CLASS_GUID

#define LP_GUID_STRLEN      39 /* "{8-4-4-4-12}" and the NUL */
#define LP_TAP_NAME_MAX     256
#define LP_TAP_MAX_ADAPTERS 32

/* Registry value types (winnt.h values, repeated so this stays pure). */
#define LP_REG_SZ    1
#define LP_REG_DWORD 4

/* The message printed when no adapter exists (starts "no TAP-Windows6"). */
extern const char lp_tapreg_install_hint[];

/*
 * lp_tapreg_sz decodes a REG_SZ value as returned by RegQueryValueExW:
 * len bytes of UTF-16LE, possibly without a terminating NUL, possibly with
 * several. The text up to the first NUL is written as UTF-8 into out.
 * Returns 0, or LP_ERR_INVAL (wrong type, odd length, unpaired surrogate)
 * or LP_ERR_RANGE (does not fit in outlen bytes with its NUL).
 */
int lp_tapreg_sz(char *out, size_t outlen, uint32_t type, const uint8_t *data,
                 size_t len);

/* lp_tapreg_dword decodes a REG_DWORD (4 bytes, little-endian). 0 or
 * LP_ERR_INVAL. */
int lp_tapreg_dword(uint32_t *out, uint32_t type, const uint8_t *data,
                    size_t len);

/* lp_tapreg_is_tap: 1 if component is "tap0901" or "root\tap0901" in any
 * case (renamed vendor copies such as "tapnordvpn" do not match). */
int lp_tapreg_is_tap(const char *component);

/*
 * lp_tapreg_guid_norm validates a GUID string, with or without braces, in
 * any case, and writes the braced upper-case form into out. Returns 0, or
 * LP_ERR_INVAL with a message quoting the input in err.
 */
int lp_tapreg_guid_norm(char out[static LP_GUID_STRLEN], const char *in,
                        char *err, size_t errlen);

/* lp_tapreg_guid_equal: 1 if both are valid GUIDs naming the same one. */
int lp_tapreg_guid_equal(const char *a, const char *b);

/*
 * lp_tapreg_mac_value writes the NetworkAddress registry string for mac:
 * 12 upper-case hex digits without separators ("02AB12..."). The driver
 * ignores addresses that are not locally administered unicast, so those
 * are refused with LP_ERR_INVAL.
 */
int lp_tapreg_mac_value(char out[static 13], const uint8_t mac[static 6]);

/*
 * lp_tapreg_mac_parse parses a NetworkAddress value as NDIS does: 12 hex
 * digits, with optional '-' between byte pairs. 0 or LP_ERR_INVAL.
 */
int lp_tapreg_mac_parse(uint8_t mac[static 6], const char *s);

/* lp_tapreg_device_path writes "\\.\Global\{GUID}.tap" for a normalised
 * GUID. 0 or LP_ERR_RANGE/LP_ERR_INVAL. */
int lp_tapreg_device_path(char *out, size_t outlen, const char *guid);

struct lp_tap_adapter {
    char guid[LP_GUID_STRLEN];  /* NetCfgInstanceId, normalised */
    char name[LP_TAP_NAME_MAX]; /* Connection\Name, or "" if unknown */
    char component[64];         /* ComponentId as found */
    char subkey[16];            /* the class subkey ("0007") */
};

enum lp_tapsel {
    LP_TAPSEL_OK = 0,
    LP_TAPSEL_NONE,      /* no adapter at all */
    LP_TAPSEL_AMBIGUOUS, /* several and no --tap-instance-id */
    LP_TAPSEL_NOT_FOUND, /* --tap-instance-id names none of them */
    LP_TAPSEL_BAD_ID,    /* --tap-instance-id is not a GUID */
};

/*
 * lp_tapreg_select applies the selection rules to n adapters. want is the
 * --tap-instance-id value or NULL. On LP_TAPSEL_OK *idx is the chosen
 * adapter; otherwise err holds a message for the player (listing the
 * adapters found where that helps).
 */
enum lp_tapsel lp_tapreg_select(const struct lp_tap_adapter *list, size_t n,
                                const char *want, size_t *idx, char *err,
                                size_t errlen);

#endif /* LP_TAPREG_H */
