/*
 * lanparty-client on a platform without a client backend: fail at once,
 * before reading any input or contacting the relay.
 */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "lanparty-client: this platform has no virtual adapter "
                    "backend; the client runs on Linux (TAP) and Windows "
                    "(TAP-Windows6)\n");
    return 3;
}
