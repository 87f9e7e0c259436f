/* list.h -- the built-in selectors, one line each. Adding a selector is a
 * new file in selectors/ defining `const etsim_selector etsim_selector_NAME`
 * and one ETSIM_SELECTOR(NAME) line here; registry.c expands the list (an
 * X-macro), and nothing else names selectors. The order is the order of
 * `etsim select --list` and the usage text. */
ETSIM_SELECTOR(rebase)
ETSIM_SELECTOR(beam)
ETSIM_SELECTOR(dvts)
ETSIM_SELECTOR(ets)
ETSIM_SELECTOR(ets_kv)
