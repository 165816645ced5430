/*
 * notify.c - sd_notify without libsystemd (notify.h).
 *
 * Why not libsystemd: the protocol is one datagram on an AF_UNIX socket
 * whose name is in $NOTIFY_SOCKET (documented in sd_notify(3) as stable
 * for third-party implementations), so twenty lines here replace a
 * dependency, and the daemon builds and runs the same on a box without
 * systemd.  Only what Type=notify needs is here: READY, RELOADING,
 * STOPPING and STATUS; no file descriptor passing, no watchdog.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vxmirror/log.h"
#include "vxmirror/notify.h"

static atomic_bool warned; /* one log line per process for a broken socket */

/* notify_addr: $NOTIFY_SOCKET as a sockaddr_un.  1 = filled, 0 = unset, -1 = bad. */
static int notify_addr(struct sockaddr_un *sun, socklen_t *len)
{
	const char *name = getenv("NOTIFY_SOCKET");
	size_t n;

	if (name == NULL || name[0] == '\0')
		return 0;
	n = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || n >= sizeof(sun->sun_path))
		return -1; /* vsock: and friends are not used by Debian 12's systemd */
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@')
		sun->sun_path[0] = '\0'; /* abstract: the length says where it ends */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 1;
}

int notify_send(const char *msg)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	int fd, r, saved;

	r = notify_addr(&sun, &len);
	if (r == 0)
		return 0;
	if (r == -1) {
		errno = EINVAL;
		goto fail;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	r = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	errno = saved;
	if (r == -1)
		goto fail;
	return 0;
fail:
	if (!atomic_exchange(&warned, true))
		log_warn("notify: cannot tell systemd via NOTIFY_SOCKET=%s",
		         getenv("NOTIFY_SOCKET"));
	return -1;
}

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	         (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	return notify_send(msg);
}

int notify_status(const char *text)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "STATUS=%s", text);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	return notify_send(msg);
}
