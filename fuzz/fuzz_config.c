/*
 * fuzz_config.c - libFuzzer target for the YAML configuration loader.
 *
 * The input is a configuration file.  config_load_string() must either
 * return a config or at least one error, never both and never neither;
 * every error carries a NUL-terminated message; a config it accepts must
 * hold what the validation promised (sessions named, VNIs in range,
 * snaplen within bounds) and print with config_print().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fc_check_errors: each error is a terminated, non-empty message. */
static void fc_check_errors(const struct config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		if (memchr(errs->v[i].msg, '\0', sizeof(errs->v[i].msg)) == NULL ||
		    errs->v[i].msg[0] == '\0')
			abort();
}

/* fc_check_config: what an accepted configuration guarantees. */
static void fc_check_config(const struct config *cfg)
{
	FILE *devnull;

	if (cfg->pcap_dir == NULL || cfg->alert_log == NULL)
		abort();
	if (cfg->nsessions > 0 && cfg->sessions == NULL)
		abort();
	for (size_t i = 0; i < cfg->nsessions; i++) {
		const struct session_conf *s = &cfg->sessions[i];
		if (memchr(s->name, '\0', sizeof(s->name)) == NULL || s->name[0] == '\0' ||
		    s->vni > 0xffffff || config_find_vni(cfg, s->vni) != s ||
		    config_find_name(cfg, s->name) != s)
			abort();
		for (size_t k = 0; k < s->nroutes; k++)
			if (s->routes[k].prefix.addr.family != AF_INET &&
			    s->routes[k].prefix.addr.family != AF_INET6)
				abort();
	}
	devnull = fopen("/dev/null", "w");
	if (devnull != NULL) {
		config_print(cfg, devnull);
		fclose(devnull);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = {0};
	struct config *cfg;

	cfg = config_load_string("fuzz.yaml", (const char *)data, size, &errs);
	if ((cfg == NULL) == (errs.n == 0))
		abort();
	fc_check_errors(&errs);
	if (cfg != NULL)
		fc_check_config(cfg);
	config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
