/* decode_tcp.c: being written */
