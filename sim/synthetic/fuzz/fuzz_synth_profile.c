/* fuzz_synth_profile.c -- libFuzzer target for synthetic-model profiles
 * (sim/synthetic/profile.c: `etsim synth --profile FILE`, grid sources
 * "synthetic:FILE"): the input is the profile's JSON text. An accepted
 * profile must survive its own serialisation, which is what a trace
 * header records and what loads it again: to_json, parsed back, gives the
 * same to_json. Crashes, sanitizer reports, a failure without a message
 * and a profile that does not round-trip are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz/fuzz_util.h"
#include "sim/synthetic/synthetic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    char *text = fuzz_cstr(data, size);
    etsim_err err = {{0}};
    etsim_synth_profile p, q;
    if (etsim_synth_profile_parse(text, size, "fuzz.json", "fuzz", &p, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        char *j1 = etsim_synth_profile_to_json(&p);
        if (etsim_synth_profile_parse(j1, strlen(j1), "fuzz-again.json", "fuzz", &q, &err) < 0)
            abort();
        char *j2 = etsim_synth_profile_to_json(&q);
        if (strcmp(j1, j2)) abort();
        free(j1);
        free(j2);
        etsim_synth_profile_free(&q);
        etsim_synth_profile_free(&p);
    }
    free(text);
    return 0;
}
