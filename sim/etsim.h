/* etsim.h -- the library's front door. etsim_init registers the built-in
 * oracle backends (trace, synthetic, live) with the engine's registry, as
 * sqlite3_initialize registers the default VFSes; call it once before
 * opening an oracle by kind name (the CLI's main does). Selectors need no
 * initialisation: their list is selectors/list.h. */
#ifndef ETSIM_ETSIM_H
#define ETSIM_ETSIM_H

/* Idempotent and thread-safe. */
void etsim_init(void);

#endif
