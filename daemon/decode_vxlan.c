/* decode_vxlan.c: being written */
