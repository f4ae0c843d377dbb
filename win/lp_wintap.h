/*
 * lp_wintap: a TAP-Windows6 adapter as a Layer-2 device (Win32 side).
 *
 * Discovery walks the network adapter class in the registry (lp_tapreg
 * decides what matches); the adapter is opened as \\.\Global\{GUID}.tap
 * with overlapped I/O. One read is kept pending into a buffer of
 * LP_WINTAP_BUF bytes; its event (t->rev) goes into the client's
 * WaitForMultipleObjects. One write is in flight at a time, from a private
 * copy of the frame; a frame that arrives while the previous write is
 * still pending is dropped and counted (tinc does the same).
 *
 * Driver facts (tap-windows6 src/device.c, txpath.c, rxpath.c): reads and
 * writes fail with ERROR_OPERATION_ABORTED until SET_MEDIA_STATUS(1); a
 * frame longer than the read buffer is discarded by the driver and the read
 * completes with ERROR_MORE_DATA, which is counted, not fatal.
 */
#ifndef LP_WINTAP_H
#define LP_WINTAP_H

#include <winsock2.h>
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#include "lp_tapreg.h"

/* 14 + 4 (802.1Q) + 1500 and the driver's optional priority tag. */
#define LP_WINTAP_BUF 1536

/* tap-windows.h: CTL_CODE(FILE_DEVICE_UNKNOWN, n, METHOD_BUFFERED, 0). */
#define LP_TAP_IOCTL(n)               (0x220000u | ((n) << 2))
#define LP_TAP_IOCTL_GET_MAC          LP_TAP_IOCTL(1)
#define LP_TAP_IOCTL_GET_VERSION      LP_TAP_IOCTL(2)
#define LP_TAP_IOCTL_GET_MTU          LP_TAP_IOCTL(3)
#define LP_TAP_IOCTL_SET_MEDIA_STATUS LP_TAP_IOCTL(6)

struct lp_wintap {
    HANDLE h;
    OVERLAPPED rov, wov;
    HANDLE rev, wev; /* manual-reset events of the two OVERLAPPEDs */
    int read_pending, write_pending;
    uint8_t rbuf[LP_WINTAP_BUF];
    uint8_t wbuf[LP_WINTAP_BUF];
    struct lp_tap_adapter ad;
    uint64_t rx_oversized;  /* frames the driver dropped: too long */
    uint64_t tx_busy_drops; /* frames dropped: previous write pending */
    uint64_t tx_too_long;   /* frames dropped: longer than LP_WINTAP_BUF */
};

/*
 * lp_wintap_list reads every TAP-Windows6 adapter from the registry into
 * list (at most max), with its Connection name. Returns 0 with *n set
 * (possibly 0), or LP_ERR_IO with err filled when the class key cannot be
 * opened.
 */
int lp_wintap_list(struct lp_tap_adapter *list, size_t max, size_t *n,
                   char *err, size_t errlen);

/*
 * lp_wintap_set_mac writes mac to the adapter's NetworkAddress value (as
 * lp_tapreg_mac_value) unless it already holds it; *changed tells whether
 * it wrote. The driver reads the value only when the adapter starts, so a
 * change takes effect after the adapter is disabled and re-enabled (or a
 * reboot). Needs administrator rights. 0 or LP_ERR_IO/LP_ERR_INVAL.
 */
int lp_wintap_set_mac(const struct lp_tap_adapter *a,
                      const uint8_t mac[static 6], int *changed, char *err,
                      size_t errlen);

/* lp_wintap_open opens the adapter's device for overlapped I/O. 0 or
 * LP_ERR_IO with a message (in use by another program, disabled, ...). */
int lp_wintap_open(struct lp_wintap *t, const struct lp_tap_adapter *a,
                   char *err, size_t errlen);

/* Driver queries and media status (IOCTLs). 0 or LP_ERR_IO. */
int lp_wintap_get_mac(struct lp_wintap *t, uint8_t mac[static 6]);
int lp_wintap_get_mtu(struct lp_wintap *t, uint32_t *mtu);
int lp_wintap_get_version(struct lp_wintap *t, uint32_t ver[static 3]);
int lp_wintap_set_media(struct lp_wintap *t, int connected);

/*
 * lp_wintap_read_start keeps one read pending. Returns 1 when a read is
 * pending (wait on t->rev), or LP_ERR_IO with err filled.
 */
int lp_wintap_read_start(struct lp_wintap *t, char *err, size_t errlen);

/*
 * lp_wintap_read_done collects the pending read once t->rev is signalled.
 * Returns the frame length (> 0, the frame is in t->rbuf), 0 when there is
 * nothing (still pending, or an oversized frame was dropped and counted),
 * or LP_ERR_IO with err filled (adapter disabled, device error).
 */
int lp_wintap_read_done(struct lp_wintap *t, char *err, size_t errlen);

/*
 * lp_wintap_write copies a frame and writes it. Returns 0, LP_ERR_AGAIN
 * (dropped and counted: previous write still pending, or too long), or
 * LP_ERR_IO with err filled.
 */
int lp_wintap_write(struct lp_wintap *t, const uint8_t *frame, size_t len,
                    char *err, size_t errlen);

/* lp_wintap_close cancels I/O, waits for it, and closes; t may be zeroed. */
void lp_wintap_close(struct lp_wintap *t);

#endif /* LP_WINTAP_H */
