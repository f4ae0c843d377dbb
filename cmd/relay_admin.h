/* relay_admin: `lanparty-relay room|invite ...` (see relay_admin.c). */
#ifndef RELAY_ADMIN_H
#define RELAY_ADMIN_H

/* argv[1] is "room" or "invite". Returns the exit status. */
int relay_admin(int argc, char **argv);

#endif
