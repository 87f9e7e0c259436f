/* fuzz_capture_config.c -- libFuzzer target for the capture configuration
 * file (traces/capture/capture_config.c: the capture's own keys, the live
 * oracle's keys in traces/capture/config.c, the selector list) and for the
 * capture's dataset reader (JSON lines): the input is written to a private
 * temporary file and read as a live capture config, as a synthetic
 * capture config, and as a dataset. An accepted config must be
 * deterministic (loading it twice gives the same settings hash and
 * canonical JSON). Crashes, sanitizer reports, a failure without a message
 * and a config read two ways are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz/fuzz_util.h"
#include "traces/capture/capture_internal.h"
#include "sim/etsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_twice(const char *path, const char *synthetic) {
    etsim_err err = {{0}};
    cap_config a, b;
    if (cap_config_load(path, synthetic, 0, &a, &err) < 0) {
        fuzz_check_err(&err);
        return;
    }
    if (cap_config_load(path, synthetic, 0, &b, &err) < 0) abort();
    if (a.hash != b.hash || strcmp(a.capture_json, b.capture_json) || a.n_sels != b.n_sels) abort();
    free(cap_settings_json(&a, NULL));
    cap_config_free(&a);
    cap_config_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    etsim_init(); /* sources in grids and configs open oracles by kind name */
    if (size > (1 << 14)) return 0;
    const char *tmp = fuzz_write("capture.json", data, size);
    char path[256];
    snprintf(path, sizeof path, "%s", tmp);
    load_twice(path, NULL);
    load_twice(path, "default");
    etsim_err err = {{0}};
    etsim_live_dataset d;
    memset(&d, 0, sizeof d);
    if (etsim_live_dataset_load(path, &d, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        for (int32_t i = 0; i < d.n; i++)
            if (!d.p[i].question || !d.p[i].question[0] || !d.p[i].id) abort();
        etsim_live_dataset_free(&d);
    }
    unlink(path);
    return 0;
}
