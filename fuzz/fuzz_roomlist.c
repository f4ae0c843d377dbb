/*
 * fuzz_roomlist: the room-list parser. A parsed list must format to a
 * text that parses to the same list and formats to the same text again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_roomlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lp_roomlist rl, back;
    char err[256], *t1, *t2;
    size_t n1, n2;

    if (lp_roomlist_parse(&rl, (const char *)data, size, err, sizeof(err)) !=
        0) {
        if (memchr(err, '\0', sizeof(err)) == NULL || rl.nrooms != 0)
            abort();
        return 0;
    }
    for (size_t i = 0; i < rl.nrooms; i++)
        if (lp_roomlist_find(&rl, rl.rooms[i].name) != &rl.rooms[i])
            abort();
    if (lp_roomlist_format(&rl, &t1, &n1) != 0 ||
        lp_roomlist_parse(&back, t1, n1, err, sizeof(err)) != 0 ||
        lp_roomlist_format(&back, &t2, &n2) != 0 || n1 != n2 ||
        memcmp(t1, t2, n1) != 0 || back.nrooms != rl.nrooms)
        abort();
    free(t1);
    free(t2);
    lp_roomlist_free(&back);
    lp_roomlist_free(&rl);
    return 0;
}
