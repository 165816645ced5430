/* decode_ether.c: being written */
