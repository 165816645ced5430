/* decode_icmp.c: being written */
