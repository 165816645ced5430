/* decode_udp.c: being written */
