/* alertlog.c: being written */
