/* decode_ipv4.c: being written */
