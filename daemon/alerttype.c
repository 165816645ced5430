/*
 * alerttype.c - the alert types' names (the JSON "type"), shared by the
 * analyzer and the config (analyzer.suppress names types).
 */
#include "vxmirror/analyzer.h"

static const char *const alert_names[ALERT__MAX] = {
    [ALERT_OVERSIZE_DF] = "oversize_df",
    [ALERT_MSS_EXCEEDS_PATH_MTU] = "mss_exceeds_path_mtu",
    [ALERT_MSS_CLAMP_ASYMMETRY] = "mss_clamp_asymmetry",
    [ALERT_PMTUD_BLACKHOLE] = "pmtud_blackhole",
    [ALERT_ICMP_PTB] = "icmp_ptb",
    [ALERT_PTB_IGNORED] = "ptb_ignored",
    [ALERT_FRAGMENTED] = "fragmented",
    [ALERT_PATH_MTU_MISMATCH] = "path_mtu_mismatch",
    [ALERT_SESSION_SILENT] = "session_silent",
};

const char *alert_type_name(enum alert_type t)
{
	return (unsigned)t < ALERT__MAX ? alert_names[t] : "unknown";
}
