/* source_udp.c: being written */
