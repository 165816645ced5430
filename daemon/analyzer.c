/* analyzer.c: being written */
