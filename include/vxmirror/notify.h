/*
 * notify.h - tell systemd (Type=notify) how the daemon is doing.
 *
 * The sd_notify(3) protocol without libsystemd: one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a
 * path, or an abstract name written with a leading '@').  When the
 * variable is unset (not under systemd, or Type=exec) every call is a
 * no-op that returns 0.  The variable is left in place, so READY can be
 * sent again after each reload.
 *
 * Order the daemon follows:
 *   notify_ready()      every socket bound, outputs open, "ready:" logged
 *   notify_reloading()  SIGHUP received, before the new config is parsed
 *   notify_ready()      the reload is done (applied or refused)
 *   notify_stopping()   SIGTERM/SIGINT received, before pcaps are closed
 *   notify_status(s)    a one-line status for `systemctl status`, any time
 */
#ifndef VXMIRROR_NOTIFY_H
#define VXMIRROR_NOTIFY_H

/* Each returns 0 when sent (or $NOTIFY_SOCKET is unset), -1 when the socket
 * is bad or unreachable (logged once per process, never fatal). */
int notify_ready(void);
int notify_stopping(void);
/* RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, as systemd wants it). */
int notify_reloading(void);
/* STATUS=<text>; newlines in `text` are sent as spaces. */
int notify_status(const char *text);
/* notify_send: the raw message ("READY=1\nSTATUS=...") for anything else. */
int notify_send(const char *msg);

#endif
