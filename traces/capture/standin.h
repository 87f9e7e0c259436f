/* standin.h -- the synthetic model standing in for the servers of a
 * capture (`etsim capture --synthetic`): the synthetic oracle, with every
 * embedding rounded through the trace encoding as it is made, as the live
 * oracle rounds the embeddings it receives, so that the decisions a
 * capture takes are exactly those an offline replay of its trace takes. */
#ifndef ETSIM_CAPTURE_STANDIN_H
#define ETSIM_CAPTURE_STANDIN_H

#include "sim/engine/oracle.h"

/* profile: a synthetic profile name or path ("default"). NULL with err. */
etsim_oracle *cap_standin_open(const char *profile, etsim_err *err);

#endif
