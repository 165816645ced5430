/* decode_ipv6.c: being written */
