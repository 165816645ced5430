/*
 * detector.c - the detector table (detector.h): one line per detector, in
 * the order their alerts come out for one packet.
 */
#include "vxmirror/detector.h"

extern const struct detector detector_frag, detector_ptb, detector_oversize, detector_ptb_ignored,
    detector_mss, detector_blackhole, detector_path;

const struct detector *const detector_table[] = {
    &detector_frag,        /* fragmented */
    &detector_ptb,         /* icmp_ptb */
    &detector_oversize,    /* oversize_df */
    &detector_ptb_ignored, /* ptb_ignored */
    &detector_mss,         /* mss_exceeds_path_mtu, mss_clamp_asymmetry */
    &detector_blackhole,   /* pmtud_blackhole */
    &detector_path,        /* path_mtu_mismatch: after those that feed the path map */
};

const size_t detector_count = sizeof(detector_table) / sizeof(detector_table[0]);
