/*
 * paths.c - the path-MTU map as JSON (paths.h), built with jansson.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vxmirror/alert.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/paths.h"
#include "vxmirror/session.h"
#include "vxmirror/util.h"

/* session_name: the name the alerts use for this VNI. */
static const char *session_name(const struct config *cfg, uint32_t vni, char *buf, size_t len)
{
	const struct session_conf *s = config_find_vni(cfg, vni);

	if (s != NULL)
		return s->name;
	if (vni == VNI_NONE)
		return cfg->offline_session != NULL ? cfg->offline_session : "capture";
	snprintf(buf, len, "vni-%u", vni);
	return buf;
}

static json_t *ts_or_null(int64_t ns)
{
	char ts[64];

	return ns != 0 ? json_string(alert_fmt_ns(ns, ts, sizeof(ts))) : json_null();
}

json_t *paths_rec_json(const struct path_rec *r, const struct config *cfg)
{
	const struct session_conf *s = config_find_vni(cfg, r->vni);
	char name[32], dst[ADDR_STRLEN], from[ADDR_STRLEN + 16];
	uint32_t mtu = 0, lo, hi, exact;
	const char *contra = NULL;
	json_t *o;

	if (s != NULL)
		mtu = path_mtu_lookup(s, &r->dst, from, sizeof(from));
	path_bounds(r, &lo, &hi, &exact);
	if (path_too_low(r, mtu))
		contra = "too_low";
	else if (mtu != 0 && ((r->failed_min != 0 && r->failed_min <= mtu) ||
	                      (r->ptb_mtu != 0 && r->ptb_mtu < mtu)))
		contra = "too_high";
	o = json_object();
	json_object_set_new(o, "session",
	                    json_string(session_name(cfg, r->vni, name, sizeof(name))));
	json_object_set_new(o, "vni", r->vni <= 0xffffff ? json_integer(r->vni) : json_null());
	json_object_set_new(o, "dst", json_string(addr_fmt(&r->dst, dst, sizeof(dst))));
	json_object_set_new(o, "passed_max", alert_json_uint_or_null(r->passed_max));
	json_object_set_new(o, "failed_min", alert_json_uint_or_null(r->failed_min));
	json_object_set_new(o, "ptb_mtu", alert_json_uint_or_null(r->ptb_mtu));
	json_object_set_new(o, "path_mtu", alert_json_uint_or_null(exact));
	json_object_set_new(o, "path_mtu_min", alert_json_uint_or_null(lo));
	json_object_set_new(o, "path_mtu_max", alert_json_uint_or_null(hi));
	json_object_set_new(o, "configured_mtu", alert_json_uint_or_null(mtu));
	json_object_set_new(o, "configured_source", mtu != 0 ? json_string(from) : json_null());
	json_object_set_new(o, "config_contradicted", contra ? json_string(contra) : json_null());
	json_object_set_new(o, "flows", json_integer(r->flows));
	json_object_set_new(o, "first_seen", ts_or_null(r->first_ns));
	json_object_set_new(o, "last_seen", ts_or_null(r->last_ns));
	return o;
}

json_t *paths_json(const struct path_rec *v, size_t n, const struct config *cfg,
                   const char *session)
{
	json_t *a = json_array();
	char name[32];

	for (size_t i = 0; i < n; i++) {
		if (session != NULL &&
		    strcmp(session_name(cfg, v[i].vni, name, sizeof(name)), session) != 0)
			continue;
		json_array_append_new(a, paths_rec_json(&v[i], cfg));
	}
	return a;
}

/* write_all: the whole buffer, through EINTR and short writes. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int paths_write(int fd, const struct path_rec *v, size_t n, const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc, err;

	if (f == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *o = paths_rec_json(&v[i], cfg);
		char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (line != NULL)
			fprintf(f, "%s\n", line);
		free(line);
		json_decref(o);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	rc = write_all(fd, buf, len);
	err = errno;
	free(buf);
	errno = err;
	return rc;
}

int paths_log_snapshot(const char *path, const struct path_rec *v, size_t n,
                       const struct config *cfg)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640), rc, err;

	if (fd == -1 && errno == ENOENT && mkdir_parent(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	rc = paths_write(fd, v, n, cfg);
	err = errno;
	if (close(fd) != 0 && rc == 0)
		return -1;
	errno = err;
	return rc;
}
