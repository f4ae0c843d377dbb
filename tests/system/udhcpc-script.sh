#!/bin/sh
# udhcpc event script for the tests: configures the address only. It never
# touches /etc/resolv.conf (namespaces share the host's file system), and it
# installs no default route, the way a player keeps internet traffic off
# the LAN party.
case "$1" in
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/${mask:-24}" dev "$interface"
    echo "leased $ip on $interface"
    ;;
  deconfig)
    ip -4 addr flush dev "$interface"
    ;;
esac
exit 0
