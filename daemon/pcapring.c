/* pcapring.c: being written */
