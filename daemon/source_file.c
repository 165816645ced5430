/* source_file.c: being written */
