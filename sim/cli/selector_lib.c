/* selector_lib.c -- `--selector-lib PATH.so`, accepted by every command:
 * load a C plug-in (selectors/plugin.h) before the command runs, so its
 * selectors are found by name in replay, sweep grids, capture configs and
 * `etsim select` like the built-ins.
 *
 * How: main() hands argv here first; each "--selector-lib PATH" pair is
 * removed from argv, PATH is dlopen()ed (RTLD_NOW | RTLD_LOCAL; in glibc
 * >= 2.34 dlopen lives in libc, so no -ldl) and its ETSIM_PLUGIN_ENTRY is
 * called with the host table. The library stays loaded until exit. A
 * missing file, a missing entry, a failing entry or a selector of another
 * ABI version is one `etsim:` line and exit status 2, before any work. */
#include "sim/cli/selector_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "selectors/plugin.h"
#include "selectors/registry.h"
#include "sim/cli/cli.h"

static int load_one(const char *path, etsim_err *err) {
    /* dlopen searches the library path for a bare name: ./x.so is meant */
    char buf[4096];
    if (!strchr(path, '/')) {
        snprintf(buf, sizeof buf, "./%s", path);
        path = buf;
    }
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        return etsim_errf(err, "--selector-lib %s: cannot load (%s)", path, why ? why : "dlopen failed");
    }
    etsim_plugin_init_fn init;
    void *sym = dlsym(lib, ETSIM_PLUGIN_ENTRY);
    memcpy(&init, &sym, sizeof init); /* object pointer -> function pointer (POSIX) */
    if (!sym) {
        dlclose(lib);
        return etsim_errf(err, "--selector-lib %s: no %s() (see selectors/plugin.h)", path,
                          ETSIM_PLUGIN_ENTRY);
    }
    static const etsim_plugin_host host = {
        .abi = ETSIM_SELECTOR_ABI,
        .register_selector = etsim_selector_register,
        .expand = etsim_sel_expand,
        .errf = etsim_errf,
    };
    if (init(&host, err) != 0) {
        if (!err->msg[0]) etsim_errf(err, "%s() failed", ETSIM_PLUGIN_ENTRY);
        return etsim_err_prefix(err, "--selector-lib %s", path);
    }
    return 0; /* never dlclose: its selectors are in the registry now */
}

int etsim_cli_selector_libs(int *argc, char **argv) {
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], "--selector-lib")) {
            if (i + 1 >= *argc) return etsim_cli_fail(2, "--selector-lib: give the path of a shared library");
            etsim_err err = {{0}};
            if (load_one(argv[i + 1], &err) < 0) return etsim_cli_fail(2, "%s", err.msg);
            i++;
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}
