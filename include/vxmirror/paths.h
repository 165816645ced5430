/*
 * paths.h - the path-MTU map as JSON (paths.c): one object per session and
 * destination, for `-r --paths FILE`, `GET /paths` and `paths_log`.
 * docs/paths.md has every field.
 */
#ifndef VXMIRROR_PATHS_H
#define VXMIRROR_PATHS_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "vxmirror/config.h"
#include "vxmirror/pathmap.h"

/* paths_rec_json: one merged entry, with the session's name and what the
 * config says (cfg: the config the traffic is judged against). */
json_t *paths_rec_json(const struct path_rec *r, const struct config *cfg);

/* paths_json: every entry (of `session` only, unless NULL) as an array. */
json_t *paths_json(const struct path_rec *v, size_t n, const struct config *cfg,
                   const char *session);

/* paths_write: every entry as JSON Lines, written with one write(2) of the
 * whole snapshot to fd.  0, or -1 with errno. */
int paths_write(int fd, const struct path_rec *v, size_t n, const struct config *cfg);

/* paths_log_snapshot: append a snapshot to `path` (opened and closed each
 * time, so a rotated log is picked up by itself).  0, or -1 with errno. */
int paths_log_snapshot(const char *path, const struct path_rec *v, size_t n,
                       const struct config *cfg);

#endif
